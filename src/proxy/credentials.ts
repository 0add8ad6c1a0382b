/**
 * Credentials of a proxied request, turned into a Subject for the policy: a bearer token (header,
 * `access_token` query parameter or form field), a client certificate (TLS peer or trusted front
 * proxy header), and on `auth: acl` services with `authz.basicAuth` a Twitcher user's password.
 * A credential that is presented but does not hold is a 401 with the challenge of its kind — never
 * "anonymous".
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import { parseBasicAuthorization } from '../auth/basic.js';
import { extractBearerToken } from '../auth/bearer.js';
import { createPasswordGate } from '../auth/password-gate.js';
import { ACL_CHALLENGE, ACL_CHALLENGE_WITH_BASIC } from '../authz/decide-acl.js';
import type { Config } from '../config/config.js';
import { TwitcherError } from '../errors.js';
import type { AccessTokenInfo } from '../oauth/tokens/types.js';
import type { ClientCertificateAuthenticator } from '../pki/certificate-service/client-certificates.js';
import { ANONYMOUS, type CertificateIdentity, type Subject } from '../policy/subject.js';
import type { UserRepository } from '../store/types.js';
import { toTwitcherError } from '../util/to-twitcher-error.js';

export interface CredentialDeps {
  config: Config;
  /** Validates an access token (any kind Twitcher accepts); throws invalid_token. */
  verifyAccessToken: (token: string) => Promise<AccessTokenInfo>;
  /** Client certificates (absent: none is accepted). */
  clientCertificates?: ClientCertificateAuthenticator | undefined;
  /** Twitcher's users, for HTTP Basic on `auth: acl` services (`authz.basicAuth`). */
  users?: UserRepository | undefined;
}

/** What of a request its credentials are read from: plain values, a socket for TLS client certificates. */
export interface CredentialRequest {
  headers: IncomingHttpHeaders;
  /** The client's address (after the trusted front proxies). */
  ip: string;
  /** The connection: a TLS socket carries the client certificate. */
  socket: Socket;
  log: Pick<FastifyBaseLogger, 'info' | 'warn'>;
}

/** Where a request's credentials may be, besides its headers and socket. */
export interface CredentialSources {
  query: string;
  /** The form body, when one was read (latin1). */
  form?: string | undefined;
}

/** The `WWW-Authenticate` challenge of each coarse mode, for a request without its credential. */
export const CHALLENGES = {
  token: 'Bearer realm="twitcher"',
  cert: 'ClientCertificate realm="twitcher"',
  acl: ACL_CHALLENGE,
} as const;

/** RFC 6750 §3 challenge with an error code. */
export function bearerChallenge(error: string, description?: string, scope?: string): string {
  const quote = (v: string) => v.replace(/["\\]/g, '');
  return (
    `Bearer realm="twitcher", error="${error}"` +
    (description ? `, error_description="${quote(description)}"` : '') +
    (scope ? `, scope="${quote(scope)}"` : '')
  );
}

export interface Credentials {
  /** The validated bearer token of the request, or undefined when it presents none. */
  token(request: CredentialRequest, sources: CredentialSources): Promise<AccessTokenInfo | undefined>;
  /** The validated client certificate of the request, or undefined when it presents none. */
  certificate(request: CredentialRequest): CertificateIdentity | undefined;
  /** `auth: acl`: whichever credential the request presents (Basic, token, certificate), or anonymous. */
  presented(request: CredentialRequest, sources: CredentialSources): Promise<Subject>;
  /** The challenge of `auth: acl` services (Bearer, and Basic with `authz.basicAuth`). */
  readonly aclChallenge: string;
}

export function createCredentials(deps: CredentialDeps): Credentials {
  const { config, verifyAccessToken, clientCertificates, users } = deps;
  const passwordGate =
    config.authz.basicAuth && users ? createPasswordGate(users, config.certs.maxFailures) : undefined;
  const aclChallenge = passwordGate ? ACL_CHALLENGE_WITH_BASIC : ACL_CHALLENGE;

  async function token(request: CredentialRequest, { query, form }: CredentialSources) {
    const presented = extractBearerToken(request.headers.authorization, query, form);
    if (presented === undefined) return undefined;
    try {
      return await verifyAccessToken(presented);
    } catch (err) {
      const e = toTwitcherError(err);
      if (e.code !== 'invalid_token') throw e;
      // RFC 6750 §3.1: 401 with the error in the challenge.
      throw new TwitcherError('invalid_token', {
        description: e.description,
        detail: e.detail,
        headers: { 'WWW-Authenticate': bearerChallenge('invalid_token', e.description) },
      });
    }
  }

  function certificate(request: CredentialRequest): CertificateIdentity | undefined {
    try {
      return clientCertificates?.authenticate({ socket: request.socket, headers: request.headers });
    } catch (err) {
      const e = toTwitcherError(err);
      if (e.code !== 'invalid_certificate') throw e;
      request.log.info({ reason: e.description, detail: e.detail }, 'client certificate refused');
      throw new TwitcherError('invalid_certificate', {
        description: e.description,
        detail: e.detail,
        headers: { 'WWW-Authenticate': CHALLENGES.cert },
      });
    }
  }

  async function presented(request: CredentialRequest, sources: CredentialSources): Promise<Subject> {
    const basic = passwordGate && parseBasicAuthorization(request.headers.authorization);
    if (passwordGate && basic) {
      if (await passwordGate(basic.username, basic.password, request.ip)) {
        return { kind: 'user', username: basic.username };
      }
      request.log.warn({ username: basic.username }, 'HTTP Basic: authentication failed');
      throw new TwitcherError('invalid_credentials', {
        description: 'Wrong user name or password.',
        headers: { 'WWW-Authenticate': aclChallenge },
      });
    }
    const info = await token(request, sources);
    if (info) return { kind: 'token', token: info };
    const identity = certificate(request);
    return identity ? { kind: 'certificate', certificate: identity } : ANONYMOUS;
  }

  return { token, certificate, presented, aclChallenge };
}
