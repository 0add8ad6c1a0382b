/**
 * What the certificate service (certificate-service-routes.ts) needs from whoever issues the
 * certificates: the built-in online CA (logon-backend-ca.ts) or a MyProxy server
 * (logon-backend-myproxy.ts). The routes do HTTP, the CSR checks, lifetimes and the failure limiter;
 * a backend authenticates the user and issues.
 */

import type { ParsedCSR } from '../ca/csr.js';
import type { TrustRootFile } from '../ca/index.js';

export type { TrustRootFile };

export interface LogonRequest {
  /** From HTTP Basic. */
  username: string;
  password: string;
  /** The checked certificate request (parseCertificateRequest). */
  csr: ParsedCSR;
  /** Already bounded by `certs.lifetime`; a MyProxy server may shorten it further. */
  lifetimeSeconds: number;
  /** Recorded with the issued certificate where the backend keeps records. */
  clientAddress: string;
}

export interface LogonBackend {
  /** `ca` or `myproxy`, for logs. */
  readonly name: string;
  /** The files a client puts in its `X509_CERT_DIR` (`<hash>.0`, `<hash>.signing_policy`, ...). */
  trustRoots(): Promise<TrustRootFile[]>;
  /**
   * Authenticates the user and issues: the certificate chain as PEM, the new certificate first.
   * Refused credentials are `TwitcherError('invalid_credentials')`, which the routes count as failures.
   */
  logon(request: LogonRequest): Promise<string>;
}
