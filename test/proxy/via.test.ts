import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appendVia, cameThrough, viaPseudonym } from '../../src/proxy/via.js';

const OWN = 'twitcher-0123456789ab';

test('cameThrough: only a hop named with our pseudonym counts', () => {
  const rows: [string | string[] | undefined, boolean][] = [
    [undefined, false],
    ['', false],
    [`1.1 ${OWN}`, true],
    [`HTTP/1.1 ${OWN}`, true],
    [`1.0 fred, 1.1 ${OWN}`, true],
    [`1.1 ${OWN.toUpperCase()}`, true],
    [`1.1 ${OWN} (Twitcher)`, true],
    [['1.0 fred', `1.1 ${OWN}`], true],
    [`1.1\t${OWN}`, true],
    // not a hop of ours
    ['1.1 twitcher-ffffffffffff', false],
    [`1.1 ${OWN}x`, false],
    [`1.1 x${OWN}`, false],
    [`1.1 ${OWN}:8080`, false],
    [`1.1 proxy.example (${OWN})`, false],
    [`1.1 proxy.example (a, 1.1 ${OWN})`, false],
    [`1.1 proxy.example (a \\) 1.1 ${OWN})`, false],
    [OWN, false],
  ];
  for (const [value, expected] of rows) assert.equal(cameThrough(value, OWN), expected, String(value));
});

test('appendVia: earlier hops first, ours last', () => {
  assert.equal(appendVia(undefined, OWN), `1.1 ${OWN}`);
  assert.equal(appendVia('', OWN), `1.1 ${OWN}`);
  assert.equal(appendVia('1.0 fred', OWN), `1.0 fred, 1.1 ${OWN}`);
  assert.equal(appendVia(['1.0 fred', '1.1 nginx'], OWN), `1.0 fred, 1.1 nginx, 1.1 ${OWN}`);
});

test('viaPseudonym: one per instance (public URL, protected path, host, port), a token', () => {
  const config = (url: string, path = '/ows', port = 8000) =>
    ({ server: { url, port }, protectedPath: path }) as never;
  const a = viaPseudonym(config('https://a.example'), 'h1');
  assert.equal(a, viaPseudonym(config('https://a.example'), 'h1'));
  for (const other of [
    viaPseudonym(config('https://b.example'), 'h1'),
    viaPseudonym(config('https://a.example', '/twitcher/ows'), 'h1'),
    // the same default server.url on another machine or container, or another port on this one
    viaPseudonym(config('https://a.example'), 'h2'),
    viaPseudonym(config('https://a.example', '/ows', 8001), 'h1'),
  ])
    assert.notEqual(a, other);
  assert.match(a, /^twitcher-[0-9a-f]{12}$/);
});
