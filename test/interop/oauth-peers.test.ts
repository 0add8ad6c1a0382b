import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startTestApp, type TestApp } from '../helpers/app.js';
import {
  PEERS_PYTHON,
  type PeerServer,
  peerAvailable,
  requirePeer,
  runOWSLib,
  startPyWPS,
} from '../helpers/peers.js';
import { registerService } from '../helpers/register.js';

const run = promisify(execFile);
const OAUTH_CLIENT = fileURLToPath(new URL('../../scripts/peers/clients/oauth_client.py', import.meta.url));

/** requests-oauthlib's BackendApplicationClient against Twitcher's token endpoint. */
async function fetchTokenWithOAuthlib(url: string, id: string, secret: string, ...scopes: string[]) {
  try {
    const { stdout } = await run(PEERS_PYTHON, [OAUTH_CLIENT, url, id, secret, ...scopes], {
      timeout: 60_000,
    });
    return { code: 0, body: JSON.parse(stdout) as Record<string, unknown> };
  } catch (err) {
    const e = err as { code?: number; stdout?: string };
    return { code: e.code ?? 1, body: JSON.parse(e.stdout || '{}') as Record<string, unknown> };
  }
}

describe('interop: OAuth2 with requests-oauthlib, then OWSLib on the real PyWPS with the token', () => {
  let app: TestApp;
  let wps: PeerServer | undefined;
  let client: { client_id: string; client_secret: string };

  before(async () => {
    app = await startTestApp(undefined);
    const res = await fetch(`${app.url}/oauth/client?name=emu-user`, {
      headers: { authorization: app.adminAuth },
    });
    client = (await res.json()) as typeof client;
    if (peerAvailable('pywps').ok) {
      wps = await startPyWPS();
      await registerService(app, { name: 'emu', url: wps.url, type: 'wps', auth: 'token' });
      await registerService(app, {
        name: 'emu_outputs',
        url: `${wps.base}/outputs`,
        type: 'http',
        auth: 'token',
      });
    }
  });
  after(async () => {
    await wps?.stop();
    await app?.close();
  });

  test('BackendApplicationClient gets a token; OWSLib executes sync, async and by reference with it', async (t) => {
    if (!requirePeer(t, 'requests-oauthlib') || !requirePeer(t, 'pywps') || !requirePeer(t, 'owslib')) return;
    const got = await fetchTokenWithOAuthlib(
      `${app.url}/oauth/token`,
      client.client_id,
      client.client_secret,
      'compute',
    );
    assert.equal(got.code, 0, JSON.stringify(got.body));
    assert.equal(got.body['token_type'], 'Bearer');
    assert.deepEqual(got.body['scope'], ['compute']);
    const token = String(got.body['access_token']);
    const run = await runOWSLib(['wps', `${app.url}/ows/proxy/emu`, '--token', token]);
    assert.deepEqual(
      run.steps.filter((s) => !s.ok).map((s) => `${s.step}: ${s.error}`),
      [],
    );
    assert.equal(run.code, 0);
  });

  test('a wrong secret is refused to requests-oauthlib with invalid_client; without a token Execute is refused', async (t) => {
    if (!requirePeer(t, 'requests-oauthlib') || !requirePeer(t, 'pywps') || !requirePeer(t, 'owslib')) return;
    const got = await fetchTokenWithOAuthlib(`${app.url}/oauth/token`, client.client_id, 'wrong-secret');
    assert.equal(got.code, 1);
    assert.equal(got.body['error'], 'invalid_client');
    const refused = await runOWSLib([
      'wps',
      `${app.url}/ows/proxy/emu`,
      '--steps',
      'hello,sleep',
      '--expect-fail',
    ]);
    assert.equal(refused.code, 0, refused.stdout);
    const invalid = await runOWSLib([
      'wps',
      `${app.url}/ows/proxy/emu`,
      '--steps',
      'hello',
      '--token',
      'tw_invalid',
      '--expect-fail',
    ]);
    assert.equal(invalid.code, 0, invalid.stdout);
  });
});
