import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/types.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { waitFor } from '../helpers/fault-upstream.js';
import { newToken } from '../helpers/oauth.js';
import { PEERS_PYTHON, type PeerServer, peerAvailable, requirePeer, startPyWPS } from '../helpers/peers.js';
import { registerService } from '../helpers/register.js';

/**
 * Macaroons with a library nobody here wrote on the other side: Debian's python3-pymacaroons reads
 * (and verifies, given the root key) a macaroon from Twitcher's token endpoint and narrows it; the
 * narrowed token runs the allowed process through the proxy on the real PyWPS, and nothing else.
 */

/** pymacaroons: reads a token, optionally verifies it, adds caveats, tampers, rewrites it as v1. */
const PYMACAROONS = `
import binascii, json, sys
from pymacaroons import Macaroon, Verifier
from pymacaroons.caveat import Caveat

req = json.load(sys.stdin)
m = Macaroon.deserialize(req['token'])
text = lambda b: b.decode('utf-8') if isinstance(b, bytes) else b
out = {'location': m.location, 'identifier': text(m.identifier), 'caveats': [text(c.caveat_id) for c in m.caveats]}
if 'verifyKey' in req:
    v = Verifier()
    for p in req.get('satisfy', []):
        v.satisfy_exact(p)
    v.satisfy_general(lambda p: p.startswith('time < '))
    out['verified'] = v.verify(m, req['verifyKey'])
for p in req.get('add', []):
    m.add_first_party_caveat(p)
if req.get('tamper'):
    sig = bytearray(binascii.unhexlify(m.signature))
    sig[-1] ^= 1
    m.signature = binascii.hexlify(bytes(sig))
if req.get('v1'):
    v1 = Macaroon(location=m.location, identifier=m.identifier_bytes, version=1)
    v1.caveats = [Caveat(caveat_id=c.caveat_id_bytes, version=1) for c in m.caveats]
    v1.signature = m.signature
    m = v1
out['token'] = m.serialize()
print(json.dumps(out))
`;

interface PyResult {
  location: string;
  identifier: string;
  caveats: string[];
  verified?: boolean;
  token: string;
}

function pymacaroons(request: Record<string, unknown>): PyResult {
  const r = spawnSync(PEERS_PYTHON, ['-c', PYMACAROONS], {
    input: JSON.stringify(request),
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(r.status, 0, `pymacaroons failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as PyResult;
}

/** RFC 3339, whole seconds, `seconds` from now. */
const inSeconds = (seconds: number) =>
  new Date(Math.floor(Date.now() / 1000 + seconds) * 1000).toISOString().replace(/\.000Z$/, 'Z');

const ISSUER = 'https://twitcher.example.org';
const OLD = { id: 'k2024', secret: 'the-old-root-key-of-at-least-32-characters' };
const NEW = { id: 'k2025', secret: 'the-new-root-key-of-at-least-32-characters' };

describe('interop: macaroons narrowed by pymacaroons, through the proxy to PyWPS', () => {
  const haveAll = peerAvailable('pywps').ok && peerAvailable('pymacaroons').ok;
  let wps: PeerServer | undefined;
  /** Before the rotation (mints with OLD), during it (NEW mints, OLD accepted), after it (OLD retired). */
  const apps: Partial<Record<'before' | 'during' | 'after', TestApp>> = {};
  let token = '';
  let oldToken = '';
  let store: Store | undefined;

  const execute = (app: TestApp, service: string, process: string, bearer: string) =>
    fetch(
      `${app.url}/ows/proxy/${service}?service=WPS&request=Execute&version=1.0.0&identifier=${process}&DataInputs=name=macaroon`,
      { headers: { authorization: `Bearer ${bearer}` } },
    );

  before(async () => {
    if (!haveAll) return;
    wps = await startPyWPS();
    const keys = { before: [OLD], during: [NEW, OLD], after: [NEW] };
    // one database, as the instances of a rotation share theirs: a token's client must exist
    store = await openStore('sqlite::memory:');
    for (const phase of ['before', 'during', 'after'] as const) {
      const app = await startTestApp(undefined, {
        store,
        overrides: { 'token.type': 'macaroon', 'token.issuer': ISSUER, 'token.macaroonKeys': keys[phase] },
      });
      apps[phase] = app;
      if (phase === 'before') {
        for (const name of ['emu', 'emu_other']) {
          await registerService(app, { name, url: wps.url, type: 'wps', auth: 'token' });
        }
      }
    }
    token = await newToken(apps.during!);
    oldToken = await newToken(apps.before!);
  });
  after(async () => {
    await wps?.stop();
    for (const app of Object.values(apps)) await app?.close();
    await store?.close();
  });

  test('pymacaroons reads a Twitcher macaroon and verifies it with the root key', (t) => {
    if (!requirePeer(t, 'pywps') || !requirePeer(t, 'pymacaroons')) return;
    const read = pymacaroons({
      token,
      verifyKey: NEW.secret,
      satisfy: [
        `client = ${/client = (\S+)/.exec(pymacaroons({ token }).caveats.join('\n'))?.[1]}`,
        'scope = compute',
      ],
    });
    assert.equal(read.verified, true);
    assert.equal(read.location, ISSUER);
    assert.equal(JSON.parse(read.identifier).kid, NEW.id);
    assert.deepEqual(
      read.caveats.map((c) => c.split(' ')[0]),
      ['client', 'scope', 'time'],
    );
  });

  test('allowed: narrowed in Python (service, process, expiry), Execute hello runs on PyWPS', async (t) => {
    if (!requirePeer(t, 'pywps') || !requirePeer(t, 'pymacaroons')) return;
    const narrowed = pymacaroons({
      token,
      add: ['service = emu', 'process = hello', `time < ${inSeconds(600)}`],
    }).token;
    const res = await execute(apps.during!, 'emu', 'hello', narrowed);
    const body = await res.text();
    assert.equal(res.status, 200, body);
    assert.match(body, /ProcessSucceeded/);
    assert.match(body, /Hello macaroon/);
    // written back in v1 by pymacaroons: still accepted
    const v1 = pymacaroons({ token: narrowed, v1: true }).token;
    assert.match(v1, /^MDA/);
    assert.equal((await execute(apps.during!, 'emu', 'hello', v1)).status, 200);
  });

  test('denied: another process, another service (403 naming the caveat)', async (t) => {
    if (!requirePeer(t, 'pywps') || !requirePeer(t, 'pymacaroons')) return;
    const narrowed = pymacaroons({ token, add: ['service = emu', 'process = hello'] }).token;
    const sleep = await execute(apps.during!, 'emu', 'sleep', narrowed);
    assert.equal(sleep.status, 403);
    assert.match(await sleep.text(), /caveat "process = hello" is not met/);
    const other = await execute(apps.during!, 'emu_other', 'hello', narrowed);
    assert.equal(other.status, 403);
    assert.match(await other.text(), /caveat "service = emu" is not met/);
    assert.equal((await execute(apps.during!, 'emu_other', 'hello', token)).status, 200);
  });

  test('denied: after the expiry set in Python (allowed just before)', async (t) => {
    if (!requirePeer(t, 'pywps') || !requirePeer(t, 'pymacaroons')) return;
    // an expiry 1-2 s ahead (RFC 3339 in whole seconds): Python and one Execute fit in it; a machine
    // too loaded for that (refused, the instant passed) tries again with a wider margin
    let short = '';
    let expiresAt = 0;
    for (const margin of [2, 4, 8]) {
      expiresAt = Math.floor(Date.now() / 1000 + margin) * 1000;
      const caveat = `time < ${new Date(expiresAt).toISOString().replace(/\.000Z$/, 'Z')}`;
      const candidate = pymacaroons({ token, add: [caveat] }).token;
      const first = await execute(apps.during!, 'emu', 'hello', candidate);
      await first.arrayBuffer();
      if (first.status === 200) {
        short = candidate;
        break;
      }
      assert.ok(Date.now() >= expiresAt, `refused (HTTP ${first.status}) before its expiry`);
    }
    assert.ok(short !== '', 'never allowed before its expiry');
    // the same token once the instant has passed (the clock waited for, bounded; no guessed sleep)
    await waitFor(() => Date.now() >= expiresAt, 'the expiry instant passes', 15_000, 25);
    const res = await execute(apps.during!, 'emu', 'hello', short);
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate') ?? '', /invalid_token/);
    assert.match(await res.text(), /expired/);
  });

  test('denied: a caveat Twitcher does not know, a tampered signature (401)', async (t) => {
    if (!requirePeer(t, 'pywps') || !requirePeer(t, 'pymacaroons')) return;
    const unknown = pymacaroons({ token, add: ['account = 3735928559'] }).token;
    const res = await execute(apps.during!, 'emu', 'hello', unknown);
    assert.equal(res.status, 401);
    assert.match(await res.text(), /does not understand/);
    const tampered = pymacaroons({ token, add: ['process = hello'], tamper: true }).token;
    const bad = await execute(apps.during!, 'emu', 'hello', tampered);
    assert.equal(bad.status, 401);
    assert.match(await bad.text(), /signature is not valid/);
  });

  test('rotation: a macaroon of the previous key works while listed, refused once the key is retired', async (t) => {
    if (!requirePeer(t, 'pywps') || !requirePeer(t, 'pymacaroons')) return;
    const narrowed = pymacaroons({ token: oldToken, add: ['process = hello'] }).token;
    assert.equal((await execute(apps.during!, 'emu', 'hello', narrowed)).status, 200);
    const res = await execute(apps.after!, 'emu', 'hello', narrowed);
    assert.equal(res.status, 401);
    assert.match(await res.text(), /unknown or retired root key/);
  });
});
