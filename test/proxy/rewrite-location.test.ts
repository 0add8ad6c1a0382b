import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildRewriteRules } from '../../src/ows/capabilities/rewrite-rules.js';
import { rewriteBuffer } from '../../src/ows/capabilities/rewrite-stream.js';
import { clientResponseHeaders } from '../../src/proxy/client-response-headers.js';
import { rewriteLocation } from '../../src/proxy/rewrite-location.js';

// The rules as RewriteRulesCache builds them: service `emu` at http://up:5000/wps, a sibling
// `outputs` at http://up:5000/outputs, Twitcher at https://tw.example:8443.
const TW = 'https://tw.example:8443';
const rules = buildRewriteRules({
  upstreamURL: 'http://up:5000/wps',
  proxyURL: `${TW}/ows/proxy/emu`,
  publicOrigin: TW,
  keep: [`${TW}/ows/proxy/`],
  siblings: [{ upstreamURL: 'http://up:5000/outputs', proxyURL: `${TW}/ows/proxy/outputs` }],
  originRoot: `${TW}/`,
});
const REQUEST = 'http://up:5000/wps/jobs/42?x=1';
const EMU = `${TW}/ows/proxy/emu`;

describe('rewriteLocation', () => {
  const cases: [what: string, value: string, expected: string][] = [
    // into the service: to its proxy URL, whatever the spelling
    ['absolute, into the service', 'http://up:5000/wps/outputs/x.xml', `${EMU}/outputs/x.xml`],
    ['absolute, the service URL itself', 'http://up:5000/wps', EMU],
    ['absolute, scheme and host in upper case', 'HTTP://UP:5000/wps/x', `${EMU}/x`],
    ['root-relative', '/wps/outputs/x.xml', `${EMU}/outputs/x.xml`],
    ['path-relative (RFC 3986 §5.2: against the target URI)', 'outputs/x.xml', `${EMU}/jobs/outputs/x.xml`],
    ['dot segments that stay inside', '../status/7', `${EMU}/status/7`],
    ['query only', '?page=2', `${EMU}/jobs/42?page=2`],
    ['empty: the target itself', '', `${EMU}/jobs/42?x=1`],
    ['fragment kept', '/wps/x#part', `${EMU}/x#part`],
    ['scheme-relative, into the service', '//up:5000/wps/x', `${EMU}/x`],
    ['characters the parser percent-encodes', '/wps/out put.xml', `${EMU}/out%20put.xml`],
    // what MapServer builds from X-Forwarded-Host (unparseable host:port:port, and the public origin)
    ['MapServer host:port:port', `${TW}:5000/wps?x=1`, `${EMU}?x=1`],
    ['the public origin with the service path', `${TW}/wps/x`, `${EMU}/x`],
    // another registered service on the same upstream origin: its own proxy URL, as in bodies
    ['sibling, relative', '/outputs/x.xml', `${TW}/ows/proxy/outputs/x.xml`],
    ['sibling, absolute', 'http://up:5000/outputs/x.xml', `${TW}/ows/proxy/outputs/x.xml`],
    // the bare upstream origin: Twitcher's front page, as the body's provider-site link
    ['the upstream origin root', '/', `${TW}/`],
    // nowhere the proxy reaches: absolute values stay as they came, relative ones become what they meant
    ['absolute, another host', 'https://other.example/x', 'https://other.example/x'],
    ['absolute, another host, spelled oddly', 'HTTPS://Other.example:443/x', 'HTTPS://Other.example:443/x'],
    ['scheme-relative, another host', '//other.example:9000/x', 'http://other.example:9000/x'],
    ['backslashes the client would read as slashes', '\\\\other.example\\x', 'http://other.example/x'],
    ['absolute, outside the service path', 'http://up:5000/admin/x', 'http://up:5000/admin/x'],
    ['relative, outside the service path', '/admin/x', 'http://up:5000/admin/x'],
    ['relative, climbing out', '../../admin', 'http://up:5000/admin'],
    ['a longer name is not under the service path', '/wpsx/y', 'http://up:5000/wpsx/y'],
    ['already a proxy URL', `${EMU}/x`, `${EMU}/x`],
    ['not http', 'urn:ogc:def:crs:EPSG::4326', 'urn:ogc:def:crs:EPSG::4326'],
  ];
  for (const [what, value, expected] of cases) {
    test(`${what}: ${JSON.stringify(value)}`, () => {
      assert.equal(rewriteLocation(value, REQUEST, rules), expected);
    });
  }

  test('dot segments that climb out of the service path are not rewritten into it', () => {
    // Byte rules alone would give `{proxy}/emu/../admin`, which a client resolves to another service.
    const value = 'http://up:5000/wps/../admin';
    assert.equal(rewriteBuffer(rules, Buffer.from(value)).toString(), `${EMU}/../admin`);
    assert.equal(rewriteLocation(value, REQUEST, rules), value);
  });

  test('a Location and the same URL in a body get the same proxy URL', () => {
    for (const url of ['http://up:5000/wps/x?a=1', 'http://up:5000/outputs/y', 'https://other.example/z']) {
      const body = rewriteBuffer(rules, Buffer.from(`<a href="${url}"/>`)).toString();
      assert.equal(`<a href="${rewriteLocation(url, REQUEST, rules)}"/>`, body);
    }
  });

  test('a service registered at the upstream origin: every path is under it', () => {
    const atRoot = buildRewriteRules({ upstreamURL: 'http://up:5000', proxyURL: EMU });
    assert.equal(rewriteLocation('/outputs/x', REQUEST, atRoot), `${EMU}/outputs/x`);
    assert.equal(rewriteLocation('http://up/outputs/x', REQUEST, atRoot), 'http://up/outputs/x');
  });

  test('the default port, spelled or not', () => {
    const onDefault = buildRewriteRules({ upstreamURL: 'http://up/wps', proxyURL: EMU });
    assert.equal(rewriteLocation('http://up:80/wps/x', 'http://up/wps', onDefault), `${EMU}/x`);
    assert.equal(rewriteLocation('x', 'http://up/wps/', onDefault), `${EMU}/x`);
    assert.equal(rewriteLocation('http://up:8080/wps/x', 'http://up/wps', onDefault), 'http://up:8080/wps/x');
  });
});

describe('clientResponseHeaders: Location and Content-Location', () => {
  const map = (v: string) => rewriteLocation(v, REQUEST, rules);

  test('both are mapped; other fields are not', () => {
    const out = clientResponseHeaders(
      { location: '/wps/a', 'content-location': 'b', link: '</wps/c>; rel="next"' },
      { rewritten: false, location: map },
    );
    assert.deepEqual(out, {
      location: `${EMU}/a`,
      'content-location': `${EMU}/jobs/b`,
      link: '</wps/c>; rel="next"',
    });
  });

  test('a repeated field has every value mapped', () => {
    const out = clientResponseHeaders(
      { location: ['/wps/a', '/admin'] },
      { rewritten: false, location: map },
    );
    assert.deepEqual(out, { location: [`${EMU}/a`, 'http://up:5000/admin'] });
  });

  test('without a mapping they pass as they came', () => {
    const upstream = { location: '/wps/a', 'content-location': 'b' };
    assert.deepEqual(clientResponseHeaders(upstream, { rewritten: false }), upstream);
  });
});
