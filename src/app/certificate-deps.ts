import type { Config } from '../config/config.js';
import type { CertificateAuthority } from '../pki/ca/index.js';
import {
  type ClientCertificateAuthenticator,
  createAuthenticator,
} from '../pki/certificate-service/client-certificate-authenticator.js';
import type { LogonBackend } from '../pki/certificate-service/logon-backend.js';
import type { Store } from '../store/types.js';
import { startupStep } from './startup-error.js';

// The X.509 modules (and their ASN.1 libraries) are imported only by a deployment that uses them:
// the certificate service, or client certificates with some trust anchor (issue 12: startup memory).

/**
 * The certificate service's backend: a MyProxy client from `certs.myproxy` when `certs.backend` is
 * `myproxy` (it reads its CA file now, which may fail), else the built-in CA when there is one, else
 * none (the service is off).
 */
export async function certificateBackendOf(
  config: Config,
  store: Store,
  ca: CertificateAuthority | undefined,
): Promise<LogonBackend | undefined> {
  if (config.certs.backend === 'myproxy') {
    return startupStep('cannot set up the MyProxy backend', async () => {
      const { createMyProxyLogonBackend } = await import(
        '../pki/certificate-service/logon-backend-myproxy.js'
      );
      return createMyProxyLogonBackend(config.certs.myproxy);
    });
  }
  if (!ca) return undefined;
  const { createCALogonBackend } = await import('../pki/certificate-service/logon-backend-ca.js');
  return createCALogonBackend({ store, ca, baseDN: config.certs.baseDN });
}

/**
 * Client certificates of `auth: cert` services, trusted from `clientCerts` and the built-in CA. No
 * trust anchor configured: every presented certificate is refused, without the chain validator.
 */
export async function clientCertificatesOf(
  config: Config,
  ca: CertificateAuthority | undefined,
): Promise<ClientCertificateAuthenticator> {
  const c = config.clientCerts;
  if (c.caFile === undefined && c.caDir === undefined && !ca) {
    return createAuthenticator(c, { trust: undefined });
  }
  const { clientCertificatesFromConfig } = await import('../pki/certificate-service/client-certificates.js');
  return clientCertificatesFromConfig(c, ca?.certificate.der);
}
