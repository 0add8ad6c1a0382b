/**
 * The corpus world, made once: a recording upstream, one Twitcher (certificate service on, the
 * front proxy's client certificate header believed from 127.0.0.1, a 64 KiB body bound), the fixture
 * services, users, groups, permissions, clients, tokens and certificates, and the placeholders
 * (`{token}`, `{cert_alice}`, `{csr}`…) the cases use.
 *
 * Services (upstream path `/svc/{name}`):
 * - wps_public (public), wps_token (token), wps_cert (cert), wms_token (token), files_token (http, token)
 * - wps_acl: anonymous GetCapabilities and DescribeProcess of `hello`; group staff (alice) describes
 *   and executes every process but `secret`; bob describes and executes `hello` only.
 * - wms_acl: anonymous GetCapabilities and GetMap/GetFeatureInfo of `public_layer`; staff GetMap of
 *   every layer but `secret_layer`.
 * - wfs_acl: anonymous GetCapabilities, GetFeature and DescribeFeatureType of `cities`; staff
 *   GetFeature of every type but `secret_ft`.
 * - files_acl (http): anonymous reads `pub/` only; staff reads everything but `secret/`.
 * Users: alice (staff; certificate_dn of cert-alice), bob, root (member of administrators).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_PASSWORD, startTestApp, type TestApp } from '../helpers/app.js';
import { makeCA, makeCert, makeEEC, type TestCert } from '../helpers/certs.js';
import { addClient, fetchToken } from '../helpers/oauth.js';
import { admin, registerService } from '../helpers/register.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';
import type { CredentialName } from './case-types.js';

export const MAX_BODY_BYTES = 64 * 1024;
export const ALICE_DN = '/C=XX/O=Twitcher Test/OU=Users/CN=alice';
const ALICE_PASSWORD = 'alice-password-1';

export const SERVICES: Record<string, { type: string; auth: string }> = {
  wps_public: { type: 'wps', auth: 'public' },
  wps_token: { type: 'wps', auth: 'token' },
  wps_cert: { type: 'wps', auth: 'cert' },
  wps_acl: { type: 'wps', auth: 'acl' },
  wms_acl: { type: 'wms', auth: 'acl' },
  wms_token: { type: 'wms', auth: 'token' },
  wfs_acl: { type: 'wfs', auth: 'acl' },
  files_acl: { type: 'http', auth: 'acl' },
  files_token: { type: 'http', auth: 'token' },
};

export interface World {
  app: TestApp;
  up: Upstream;
  /** Placeholder name → value. */
  values: Record<string, string>;
  close(): Promise<void>;
}

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

function capabilities(type: string, base: string): string {
  if (type === 'wms') {
    return `<?xml version="1.0" encoding="UTF-8"?><WMS_Capabilities version="1.3.0" xmlns="http://www.opengis.net/wms" xmlns:xlink="http://www.w3.org/1999/xlink"><Service><Name>WMS</Name><Title>t</Title><OnlineResource xlink:href="${base}"/></Service><Capability><Request><GetMap><Format>image/png</Format><DCPType><HTTP><Get><OnlineResource xlink:href="${base}?"/></Get></HTTP></DCPType></GetMap></Request><Layer><Title>root</Title><Layer><Name>public_layer</Name><Title>p</Title></Layer><Layer><Name>secret_layer</Name><Title>s</Title></Layer></Layer></Capability></WMS_Capabilities>`;
  }
  if (type === 'wfs') {
    return `<?xml version="1.0" encoding="UTF-8"?><wfs:WFS_Capabilities version="2.0.0" xmlns:wfs="http://www.opengis.net/wfs/2.0" xmlns:ows="http://www.opengis.net/ows/1.1" xmlns:xlink="http://www.w3.org/1999/xlink"><ows:OperationsMetadata><ows:Operation name="GetFeature"><ows:DCP><ows:HTTP><ows:Get xlink:href="${base}"/></ows:HTTP></ows:DCP></ows:Operation></ows:OperationsMetadata><wfs:FeatureTypeList><wfs:FeatureType><wfs:Name>cities</wfs:Name><wfs:Title>c</wfs:Title></wfs:FeatureType><wfs:FeatureType><wfs:Name>secret_ft</wfs:Name><wfs:Title>s</wfs:Title></wfs:FeatureType></wfs:FeatureTypeList></wfs:WFS_Capabilities>`;
  }
  return `<?xml version="1.0" encoding="UTF-8"?><wps:Capabilities service="WPS" version="1.0.0" xmlns:wps="http://www.opengis.net/wps/1.0.0" xmlns:ows="http://www.opengis.net/ows/1.1" xmlns:xlink="http://www.w3.org/1999/xlink"><ows:OperationsMetadata><ows:Operation name="Execute"><ows:DCP><ows:HTTP><ows:Get xlink:href="${base}"/><ows:Post xlink:href="${base}"/></ows:HTTP></ows:DCP></ows:Operation></ows:OperationsMetadata><wps:ProcessOfferings><wps:Process><ows:Identifier>hello</ows:Identifier></wps:Process><wps:Process><ows:Identifier>sleep</ows:Identifier></wps:Process><wps:Process><ows:Identifier>secret</ows:Identifier></wps:Process></wps:ProcessOfferings></wps:Capabilities>`;
}

/**
 * The upstream's answers. By default: the capabilities document of the service's type (with
 * upstream URLs, and a Content-Length) to a KVP GetCapabilities, else `ok`. A case asks for another
 * answer with the request header `X-Corpus-Reply` (passed on like any header).
 */
function reply(req: IncomingMessage, res: ServerResponse, up: Upstream): void {
  const url = new URL(req.url ?? '/', 'http://upstream');
  const name = url.pathname.split('/')[2] ?? '';
  const self = `${up.url}/svc/${name}`;
  const asked = String(req.headers['x-corpus-reply'] ?? '');
  if (asked === 'redirect-relative' || asked === 'redirect-absolute') {
    res.statusCode = 302;
    res.setHeader('location', `${asked === 'redirect-absolute' ? up.url : ''}/svc/${name}/elsewhere?a=1`);
    res.end();
    return;
  }
  if (asked === 'gzip-corrupt') {
    res.setHeader('content-type', 'text/xml; charset=utf-8');
    res.setHeader('content-encoding', 'gzip');
    res.end(Buffer.from('this is not a gzip stream, whatever the header says'));
    return;
  }
  const isCaps = [...url.searchParams].some(
    ([k, v]) => k.toLowerCase() === 'request' && v.toLowerCase() === 'getcapabilities',
  );
  if (isCaps || asked === 'capabilities') {
    const body = Buffer.from(capabilities(SERVICES[name]?.type ?? 'wps', self));
    res.setHeader('content-type', 'text/xml; charset=utf-8');
    res.setHeader('content-length', String(body.length));
    res.end(body);
    return;
  }
  res.setHeader('content-type', 'text/plain');
  res.end('ok');
}

async function tokenOf(app: TestApp, body: Record<string, unknown>, scope?: string) {
  const client = await addClient(app, body);
  const { status, body: answer } = await fetchToken(app, client, scope);
  if (status !== 200) throw new Error(`token: ${status} ${JSON.stringify(answer)}`);
  return { client, token: String(answer['access_token']) };
}

function makeCSR(dir: string): { pem: string; derBase64: string } {
  const keyFile = join(dir, 'csr.key');
  const csrFile = join(dir, 'csr.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-new',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      '/CN=dummy',
      '-keyout',
      keyFile,
      '-out',
      csrFile,
    ],
    { stdio: 'ignore' },
  );
  const pem = readFileSync(csrFile, 'utf8');
  const derBase64 = pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
  return { pem, derBase64 };
}

async function grant(app: TestApp, service: string, who: Record<string, string>, rules: string[][]) {
  for (const [permission, resource, access, scope] of rules) {
    await admin(app, 'POST', '/permissions', {
      ...who,
      service,
      permission,
      ...(resource && { resource }),
      ...(access && { access }),
      ...(scope && { scope }),
    });
  }
}

export async function buildWorld(): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), 'twitcher-corpus-'));
  const ca = await makeCA('Corpus Users CA');
  const otherCA = await makeCA('Corpus Users CA');
  const certAlice = await makeEEC(ca, 'alice');
  const certSelf = await makeCert({ subject: [{ CN: ['mallory'] }] });
  const certExpired = await makeEEC(ca, 'alice', {
    notBefore: new Date(Date.now() - 2 * 86_400_000),
    notAfter: new Date(Date.now() - 86_400_000),
  });
  const certOther = await makeEEC(otherCA, 'alice');
  writeFileSync(join(dir, 'client-ca.pem'), ca.pem);
  const csr = makeCSR(dir);

  const up = await startUpstream(undefined, (req, res, _body, u) => reply(req, res, u));
  const app = await startTestApp(undefined, {
    caDir: join(dir, 'ca'),
    overrides: {
      'proxy.maxXmlBytes': MAX_BODY_BYTES,
      'clientCerts.caFile': join(dir, 'client-ca.pem'),
      'clientCerts.header': 'X-SSL-Client-Cert',
      'clientCerts.headerFrom': ['127.0.0.1'],
      'clientCerts.delegationHeader': 'X-X509-User-Chain',
    },
  });
  const close = async () => {
    await app.close();
    await up.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    return {
      app,
      up,
      values: await populate(app, up, { certAlice, certSelf, certExpired, certOther, csr }),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

interface Material {
  certAlice: TestCert;
  certSelf: TestCert;
  certExpired: TestCert;
  certOther: TestCert;
  csr: { pem: string; derBase64: string };
}

/** Services, users, groups, permissions, clients and tokens; the placeholders. */
async function populate(app: TestApp, up: Upstream, m: Material): Promise<Record<string, string>> {
  const { certAlice, certSelf, certExpired, certOther, csr } = m;
  for (const [name, s] of Object.entries(SERVICES)) {
    await registerService(app, { name, url: `${up.url}/svc/${name}`, type: s.type, auth: s.auth });
  }
  await admin(app, 'POST', '/users', {
    username: 'alice',
    password: ALICE_PASSWORD,
    certificate_dn: ALICE_DN,
  });
  await admin(app, 'POST', '/users', { username: 'bob', password: 'bob-password-1' });
  await admin(app, 'POST', '/users', { username: 'root', password: 'root-password-1' });
  await admin(app, 'PUT', '/groups/administrators/members/root');
  await admin(app, 'POST', '/groups', { name: 'staff', priority: 1 });
  await admin(app, 'PUT', '/groups/staff/members/alice');

  const resources: [string, string, string][] = [
    ['wps_acl', 'process', 'hello'],
    ['wps_acl', 'process', 'secret'],
    ['wms_acl', 'layer', 'public_layer'],
    ['wms_acl', 'layer', 'secret_layer'],
    ['wfs_acl', 'featuretype', 'cities'],
    ['wfs_acl', 'featuretype', 'secret_ft'],
    ['files_acl', 'path', 'pub'],
    ['files_acl', 'path', 'secret'],
  ];
  for (const [service, kind, name] of resources) {
    await admin(app, 'POST', `/services/${service}/resources`, { kind, name });
  }
  const anonymous = { group: 'anonymous' };
  const staff = { group: 'staff' };
  await grant(app, 'wps_acl', anonymous, [
    ['getcapabilities', '', '', 'match'],
    ['describeprocess', 'hello', '', 'match'],
  ]);
  await grant(app, 'wps_acl', staff, [
    ['describeprocess'],
    ['execute'],
    ['describeprocess', 'secret', 'deny', 'match'],
    ['execute', 'secret', 'deny', 'match'],
  ]);
  await grant(app, 'wps_acl', { user: 'bob' }, [
    ['describeprocess', 'hello', '', 'match'],
    ['execute', 'hello', '', 'match'],
  ]);
  await grant(app, 'wms_acl', anonymous, [
    ['getcapabilities', '', '', 'match'],
    ['getmap', 'public_layer'],
    ['getfeatureinfo', 'public_layer'],
  ]);
  await grant(app, 'wms_acl', staff, [['getmap'], ['getmap', 'secret_layer', 'deny']]);
  await grant(app, 'wfs_acl', anonymous, [
    ['getcapabilities', '', '', 'match'],
    ['getfeature', 'cities'],
    ['describefeaturetype', 'cities'],
  ]);
  await grant(app, 'wfs_acl', staff, [['getfeature'], ['getfeature', 'secret_ft', 'deny']]);
  await grant(app, 'files_acl', anonymous, [['read', 'pub']]);
  await grant(app, 'files_acl', staff, [['read'], ['read', 'secret', 'deny']]);

  const plain = await tokenOf(app, { scopes: ['compute'] });
  const noCompute = await tokenOf(app, { scopes: ['register'] }, 'register');
  const deleted = await tokenOf(app, { scopes: ['compute'] });
  await admin(app, 'DELETE', `/clients/${deleted.client.client_id}`);
  const revoked = await tokenOf(app, { scopes: ['compute'] });
  await admin(app, 'POST', '/tokens/revoke', { token: revoked.token });
  const alice = await tokenOf(app, { user: 'alice' });
  const bob = await tokenOf(app, { user: 'bob' });
  const root = await tokenOf(app, { user: 'root' });
  const oauthClient = await addClient(app, { name: 'corpus-oauth', scopes: ['compute'] });

  const values: Record<string, string> = {
    up: up.url,
    app: app.url,
    token: plain.token,
    token_nocompute: noCompute.token,
    token_deleted: deleted.token,
    token_revoked: revoked.token,
    token_alice: alice.token,
    token_bob: bob.token,
    token_root: root.token,
    client_id: oauthClient.client_id,
    client_secret: oauthClient.client_secret,
    client_basic: basic(oauthClient.client_id, oauthClient.client_secret),
    deleted_client_id: deleted.client.client_id,
    deleted_client_basic: basic(deleted.client.client_id, deleted.client.client_secret),
    admin_basic: app.adminAuth,
    admin_wrong_basic: basic(app.config.admin.username, `${ADMIN_PASSWORD}-wrong`),
    alice_basic: basic('alice', ALICE_PASSWORD),
    alice_wrong_basic: basic('alice', 'not-her-password'),
    csr: encodeURIComponent(csr.pem),
    csr_der: encodeURIComponent(csr.derBase64),
    cert_alice: encodeURIComponent(certAlice.pem),
    cert_self: encodeURIComponent(certSelf.pem),
    cert_expired: encodeURIComponent(certExpired.pem),
    cert_otherca: encodeURIComponent(certOther.pem),
  };
  return values;
}

/**
 * A Twitcher of its own for one case that would change the shared one for the others (throttles):
 * the same placeholders for the administrator, alice and the CSR; no services.
 */
export async function buildIsolated(
  shared: World,
): Promise<{ app: TestApp; values: Record<string, string> }> {
  const dir = mkdtempSync(join(tmpdir(), 'twitcher-corpus-isolated-'));
  const app = await startTestApp(undefined, {
    caDir: join(dir, 'ca'),
    overrides: { 'certs.maxFailures': 3 },
  });
  await admin(app, 'POST', '/users', { username: 'alice', password: ALICE_PASSWORD });
  const close = app.close;
  app.close = async () => {
    await close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { app, values: { ...shared.values, app: app.url, admin_basic: app.adminAuth } };
}

/** The header line a credential adds, with its placeholder value filled in. */
export function credentialHeader(
  credential: CredentialName,
  values: Record<string, string>,
): [string, string] | undefined {
  switch (credential) {
    case 'none':
      return undefined;
    case 'basic-admin':
      return ['Authorization', values['admin_basic'] ?? ''];
    case 'basic-alice':
      return ['Authorization', values['alice_basic'] ?? ''];
    case 'cert-alice':
    case 'cert-self':
    case 'cert-expired':
    case 'cert-otherca':
      return ['X-SSL-Client-Cert', values[credential.replace('-', '_')] ?? ''];
    default:
      return ['Authorization', `Bearer ${tokenValue(credential, values)}`];
  }
}

/** The access token of a token credential. */
export function tokenValue(credential: CredentialName, values: Record<string, string>): string {
  const key =
    credential === 'token' ? 'token' : `token_${credential.replace('token-', '').replace('-', '_')}`;
  const v = values[key];
  if (v === undefined) throw new TypeError(`${credential} is not a token credential`);
  return v;
}

export const TOKEN_CREDENTIALS: ReadonlySet<CredentialName> = new Set([
  'token',
  'token-nocompute',
  'token-deleted',
  'token-revoked',
  'alice',
  'bob',
  'root',
]);
