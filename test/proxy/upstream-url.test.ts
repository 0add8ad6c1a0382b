import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildUpstreamTarget, stripQueryParams } from '../../src/proxy/upstream-url.js';

describe('upstream target', () => {
  const cases: [string, string, string, string][] = [
    [
      'http://h:5000/wps',
      '',
      'service=WPS&request=GetCapabilities',
      '/wps?service=WPS&request=GetCapabilities',
    ],
    ['http://h:5000/wps/', '/x/y.xml', '', '/wps/x/y.xml'],
    ['http://h:5000', '', '', '/'],
    ['http://h:5000', '/outputs/a.xml', '', '/outputs/a.xml'],
    [
      'http://h/cgi-bin/mapserv?map=/m.map',
      '',
      'SERVICE=WMS&MAP=/etc/passwd&x=1',
      '/cgi-bin/mapserv?map=/m.map&SERVICE=WMS&x=1',
    ],
    ['http://h/wps', '', 'a=%2F&access_token=t&ACCESS_TOKEN=u&b', '/wps?a=%2F&b'],
    ['http://h/wps', '', 'access%5Ftoken=t&c=3', '/wps?c=3'],
  ];
  for (const [url, extra, query, expected] of cases) {
    test(`${url} + ${extra || '∅'} ? ${query || '∅'}`, () => {
      const t = buildUpstreamTarget(url, extra, query);
      assert.equal(t.path, expected);
      assert.equal(t.origin, new URL(url).origin);
    });
  }
  test('stripQueryParams keeps the query byte for byte when nothing is dropped', () => {
    assert.equal(
      stripQueryParams('a=1&B=%20x+y', () => false),
      'a=1&B=%20x+y',
    );
    assert.equal(
      stripQueryParams('a=1&&b=2', () => false),
      'a=1&b=2',
    );
  });
});
