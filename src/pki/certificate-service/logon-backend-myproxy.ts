/**
 * A MyProxy server as the certificate service's backend (what MyProxyWebService itself fronts):
 * the user name and passphrase of HTTP Basic go to the server, which authenticates them (Twitcher's
 * own users play no part) and issues. In stored-credential mode the answer is a new RFC 3820 proxy
 * certificate plus the stored user certificate (and its chain); in MyProxy CA mode one end-entity
 * certificate (plus sub-CAs where configured). Either way it is handed back as PEM, leaf first.
 *
 * Errors come from the client (myproxy/client.ts): a user name or passphrase with CR, LF, NUL or a
 * protocol key → `invalid_request` (400) before anything is sent; refused credentials →
 * `invalid_credentials` (401); server down or refused connection → `upstream_unreachable` (502); TLS,
 * identity or protocol failures → `myproxy_failed` (502); timeout → `upstream_timeout` (504).
 */
import { readFileSync } from 'node:fs';
import type { Config } from '../../config/config.js';
import { TwitcherError } from '../../errors.js';
import {
  checkPassphrase,
  checkUsername,
  type MyProxyServerOptions,
  myproxyGetTrustRoots,
  myproxyLogon,
  myproxyServerIdentity,
} from '../myproxy/index.js';
import { toPEM } from '../x509/pem.js';
import type { LogonBackend, TrustRootFile } from './logon-backend.js';

/** get-trustroots needs no authentication: cache the answer so it cannot make us dial at will. */
const TRUST_ROOTS_TTL_MS = 5 * 60_000;

/**
 * Builds the backend from `certs.myproxy`: reads the CA file and checks the server DN now, so that a
 * wrong setting stops the start rather than every logon. Throws a plain Error naming the problem.
 */
export function createMyProxyLogonBackend(settings: Config['certs']['myproxy']): LogonBackend {
  const { host, caFile, serverDN } = settings;
  if (!host || !caFile) throw new Error('certs.myproxy.host and certs.myproxy.caFile are required');
  let caCerts: string;
  try {
    caCerts = readFileSync(caFile, 'utf8');
  } catch (err) {
    throw new Error(`cannot read certs.myproxy.caFile ${caFile}: ${(err as Error).message}`);
  }
  if (!caCerts.includes('-----BEGIN CERTIFICATE-----')) {
    throw new Error(`certs.myproxy.caFile ${caFile} holds no PEM certificate`);
  }
  try {
    myproxyServerIdentity(host, serverDN); // parses the DN
  } catch (err) {
    throw new Error(`certs.myproxy.serverDN: ${(err as Error).message}`);
  }
  const server: MyProxyServerOptions = {
    host,
    port: settings.port,
    caCerts,
    timeoutMs: settings.timeout,
    ...(serverDN !== undefined && { serverDN }),
  };

  let cached: { at: number; files: Promise<TrustRootFile[]> } | undefined;
  return {
    name: 'myproxy',
    trustRoots() {
      const now = Date.now();
      if (!cached || now - cached.at > TRUST_ROOTS_TTL_MS) {
        const files = myproxyGetTrustRoots(server);
        cached = { at: now, files };
        // a failure is not kept: the next call dials again
        files.catch(() => {
          if (cached?.files === files) cached = undefined;
        });
      }
      return cached.files;
    },
    async logon({ username, password, csr, lifetimeSeconds }) {
      // Also done by myproxyLogon; said here because it is this backend's contract: nothing that
      // could split a protocol line (CR, LF, NUL) or add a key reaches the server.
      checkUsername(username);
      checkPassphrase(password);
      if (csr.keyType !== 'rsa') {
        // MyProxy signs RSA keys only (its CA demands RSA with e = 65537)
        throw new TwitcherError('invalid_csr', {
          description: 'MyProxy needs an RSA key (2048 bits or more)',
        });
      }
      const certs = await myproxyLogon({
        ...server,
        username,
        passphrase: password,
        lifetimeSeconds,
        csrDER: csr.der,
      });
      return certs.map((der) => toPEM(der)).join('');
    },
  };
}
