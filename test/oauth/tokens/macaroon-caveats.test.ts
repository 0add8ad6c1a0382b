import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { macaroonCaveats } from '../../../src/client/macaroon-attenuate.js';
import {
  CaveatError,
  checkRestrictions,
  parseCaveats,
  type RestrictionContext,
} from '../../../src/oauth/tokens/macaroon-caveats.js';

const NOW = Date.parse('2030-01-01T00:00:00Z');

/** An Execute of `hello` on `emu`, from 127.0.0.1, at NOW. */
const execute: RestrictionContext = {
  service: 'emu',
  operation: 'Execute',
  processes: ['hello'],
  layers: [],
  method: 'POST',
  path: '',
  clientAddress: '127.0.0.1',
  now: NOW,
};
const getMap: RestrictionContext = {
  ...execute,
  service: 'map',
  operation: 'GetMap',
  processes: [],
  layers: ['regions', 'cities'],
  method: 'GET',
};
const output: RestrictionContext = {
  ...execute,
  service: 'emu_outputs',
  operation: undefined,
  processes: [],
  method: 'GET',
  path: '/outputs/job%201/result.nc',
};

/** [caveats, request, allowed]: every "allowed" row has a "denied" twin. */
const CASES: [string[], RestrictionContext, boolean][] = [
  [[], execute, true],
  [['time < 2030-01-01T00:00:01Z'], execute, true],
  [['time < 2030-01-01T00:00:00Z'], execute, false],
  [['time < 2030-01-01T01:00:00+01:00'], execute, false],
  [['time < 2030-01-01T01:00:01+01:00'], execute, true],
  [['time < 2029-12-31T23:59:59.999Z'], execute, false],
  [['service = emu'], execute, true],
  [['service = EMU, other'], execute, true],
  [['service = map'], execute, false],
  [['service = emu', 'service = map'], execute, false],
  [['service = emu,map', 'service = emu'], execute, true],
  [['operation = execute'], execute, true],
  [['operation = GetMap,GetFeatureInfo'], execute, false],
  [['operation = GetMap'], output, false],
  [['process = hello,sleep'], execute, true],
  [['process = sleep'], execute, false],
  [['process = hello'], { ...execute, processes: ['hello', 'sleep'] }, false],
  [['process = hello'], { ...execute, processes: [] }, false],
  [['process = hello'], getMap, false],
  [['layer = regions,cities,rivers'], getMap, true],
  [['layer = regions'], getMap, false],
  [['layer = Regions,cities'], getMap, false],
  [['method = get'], getMap, true],
  [['method = GET,HEAD'], execute, false],
  [['path prefix = /outputs'], output, true],
  [['path prefix = /outputs/'], output, true],
  [['path prefix = /outputs/job 1'], output, true],
  [['path prefix = /out'], output, false],
  [['path prefix = /outputs/job'], output, false],
  [['path prefix = /'], execute, true],
  [['path prefix = /outputs'], { ...output, path: '/outputs/../secret' }, false],
  [['path prefix = /outputs'], { ...output, path: '/outputs/%2e%2e/secret' }, false],
  [['path prefix = /outputs'], { ...output, path: '/outputs%2fsecret' }, false],
  [['path prefix = /outputs'], { ...output, path: '/outputs/%zz' }, false],
  [['client address = 127.0.0.0/8, ::1'], execute, true],
  [['client address = 127.0.0.1'], { ...execute, clientAddress: '::ffff:127.0.0.1' }, true],
  [['client address = 10.0.0.0/8'], execute, false],
  [['client address = 127.0.0.1'], { ...execute, clientAddress: undefined }, false],
  [['client address = fd00::/8'], { ...execute, clientAddress: 'fd12::1' }, true],
  [['client address = fd00::/8'], { ...execute, clientAddress: 'fe80::1' }, false],
  [
    [
      'time < 2030-01-01T00:10:00Z',
      'service = emu',
      'operation = Execute',
      'process = hello',
      'method = POST',
      'client address = 127.0.0.1',
    ],
    execute,
    true,
  ],
];

describe('macaroon caveats', () => {
  test('checkRestrictions: the table (allowed and denied twins)', () => {
    for (const [caveats, ctx, allowed] of CASES) {
      const result = checkRestrictions(parseCaveats(caveats).restrictions, ctx);
      assert.equal(result.ok, allowed, `${JSON.stringify(caveats)} on ${JSON.stringify(ctx)}`);
    }
  });

  test('the first unmet caveat is named; an expiry is told apart', () => {
    const r = parseCaveats(['service = emu', 'process = sleep', 'time < 2000-01-01T00:00:00Z']).restrictions;
    assert.deepEqual(checkRestrictions(r, execute), { ok: false, caveat: 'process = sleep', expired: false });
    const t = parseCaveats(['time < 2000-01-01T00:00:00Z', 'process = sleep']).restrictions;
    assert.deepEqual(checkRestrictions(t, execute), {
      ok: false,
      caveat: 'time < 2000-01-01T00:00:00Z',
      expired: true,
    });
  });

  test('client and scope say what the token is: intersections, never more', () => {
    assert.deepEqual(parseCaveats(['client = abc', 'scope = compute register']), {
      clientIds: ['abc'],
      scopes: ['compute', 'register'],
      restrictions: [],
    });
    assert.deepEqual(parseCaveats(['scope = compute', 'scope = compute,register']).scopes, ['compute']);
    assert.deepEqual(parseCaveats(['scope = compute', 'scope = register']).scopes, []);
    assert.deepEqual(parseCaveats(['scope =']).scopes, []);
    assert.deepEqual(parseCaveats(['client = abc', 'client = def']).clientIds, []);
    assert.deepEqual(parseCaveats(['client = abc', 'client = abc']).clientIds, ['abc']);
    assert.equal(parseCaveats(['service = emu']).scopes, undefined);
  });

  test('refused (fail closed): unknown keys, wrong operators, unparsable values', () => {
    for (const caveat of [
      'account = 3735928559',
      'user = alice',
      'time > 2030-01-01T00:00:00Z',
      'time = 2030-01-01T00:00:00Z',
      'time < tomorrow',
      'time < 2030-01-01',
      'time < 2030-01-01T00:00:00',
      'time < 2030-02-30T00:00:00Z',
      'time < 2030-13-01T00:00:00Z',
      'time < 2030-01-01T24:00:00Z',
      'time < 2030-01-01T00:00:60Z',
      'time < 2030-01-01T00:00:00+24:00',
      'service < emu',
      'service =',
      'service = emu,,map',
      'service = emu, ',
      'process = a\u0000b',
      'method = GET/1',
      'path prefix = outputs',
      'path prefix = /outputs/../x',
      'path prefix = /%zz',
      'client address = 300.0.0.1',
      'client address = 10.0.0.0/33',
      'client address = example.org',
      'scope = "compute"',
      'client =',
      'nonsense',
      '',
      `process = ${'x'.repeat(2000)}`,
    ]) {
      assert.throws(() => parseCaveats([caveat]), CaveatError, caveat);
    }
  });

  test('error messages quote the caveat in printable ASCII only (they go into headers)', () => {
    assert.throws(
      () => parseCaveats(['evil = "x"\r\nSet-Cookie: a\u00e9']),
      (err: unknown) => {
        assert.ok(err instanceof CaveatError);
        assert.match(err.message, /^unknown caveat "evil"/);
        assert.match(err.message, /^[\x20-\x7e]+$/);
        assert.ok(!err.message.includes('"x"'));
        return true;
      },
    );
  });

  test('the client library writes caveats that the server reads back', () => {
    const now = new Date(NOW);
    const written = macaroonCaveats(
      {
        service: ['emu', 'emu_outputs'],
        operation: 'Execute',
        process: ['hello'],
        layer: 'regions',
        method: ['post'],
        pathPrefix: '/outputs',
        clientAddress: ['127.0.0.0/8', '::1'],
        scope: 'compute',
        expiresIn: 600,
        expiresAt: new Date('2030-01-01T00:05:00Z'),
      },
      now,
    );
    assert.deepEqual(written, [
      'service = emu,emu_outputs',
      'operation = Execute',
      'process = hello',
      'layer = regions',
      'method = post',
      'path prefix = /outputs',
      'client address = 127.0.0.0/8,::1',
      'scope = compute',
      'time < 2030-01-01T00:10:00Z',
      'time < 2030-01-01T00:05:00Z',
    ]);
    const parsed = parseCaveats(written);
    assert.deepEqual(parsed.scopes, ['compute']);
    assert.equal(parsed.restrictions.length, 9);
    const allowed = { ...execute, layers: ['regions'], service: 'emu_outputs', path: '/outputs/x' };
    assert.equal(checkRestrictions(parsed.restrictions, allowed).ok, true);
    assert.equal(checkRestrictions(parsed.restrictions, { ...allowed, now: NOW + 300_000 }).ok, false);
  });
});
