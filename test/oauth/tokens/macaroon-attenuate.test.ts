import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, test } from 'node:test';
import { main } from '../../../src/cli/main.js';
import {
  attenuateMacaroon,
  MacaroonCaveatError,
  MacaroonFormatError,
  macaroonCaveatsOf,
} from '../../../src/client/index.js';
import {
  createMacaroonTokenIssuer,
  createMacaroonTokenVerifier,
} from '../../../src/oauth/tokens/macaroon.js';
import { createMacaroonKeyRing } from '../../../src/oauth/tokens/macaroon-keys.js';

const keys = createMacaroonKeyRing([{ id: 'k1', secret: 'a-root-key-of-at-least-32-characters!!' }]);
const LOCATION = 'https://twitcher.example.org';
const verifier = createMacaroonTokenVerifier({
  keys,
  location: LOCATION,
  revocations: { isRevoked: async () => false },
});
const issue = async () =>
  (
    await createMacaroonTokenIssuer({ keys, location: LOCATION }).issue({
      clientId: 'c1',
      scopes: ['compute'],
      lifetime: 3600,
      data: {},
    })
  ).accessToken;

/** twitcherctl in-process, standard input not a terminal, no server anywhere. */
async function ctl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const stdin = new PassThrough() as unknown as NodeJS.ReadStream;
  const code = await main(args, { env: { TWITCHER_SERVER: 'http://127.0.0.1:9' }, stdin, stdout, stderr });
  return { code, stdout: out, stderr: err };
}

describe('narrowing offline: twitcherctl attenuate and the client library', () => {
  test('twitcherctl attenuate prints a narrower token that Twitcher reads back', async () => {
    const token = await issue();
    const before = Date.now();
    const run = await ctl([
      'attenuate',
      token,
      '--service',
      'emu',
      '--process',
      'subset,hello',
      '--process',
      'echo',
      '--operation',
      'Execute',
      '--method',
      'POST',
      '--path',
      '/wps',
      '--client-address',
      '10.0.0.0/8',
      '--expires-in',
      '10m',
      '--caveat',
      'layer = regions',
    ]);
    assert.equal(run.code, 0, run.stderr);
    const printed = JSON.parse(run.stdout) as { access_token: string; token_type: string; caveats: string[] };
    assert.equal(printed.token_type, 'Bearer');
    const added = printed.caveats.slice(3);
    assert.deepEqual(added.slice(0, 6), [
      'service = emu',
      'operation = Execute',
      'process = subset,hello,echo',
      'method = POST',
      'path prefix = /wps',
      'client address = 10.0.0.0/8',
    ]);
    const expiry = Date.parse(added[6]!.replace('time < ', ''));
    assert.ok(Math.abs(expiry - (before + 600_000)) < 2000, added[6]);
    assert.equal(added[7], 'layer = regions');
    const info = await verifier.verify(printed.access_token);
    assert.equal(info?.restrictions?.length, 9);
    assert.ok(info!.expiresAt <= Math.floor(before / 1000) + 601);
  });

  test('usage errors (exit 2): nothing to narrow, not a macaroon, bad duration, bad values', async () => {
    const token = await issue();
    for (const [args, message] of [
      [['attenuate', token], /at least one restriction/],
      [['attenuate', 'tw_notamacaroon', '--process', 'x'], /not a macaroon/],
      [['attenuate', token, '--expires-in', 'soon'], /--expires-in takes a duration/],
      [['attenuate', token, '--expires-in', '0'], /--expires-in/],
      [['attenuate', token, '--path', 'outputs'], /path prefix/],
      [['attenuate', token, '--client-address', 'example.org'], /client address/],
      [['attenuate', token, '--method', 'GET POST'], /method/],
      [['attenuate'], /needs TOKEN/],
    ] as const) {
      const run = await ctl([...args]);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, message);
      assert.equal(run.stdout, '');
    }
  });

  test('attenuate --help names every option', async () => {
    const run = await ctl(['attenuate', '--help']);
    assert.equal(run.code, 0);
    for (const option of [
      '--service',
      '--process',
      '--operation',
      '--layer',
      '--method',
      '--path',
      '--expires-in',
    ])
      assert.ok(run.stdout.includes(option), option);
  });

  test('client library: attenuateMacaroon with restrictions or predicates, errors of its own', async () => {
    const token = await issue();
    const now = new Date();
    const a = attenuateMacaroon(token, { service: 'emu', process: ['subset'], expiresIn: 600 }, { now });
    assert.deepEqual(macaroonCaveatsOf(a).slice(3), [
      'service = emu',
      'process = subset',
      `time < ${new Date(Math.floor(now.getTime() / 1000 + 600) * 1000).toISOString().replace('.000Z', 'Z')}`,
    ]);
    const b = attenuateMacaroon(a, ['layer = regions']);
    assert.equal(macaroonCaveatsOf(b).length, 7);
    assert.ok(await verifier.verify(b));
    assert.throws(() => attenuateMacaroon(token, {}), MacaroonCaveatError);
    assert.throws(() => attenuateMacaroon(token, { process: 'a,b' }), MacaroonCaveatError);
    assert.throws(() => attenuateMacaroon(token, { expiresAt: new Date('nope') }), MacaroonCaveatError);
    assert.throws(() => attenuateMacaroon('tw_x', { process: 'a' }), MacaroonFormatError);
  });
});
