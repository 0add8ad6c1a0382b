import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type RequestListener } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  type ServiceJSON,
  TwitcherClient,
  TwitcherClientError,
  type TwitcherClientOptions,
} from '../../src/client/index.js';
import { ADMIN_PASSWORD, startTestApp, type TestApp } from '../helpers/app.js';
import { CLIENT_ID, CLIENT_SECRET, type RunningProvider, startProvider } from '../helpers/oidc-provider.js';
import { freePort } from '../helpers/ports.js';

/** Rejects with a TwitcherClientError of that code and status. */
async function failsWith(p: Promise<unknown>, code: string, status: number, message?: RegExp) {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof TwitcherClientError, `not a TwitcherClientError: ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.equal(err.status, status, err.message);
    if (message) assert.match(err.message, message);
    return true;
  });
}

/** A throwaway HTTP(S) server on a loopback port, closed after the tests. */
async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  after(() => {
    server.close();
    (server as Server & { closeAllConnections?: () => void }).closeAllConnections?.();
  });
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}
const httpServer = async (handler: RequestListener) => `http://${await listen(createHttpServer(handler))}`;

let app: TestApp;
let admin: TwitcherClient;
const options = (extra: Partial<TwitcherClientOptions> = {}): TwitcherClientOptions => ({
  url: app.url,
  username: 'admin',
  password: ADMIN_PASSWORD,
  ...extra,
});

before(async () => {
  app = await startTestApp(undefined);
  admin = new TwitcherClient(options());
});
after(async () => {
  await admin.close();
  await app.close();
});

describe('TwitcherClient: the service registry', () => {
  test('register, get, list, replace, unregister, clear', async () => {
    const emu = await admin.registerService({ url: 'http://127.0.0.1:5000/wps', name: 'Emu-1' });
    const expected: ServiceJSON = {
      name: 'emu_1',
      url: 'http://127.0.0.1:5000/wps',
      type: 'wps',
      purl: '',
      auth: 'token',
      public: false,
      verify: true,
      passTokenData: false,
      certSubjects: [],
      limits: {},
    };
    assert.deepEqual(emu, expected);
    assert.deepEqual(await admin.getService('emu_1'), expected);
    const generated = await admin.registerService({
      url: 'https://maps.example.org/ows',
      type: 'wms',
      auth: 'public',
      verify: false,
      passTokenData: true,
      purl: 'https://public.example.org/maps',
    });
    assert.match(generated.name, /^[a-z]+_[a-z]+/);
    assert.equal(generated.public, true);
    assert.equal(generated.passTokenData, true);
    assert.deepEqual(
      (await admin.listServices()).map((s) => s.name).sort(),
      [generated.name, 'emu_1'].sort(),
    );

    const replaced = await admin.replaceService('emu_1', {
      url: 'http://127.0.0.1:5001/wps',
      auth: 'public',
    });
    assert.equal(replaced.created, false);
    assert.equal(replaced.service.url, 'http://127.0.0.1:5001/wps');
    const created = await admin.replaceService('fresh', { url: 'http://127.0.0.1:5002/wps' });
    assert.equal(created.created, true);

    await admin.unregisterService('emu_1');
    await failsWith(admin.getService('emu_1'), 'service_not_found', 404);
    await admin.clearServices();
    assert.deepEqual(await admin.listServices(), []);
  });

  test("the server's refusals: its status, stable code and message", async () => {
    await failsWith(admin.getService('nope'), 'service_not_found', 404, /nope/);
    await failsWith(admin.unregisterService('nope'), 'service_not_found', 404);
    await admin.registerService({ url: 'http://127.0.0.1:5000/wps', name: 'taken' });
    await failsWith(
      admin.registerService({ url: 'http://127.0.0.1:5000/wps', name: 'taken' }),
      'duplicate_name',
      409,
    );
    await assert.rejects(
      admin.registerService({ url: 'ftp://nowhere', name: 'xyz', auth: 'nobody' as 'token' }),
      (err: unknown) => {
        assert.ok(err instanceof TwitcherClientError);
        assert.equal(err.code, 'validation_failed');
        assert.equal(err.status, 422);
        assert.deepEqual(err.fields.map((f) => f.field).sort(), ['auth', 'url']);
        assert.equal(err.url, `${app.url}/services`);
        return true;
      },
    );
    await admin.clearServices();
  });

  test('wrong or missing credentials: 401 with the code', async () => {
    const wrong = new TwitcherClient(options({ password: 'not-the-password' }));
    await failsWith(wrong.listServices(), 'invalid_credentials', 401, /Wrong user name or password/);
    const anonymous = new TwitcherClient({ url: app.url });
    await failsWith(anonymous.listServices(), 'authentication_required', 401);
    await failsWith(anonymous.listClients(), 'authentication_required', 401);
  });
});

describe('TwitcherClient: OAuth2 clients and tokens', () => {
  test('addClientApp, fetchToken, getClient, listClients, deleteClient', async () => {
    const appJSON = await admin.addClientApp({ name: 'demo', redirectURI: 'https://demo.example.org/cb' });
    assert.equal(appJSON.name, 'demo');
    assert.equal(appJSON.redirect_uri, 'https://demo.example.org/cb');
    assert.deepEqual(appJSON.scope, ['compute']);
    assert.ok(appJSON.client_secret.length >= 32);

    const token = await admin.fetchToken({
      clientId: appJSON.client_id,
      clientSecret: appJSON.client_secret,
    });
    assert.equal(token.token_type, 'Bearer');
    assert.equal(token.scope, 'compute');
    assert.match(token.access_token, /^tw_/);

    const shown = await admin.getClient(appJSON.client_id);
    assert.equal(shown.name, 'demo');
    assert.ok(!('client_secret' in shown), 'the secret is never shown again');
    assert.ok((await admin.listClients()).some((c) => c.client_id === appJSON.client_id));
    await admin.deleteClient(appJSON.client_id);
    await failsWith(admin.getClient(appJSON.client_id), 'not_found', 404);
    await failsWith(admin.deleteClient(appJSON.client_id), 'not_found', 404);
    await failsWith(
      admin.fetchToken({ clientId: appJSON.client_id, clientSecret: appJSON.client_secret }),
      'invalid_client',
      401,
    );
  });

  test('a register token manages the registry (Bearer) but not the rest of the admin API', async () => {
    const appJSON = await admin.addClientApp({ name: 'ops', scopes: ['compute', 'register'] });
    const token = await admin.fetchToken({
      clientId: appJSON.client_id,
      clientSecret: appJSON.client_secret,
      scope: ['register'],
    });
    assert.equal(token.scope, 'register');
    const withToken = new TwitcherClient({ url: app.url, token: token.access_token });
    const svc = await withToken.registerService({ url: 'http://127.0.0.1:5000/wps', name: 'by_token' });
    assert.equal(svc.name, 'by_token');
    await failsWith(withToken.listClients(), 'authentication_required', 401);
    // with both, the registry gets the token and the admin API the password
    const both = new TwitcherClient(options({ token: token.access_token }));
    assert.ok(Array.isArray(await both.listClients()));
    await withToken.unregisterService('by_token');
    await failsWith(
      admin.fetchToken({ clientId: appJSON.client_id, clientSecret: 'wrong', scope: 'compute' }),
      'invalid_client',
      401,
    );
    await failsWith(
      admin.fetchToken({
        clientId: appJSON.client_id,
        clientSecret: appJSON.client_secret,
        scope: 'nonsense',
      }),
      'invalid_scope',
      400,
    );
  });

  test('issueToken with data, introspectToken, revokeToken', async () => {
    const appJSON = await admin.addClientApp({ name: 'workflow' });
    const issued = await admin.issueToken(appJSON.client_id, {
      scope: ['compute'],
      data: { project: 'cmip6' },
    });
    assert.equal(issued.scope, 'compute');
    const info = await admin.introspectToken(issued.access_token);
    assert.equal(info.active, true);
    assert.equal(info.client_id, appJSON.client_id);
    assert.equal(info.scope, 'compute');
    assert.equal(info.kind, 'random');
    await admin.revokeToken(issued.access_token);
    assert.deepEqual(await admin.introspectToken(issued.access_token), { active: false });
    await failsWith(admin.revokeToken('tw_not-a-token'), 'not_found', 404);
    await failsWith(admin.issueToken('no-such-client'), 'not_found', 404);
    await failsWith(
      admin.issueToken(appJSON.client_id, { data: { 'bad key': 'x' } }),
      'validation_failed',
      422,
    );
  });

  test("fetchToken from an external OpenID provider's token endpoint (Keycloak's place)", async (t) => {
    const provider: RunningProvider = await startProvider();
    t.after(() => provider.stop());
    const tokenURL = `${provider.issuer}/token`;
    const token = await admin.fetchToken({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      scope: 'compute',
      tokenURL,
    });
    assert.equal(token.token_type, 'Bearer');
    assert.equal(token.access_token.split('.').length, 3, 'a JWT');
    await failsWith(
      admin.fetchToken({ clientId: CLIENT_ID, clientSecret: 'wrong', tokenURL }),
      'invalid_client',
      401,
    );
    await failsWith(
      admin.fetchToken({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, tokenURL: 'not a url' }),
      'invalid_url',
      0,
    );
  });
});

describe('TwitcherClient: failures before any answer, and answers that are not Twitcher', () => {
  test('a malformed base URL is refused at construction (invalid_url)', () => {
    for (const url of ['localhost:8000', 'ftp://example.org', 'http://user:pw@example.org', '']) {
      assert.throws(
        () => new TwitcherClient({ url }),
        (err: unknown) => err instanceof TwitcherClientError && err.code === 'invalid_url',
      );
    }
    assert.equal(
      new TwitcherClient({ url: 'http://example.org/twitcher/' }).url,
      'http://example.org/twitcher',
    );
  });

  test('a server that is down: unreachable, with the URL tried', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const down = new TwitcherClient({ url, password: 'x' });
    await failsWith(down.listServices(), 'unreachable', 0, /ECONNREFUSED/);
    await assert.rejects(down.getService('emu'), (err: TwitcherClientError) => {
      assert.equal(err.url, `${url}/services/emu`);
      assert.ok(err.message.includes(`${url}/services/emu`));
      return true;
    });
  });

  test('a server that does not answer in time: timeout', async () => {
    const url = await httpServer(() => {
      // never answers
    });
    await failsWith(new TwitcherClient({ url, timeoutMs: 200 }).listServices(), 'timeout', 0, /200 ms/);
  });

  test('an HTML page, a redirect or JSON of another shape: bad_response with the status', async () => {
    const url = await httpServer((req, res) => {
      if (req.url === '/services') res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>Hello</h1>');
      else if (req.url === '/services/emu')
        res.writeHead(502, { 'content-type': 'text/html' }).end('<h1>Bad gateway</h1>');
      else if (req.url === '/clients')
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"a":1}');
      else if (req.url === '/clients/x')
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"oops":1}');
      else res.writeHead(301, { location: 'https://elsewhere.example.org/' }).end();
    });
    const other = new TwitcherClient({ url, password: 'x' });
    await failsWith(other.listServices(), 'bad_response', 200, /text\/html, not JSON/);
    await failsWith(other.getService('emu'), 'bad_response', 502, /not JSON/);
    await failsWith(other.listClients(), 'bad_response', 200, /array/);
    await failsWith(other.getClient('x'), 'bad_response', 404, /without an error code/);
    await failsWith(other.deleteClient('y'), 'bad_response', 301, /redirecting to https:\/\/elsewhere/);
  });

  test('insecure: a self-signed certificate is refused, then accepted with insecure: true', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'twitcher-client-tls-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const made = spawnSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1'].concat([
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ]),
      { stdio: 'ignore' },
    );
    if (made.error || made.status !== 0) {
      t.skip('openssl is not available to make a self-signed certificate');
      return;
    }
    const server = createHttpsServer(
      { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
      (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('[]'),
    );
    const url = `https://${await listen(server)}`;
    await failsWith(
      new TwitcherClient({ url }).listServices(),
      'unreachable',
      0,
      /certificate is not trusted/,
    );
    const insecure = new TwitcherClient({ url, insecure: true });
    assert.deepEqual(await insecure.listServices(), []);
    await insecure.close();
  });
});
