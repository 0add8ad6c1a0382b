import { isAtEndpoint } from '../ows/build-request.js';
import { isOWSService } from '../ows/operations.js';
import type { OWSRequest } from '../ows/types.js';
import { compileDNPatterns, type DNMatcher } from '../pki/x509/dn-pattern.js';
import type { AuthMode, ServiceType } from '../registry/service.js';
import type { PublicOperations } from './public-operations.js';
import { COMPUTE_SCOPE, type Subject } from './subject.js';

export type Decision =
  | {
      allow: true;
      /** `acl`: decided by src/authz/ (fine-grained permissions), not by this function. */
      rule: 'public-service' | 'public-operation' | 'token-scope' | 'certificate' | 'acl';
    }
  | {
      allow: false;
      /** 401: no credential of the kind the service takes; 403: a credential that is not enough. */
      status: 401 | 403;
      code: 'authentication_required' | 'insufficient_scope' | 'forbidden';
      description: string;
      /** The credential the service takes, for the WWW-Authenticate challenge. */
      auth: Exclude<AuthMode, 'public'>;
      /** For insufficient_scope: the scope that would do (RFC 6750 §3). */
      scope?: string;
      rule:
        | 'protected-operation'
        | 'protected-resource'
        | 'unidentified-operation'
        | 'missing-scope'
        | 'certificate-subject';
    };

export interface DecideInput {
  service: { auth: AuthMode; type: ServiceType; certSubjects?: readonly string[] };
  request: OWSRequest;
  subject: Subject;
  publicOperations: PublicOperations;
}

/**
 * The access decision of the coarse mode (the Python Twitcher's `auth` setting), pure:
 * - `auth: public` → allow;
 * - a known public operation of a recognised OWS request at an OWS service's endpoint → allow
 *   (GetCapabilities, DescribeProcess…);
 * - everything else — protected operations, vendor operations, unidentified operations (a body
 *   Twitcher cannot read, or `/ows/verify` cannot see), non-OWS paths (data files, OGC API, WPS
 *   outputs) — needs the service's credential: on `token` services an access token with the
 *   `compute` scope; on `cert` services a validated client certificate whose subject matches one of
 *   the service's `certSubjects` patterns (any subject when it has none).
 * Fail closed: nothing here allows by omission.
 */
export function decide({ service, request, subject, publicOperations }: DecideInput): Decision {
  if (service.auth === 'public') return { allow: true, rule: 'public-service' };
  if (isOWSService(service.type) && isPublicOperation(request, publicOperations)) {
    return { allow: true, rule: 'public-operation' };
  }

  const what =
    request.kind === 'ows'
      ? `${request.operation ?? 'This operation'} on this service`
      : request.kind === 'unidentified'
        ? `A ${request.method} whose body is no OWS request Twitcher can read`
        : `${request.method} ${request.path || '/'} on this service`;
  const rule =
    request.kind === 'ows'
      ? 'protected-operation'
      : request.kind === 'unidentified'
        ? 'unidentified-operation'
        : 'protected-resource';

  if (service.auth === 'token' && subject.kind === 'token') {
    if (subject.token.scopes.includes(COMPUTE_SCOPE)) return { allow: true, rule: 'token-scope' };
    return {
      allow: false,
      status: 403,
      code: 'insufficient_scope',
      description: `${what} needs an access token with the "${COMPUTE_SCOPE}" scope.`,
      auth: 'token',
      scope: COMPUTE_SCOPE,
      rule: 'missing-scope',
    };
  }
  if (service.auth === 'cert' && subject.kind === 'certificate') {
    if (dnMatcher(service.certSubjects ?? NO_PATTERNS)(subject.certificate)) {
      return { allow: true, rule: 'certificate' };
    }
    return {
      allow: false,
      status: 403,
      code: 'forbidden',
      description: `${what} is not open to the certificate subject "${subject.certificate.subjectDNLegacy}".`,
      auth: 'cert',
      rule: 'certificate-subject',
    };
  }
  return {
    allow: false,
    status: 401,
    code: 'authentication_required',
    description: `${what} needs ${service.auth === 'token' ? 'an access token' : 'a client certificate'}.`,
    auth: service.auth,
    rule,
  };
}

const NO_PATTERNS: readonly string[] = Object.freeze([]);
// services are immutable values replaced on change: their compiled patterns can be kept by identity
const matchers = new WeakMap<readonly string[], DNMatcher>();
function dnMatcher(patterns: readonly string[]): DNMatcher {
  let m = matchers.get(patterns);
  if (!m) {
    m = compileDNPatterns(patterns);
    matchers.set(patterns, m);
  }
  return m;
}

/**
 * True for the operations open to everyone (no credential looked at, none needed): on an OWS
 * service's own endpoint only (`isAtEndpoint`); `?request=GetCapabilities` on another path of the
 * service opens nothing.
 */
export function isPublicOperation(request: OWSRequest, publicOperations: PublicOperations): boolean {
  return (
    request.kind === 'ows' &&
    isAtEndpoint(request) &&
    request.knownOperation &&
    request.service !== undefined &&
    request.operation !== undefined &&
    publicOperations.get(request.service)?.has(request.operation.toLowerCase()) === true
  );
}
