/**
 * Client certificates, from wherever TLS ended, to a validated identity:
 * - Twitcher's own TLS listener: the chain the peer presented (TLS asked for it without verifying:
 *   OpenSSL refuses RFC 3820 proxies, so validation is ours — validate-chain.ts);
 * - a TLS-terminating front proxy (nginx): the URL-encoded PEM in `clientCerts.header`, believed only
 *   when the TCP peer is one of `clientCerts.headerFrom`.
 * Results are cached (per TLS connection; per header value, bounded), since a keep-alive client
 * presents the same chain on every request; a cached identity expires with its certificate.
 */
import type { Config } from '../../config/config.js';
import { createTrustAnchors, loadTrustAnchors, type TrustAnchors } from '../x509/trust-anchors.js';
import { validateClientChain } from '../x509/validate-chain.js';
import {
  type ClientCertificateAuthenticator,
  createAuthenticator,
} from './client-certificate-authenticator.js';

export type {
  ClientCertificateAuthenticator,
  ClientCertificateSource,
} from './client-certificate-authenticator.js';

export interface AuthenticatorOptions {
  /** Anchors of the configuration (clientCerts.caFile / caDir), undefined when none. */
  anchors: TrustAnchors | undefined;
  /** CA certificates trusted besides (the built-in CA), DER. */
  extraAnchors?: readonly Buffer[];
  clock?: () => number;
}

export function createClientCertificateAuthenticator(
  config: Config['clientCerts'],
  options: AuthenticatorOptions,
): ClientCertificateAuthenticator {
  const anchors = mergeAnchors(options.anchors, options.extraAnchors ?? []);
  return createAuthenticator(config, {
    trust: anchors && { anchors, validateChain: validateClientChain },
    ...(options.clock && { clock: options.clock }),
  });
}

function mergeAnchors(
  configured: TrustAnchors | undefined,
  extra: readonly Buffer[],
): TrustAnchors | undefined {
  if (extra.length === 0) return configured;
  return createTrustAnchors([...(configured?.certificates.map((c) => c.der) ?? []), ...extra]);
}

/**
 * The authenticator of a configuration: trust anchors from `clientCerts.caFile` / `caDir` (read
 * now; unreadable or empty sources throw TrustAnchorError) plus the built-in CA's certificate.
 */
export function clientCertificatesFromConfig(
  config: Config['clientCerts'],
  builtInCA?: Buffer,
): ClientCertificateAuthenticator {
  const anchors =
    config.caFile !== undefined || config.caDir !== undefined
      ? loadTrustAnchors({
          ...(config.caFile !== undefined && { caFile: config.caFile }),
          ...(config.caDir !== undefined && { caDir: config.caDir }),
        })
      : undefined;
  return createClientCertificateAuthenticator(config, {
    anchors,
    ...(builtInCA && { extraAnchors: [builtInCA] }),
  });
}
