/**
 * The client-certificate authenticator itself (see client-certificates.ts), free of X.509 parsing:
 * a deployment with no trust anchor (no clientCerts.caFile / caDir, no built-in CA) uses it alone,
 * and the chain validator with its ASN.1 libraries is never loaded.
 */

import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';
import type { Config } from '../../config/config.js';
import { TwitcherError } from '../../errors.js';
import type { CertificateIdentity } from '../../policy/subject.js';
import type { CacheStats } from '../../store/change-cache.js';
import { createAddressMatcher } from '../../util/address-ranges.js';
import { lru } from '../../util/lru.js';
import { parseHeaderCertificate, toPEM } from '../x509/pem.js';
import type { TrustAnchors } from '../x509/trust-anchors.js';
import type { ValidateChainOptions, ValidatedIdentity } from '../x509/validate-chain.js';

export interface ClientCertificateSource {
  socket: Socket;
  headers: IncomingHttpHeaders;
}

export interface ClientCertificateAuthenticator {
  /**
   * The validated identity of the request's client certificate; undefined when none was presented
   * (or only in a header from an untrusted address). A presented certificate that does not validate
   * throws `invalid_certificate` (401) naming the rule it broke.
   */
  authenticate(source: ClientCertificateSource): CertificateIdentity | undefined;
  /** True when client certificates can be accepted at all (some trust anchor is configured). */
  readonly enabled: boolean;
  /** Chains answered from the cache (per connection, per header value) and chains validated (read by the metrics). */
  readonly cacheStats: CacheStats;
}

type Outcome = { identity: CertificateIdentity; until: number } | { error: TwitcherError; until: number };

const HEADER_CACHE_SIZE = 1000;
const ERROR_CACHE_MS = 60_000;
const MAX_HEADER_BYTES = 64 * 1024;

export interface AuthenticatorTrust {
  anchors: TrustAnchors;
  /** validate-chain.ts's validateClientChain, passed in so that this module loads no X.509 parser. */
  validateChain: (
    chain: readonly Buffer[],
    anchors: TrustAnchors,
    options: ValidateChainOptions,
  ) => ValidatedIdentity;
}

type ValidateOptions = Pick<ValidateChainOptions, 'maxDepth' | 'legacyProxies' | 'limitedProxies'>;

/** The identity of a chain, or why it is refused; either is kept until `until` (ms). */
function validateOutcome(
  chain: Buffer[],
  trust: AuthenticatorTrust | undefined,
  options: ValidateOptions,
  now: number,
): Outcome {
  if (!trust) {
    return {
      error: new TwitcherError('invalid_certificate', {
        description: 'This Twitcher trusts no certificate authority (clientCerts.caFile / caDir are unset).',
      }),
      until: now + ERROR_CACHE_MS,
    };
  }
  try {
    const v = trust.validateChain(chain, trust.anchors, { ...options, now: new Date(now) });
    const identity: CertificateIdentity = {
      subjectDN: v.subjectDN,
      subjectDNLegacy: v.subjectDNLegacy,
      issuerDN: v.issuerDN,
      proxy: v.proxies.length > 0,
      limited: v.limited,
      chainPEM: v.chain.map((der) => toPEM(der)).join(''),
      expiresAt: Math.floor(v.notAfter.getTime() / 1000),
    };
    return { identity, until: v.notAfter.getTime() };
  } catch (err) {
    if (err instanceof TwitcherError) return { error: err, until: now + ERROR_CACHE_MS };
    throw err;
  }
}

function settle(outcome: Outcome): CertificateIdentity {
  if ('error' in outcome) throw outcome.error;
  return outcome.identity;
}

/**
 * The authenticator over given trust anchors; without any (`trust` undefined), every presented
 * certificate is refused, and no X.509 code is loaded (client-certificates.ts builds it with anchors).
 */
export function createAuthenticator(
  config: Config['clientCerts'],
  options: { trust: AuthenticatorTrust | undefined; clock?: () => number },
): ClientCertificateAuthenticator {
  const trust = options.trust;
  const clock = options.clock ?? Date.now;
  const header = config.header?.toLowerCase();
  const fromFrontProxy = createAddressMatcher(config.headerFrom);
  const bySocket = new WeakMap<Socket, Outcome>();
  const byHeader = lru<string, Outcome>(HEADER_CACHE_SIZE);
  const validateOptions: ValidateOptions = {
    maxDepth: config.maxDepth,
    legacyProxies: config.legacyProxies,
    limitedProxies: config.limitedProxies,
  };

  const cacheStats: CacheStats = { hits: 0, misses: 0 };
  const validate = (chain: Buffer[]): Outcome => validateOutcome(chain, trust, validateOptions, clock());

  function fromHeader(value: string): CertificateIdentity {
    const cached = byHeader.get(value);
    if (cached && cached.until > clock()) {
      cacheStats.hits++;
      return settle(cached);
    }
    cacheStats.misses++;
    let outcome: Outcome;
    try {
      if (value.length > MAX_HEADER_BYTES) {
        throw new TwitcherError('invalid_certificate', {
          description: 'The client certificate header is too large.',
        });
      }
      outcome = validate(parseHeaderCertificate(value));
    } catch (err) {
      if (!(err instanceof TwitcherError)) throw err;
      outcome = { error: err, until: clock() + ERROR_CACHE_MS };
    }
    byHeader.set(value, outcome);
    return settle(outcome);
  }

  function fromSocket(socket: TLSSocket): CertificateIdentity | undefined {
    const cached = bySocket.get(socket);
    if (cached && cached.until > clock()) {
      cacheStats.hits++;
      return settle(cached);
    }
    const chain = peerChain(socket);
    if (chain.length === 0) return undefined;
    cacheStats.misses++;
    const outcome = validate(chain);
    bySocket.set(socket, outcome);
    return settle(outcome);
  }

  return {
    enabled: trust !== undefined,
    cacheStats,
    authenticate({ socket, headers }) {
      if (header !== undefined && fromFrontProxy(socket.remoteAddress)) {
        const value = headers[header];
        if (typeof value === 'string' && value.trim() !== '' && value !== '(null)') return fromHeader(value);
      }
      if (isTLSSocket(socket)) return fromSocket(socket);
      return undefined;
    },
  };
}

function isTLSSocket(socket: Socket): socket is TLSSocket {
  return typeof (socket as Partial<TLSSocket>).getPeerCertificate === 'function';
}

/** The certificates the TLS peer presented, leaf first (empty when it presented none). */
function peerChain(socket: TLSSocket): Buffer[] {
  // an empty object when the peer presented no certificate
  const leaf: Partial<DetailedPeerCertificate> = socket.getPeerCertificate(true);
  if (!leaf.raw) return [];
  const chain: Buffer[] = [];
  const seen = new Set<string>();
  let cert = leaf as DetailedPeerCertificate | undefined;
  // a self-signed root points at itself: stop at the first repeat
  while (cert?.raw && !seen.has(cert.fingerprint256) && chain.length < 32) {
    seen.add(cert.fingerprint256);
    chain.push(cert.raw);
    cert = cert.issuerCertificate;
  }
  return chain;
}
