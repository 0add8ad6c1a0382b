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

test('viaPseudonym: one per deployment (public URL and protected path), a token', () => {
  const a = viaPseudonym({ server: { url: 'https://a.example' }, protectedPath: '/ows' } as never);
  const a2 = viaPseudonym({ server: { url: 'https://a.example' }, protectedPath: '/ows' } as never);
  const b = viaPseudonym({ server: { url: 'https://b.example' }, protectedPath: '/ows' } as never);
  const c = viaPseudonym({ server: { url: 'https://a.example' }, protectedPath: '/twitcher/ows' } as never);
  assert.equal(a, a2);
  assert.notEqual(a, b);
  assert.notEqual(a, c);
  assert.match(a, /^twitcher-[0-9a-f]{12}$/);
});
