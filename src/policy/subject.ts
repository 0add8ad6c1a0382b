import type { AccessTokenInfo } from '../oauth/tokens/types.js';

/**
 * Who is asking. The proxy turns credentials into a Subject (auth/, pki/); the policy decides on it.
 */
export type Subject =
  | { kind: 'anonymous' }
  | { kind: 'token'; token: AccessTokenInfo }
  | { kind: 'certificate'; certificate: CertificateIdentity }
  /** A Twitcher user who gave its password (HTTP Basic, `auth: acl` services with `authz.basicAuth`). */
  | { kind: 'user'; username: string };

/** A client certificate chain that passed validation (RFC 5280 + RFC 3820). */
export interface CertificateIdentity {
  /** DN of the end-entity certificate, RFC 4514: `CN=alice,OU=Users,O=Twitcher`. */
  subjectDN: string;
  /** The same in OpenSSL's one-line form, as grid-mapfiles hold it: `/O=Twitcher/OU=Users/CN=alice`. */
  subjectDNLegacy: string;
  /** DN of the end-entity certificate's issuer. */
  issuerDN: string;
  /** True when the client presented an RFC 3820 (or accepted legacy) proxy certificate. */
  proxy: boolean;
  /** A Globus limited proxy (may be refused for protected operations by configuration). */
  limited: boolean;
  /** The presented chain, leaf first, PEM, for delegation to the upstream. */
  chainPEM: string;
  /** Epoch seconds: the earliest notAfter of the chain. */
  expiresAt: number;
}

export const ANONYMOUS: Subject = Object.freeze({ kind: 'anonymous' });

/** The scope that opens the protected operations of `auth: token` services. */
export const COMPUTE_SCOPE = 'compute';
