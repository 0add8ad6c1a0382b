/**
 * The one access decision of `/ows/proxy` and `/ows/verify` (ARCHITECTURE steps 1–4): look the
 * service up, judge what the request asks of it, authenticate, decide. Both routes call `authorize`
 * with the same plain values, so they cannot disagree; the only difference is the body, which the
 * proxy reads (bounded) and `/ows/verify` never sees.
 *
 * What the upstream will execute is what is judged:
 * - On OWS-typed services a request that carries a body is judged by that body, whatever its
 *   Content-Type, charset or Content-Encoding (see `ows/identify-body.ts`); a body that is no known
 *   OWS document is an *unidentified operation*, protected like Execute. GET, HEAD and DELETE carry
 *   no body there: one that does is refused (400), since some upstreams read it anyway.
 * - `/ows/verify` cannot see a body: a request that may carry one (POST, PUT, PATCH, or any with
 *   Content-Length > 0 or Transfer-Encoding) is an unidentified operation there, unless the
 *   service is public.
 * - Bodies of non-OWS services (THREDDS, OGC API, files) are not read: they are judged by method and
 *   path, and piped.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { AccessControl } from '../authz/access-control.js';
import { type ACLGrant, decideACL } from '../authz/decide-acl.js';
import { TwitcherError } from '../errors.js';
import { assertTokenRestrictions } from '../oauth/tokens/macaroon-restrictions.js';
import { isOWSService } from '../ows/operations.js';
import { isFormLabel, parseOWSRequest } from '../ows/parse-request.js';
import type { OWSRequest, OWSRequestInput } from '../ows/types.js';
import { type Decision, decide } from '../policy/decide.js';
import type { PublicOperations } from '../policy/public-operations.js';
import { ANONYMOUS, type Subject } from '../policy/subject.js';
import type { ServiceRegistry } from '../registry/registry.js';
import type { Service } from '../registry/service.js';
import type { CredentialRequest, CredentialSources, Credentials } from './credentials.js';
import { type ProxyPath, parseProxyPath } from './parse-proxy-path.js';
import { contentCodings, decodeRequestBody } from './request-encoding.js';
import { stripQueryParams } from './upstream-url.js';

/** A proxied request, as plain values. */
export interface AuthorizeRequest extends CredentialRequest {
  /** Upper-case method. */
  method: string;
  /** The raw request URL (path and query as the client sent them). */
  url: string;
  headers: IncomingHttpHeaders;
  /** Reads the whole body, up to `maxBytes` (more is 413). Absent on `/ows/verify`: the body is unseen. */
  readBody?: ((maxBytes: number) => Promise<Buffer>) | undefined;
  /**
   * `/ows/verify` judging the method a front proxy named: the framing it names too
   * (`X-Original-Content-Length`, `X-Original-Transfer-Encoding`) is the original request's.
   */
  originalFraming?: boolean | undefined;
}

/** What the route learnt of the request, filled in as it goes (for the error's exception dialect). */
export interface AuthorizeContext {
  path?: ProxyPath;
  service?: Service;
  ows?: OWSRequest;
}

export interface Authorization {
  path: ProxyPath;
  service: Service;
  ows: OWSRequest;
  decision: Decision;
  subject: Subject;
  acl?: ACLGrant;
  /**
   * The body to forward when it was read: content coding removed, the client's `access_token`
   * form field removed. Forwarded instead of the request stream, without `Content-Encoding`.
   */
  body?: Buffer;
}

export interface AuthorizeDeps {
  registry: Pick<ServiceRegistry, 'lookup'>;
  credentials: Credentials;
  publicOperations: PublicOperations;
  /** `proxy.maxXmlBytes` and `proxy.maxXmlDepth`: the most read of a body to judge it. */
  limits: { maxBytes: number; maxDepth: number };
  /** Fine-grained authorization of `auth: acl` services (absent: they are refused). */
  accessControl?: AccessControl | undefined;
}

/** Methods that carry no body to an OWS service (RFC 9110 §9.3: a body there has no semantics). */
const NO_BODY_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'DELETE']);
/** Methods whose request may have a body even when no framing header is shown (nginx auth_request). */
const BODY_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH']);

/** True when the message framing announces a body (RFC 9112 §6.3). */
export function carriesBody(headers: IncomingHttpHeaders): boolean {
  const length = headers['content-length'];
  return (length !== undefined && length.trim() !== '0') || headers['transfer-encoding'] !== undefined;
}

/**
 * The original request's framing, as the nginx recipe names it to `/ows/verify` (the subrequest
 * itself has no body): `X-Original-Content-Length`, `X-Original-Transfer-Encoding`.
 */
function originalCarriesBody(headers: IncomingHttpHeaders): boolean {
  const length = headers['x-original-content-length'];
  const coding = headers['x-original-transfer-encoding'];
  const given = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join('') : (v ?? '')).trim();
  return (given(length) !== '' && given(length) !== '0') || given(coding) !== '';
}

/** Headers a front proxy's auth subrequest names the original method in (nginx recipe, ingress-nginx; Traefik). */
const ORIGINAL_METHOD_HEADERS = ['x-original-method', 'x-forwarded-method'] as const;

/**
 * The methods `/ows/verify` must judge, every one of which must be allowed. nginx's `auth_request`
 * subrequest is always a GET without the body, whatever the client sent: the original method comes
 * in `X-Original-Method` (docs/deployment.md), or Traefik's `X-Forwarded-Method`. A GET that names
 * none may stand for a POST with a body: it is judged as one too (`unknown: true`), fail closed. A
 * named method is judged besides the method the request came with, so a forged name can only add a
 * refusal; the original framing the front names goes with the named method (`named: true`), the
 * request's own framing with its own method.
 */
export function verifyMethods(
  method: string,
  headers: IncomingHttpHeaders,
): { method: string; named?: true; unknown?: true }[] {
  const actual = method.toUpperCase();
  let named: string | undefined;
  for (const name of ORIGINAL_METHOD_HEADERS) {
    const value = headers[name];
    const v = (Array.isArray(value) ? value.join(',') : value)?.trim().toUpperCase();
    if (v) {
      named = v;
      break;
    }
  }
  if (named === undefined) {
    return actual === 'GET' ? [{ method: actual }, { method: 'POST', unknown: true }] : [{ method: actual }];
  }
  return named === actual
    ? [{ method: actual, named: true }]
    : [{ method: actual }, { method: named, named: true }];
}

export interface Authorizer {
  /** Decides `request` under `prefix` (`/ows/proxy` or `/ows/verify`); throws the refusals it renders. */
  authorize(request: AuthorizeRequest, prefix: string, context?: AuthorizeContext): Promise<Authorization>;
}

/** The authorizer of both proxy routes, over the registry, the credentials and the policies. */
export function createAuthorizer(deps: AuthorizeDeps): Authorizer {
  return {
    authorize: (request, prefix, context = {}) => authorize(deps, request, prefix, context),
  };
}

async function authorize(
  deps: AuthorizeDeps,
  request: AuthorizeRequest,
  prefix: string,
  context: AuthorizeContext,
): Promise<Authorization> {
  const path = parseProxyPath(request.url, prefix);
  context.path = path;
  const service = await deps.registry.lookup(path.name);
  if (!service) {
    throw new TwitcherError('service_not_found', {
      description: `No service named "${path.name}" is registered.`,
    });
  }
  context.service = service;
  const input: OWSRequestInput = {
    method: request.method.toUpperCase(),
    query: path.query,
    path: path.extra,
    contentType: request.headers['content-type'],
    serviceType: service.type,
  };
  const sources: CredentialSources = { query: path.query, form: undefined };
  const body = isOWSService(service.type)
    ? await readOWSBody(request, input, sources, deps.limits)
    : undefined;
  const ows = parseOWSRequest(input, deps.limits);
  context.ows = ows;
  return judge(deps, request, path, service, ows, sources, body);
}

/**
 * What an OWS service will execute is in the body, when there is one: read it (bounded, decoded)
 * into `input`, or mark it `hidden` where it cannot be seen (`/ows/verify`). A form's
 * `access_token` (RFC 6750 §2.2) is Twitcher's: it goes to `sources`, not to the upstream.
 * Returns the body to forward, when it was read.
 */
async function readOWSBody(
  request: AuthorizeRequest,
  input: OWSRequestInput,
  sources: CredentialSources,
  limits: AuthorizeDeps['limits'],
): Promise<Buffer | undefined> {
  const method = input.method;
  const framed = request.originalFraming
    ? originalCarriesBody(request.headers)
    : carriesBody(request.headers);
  if (framed && NO_BODY_METHODS.has(method)) {
    throw new TwitcherError('invalid_request', {
      description: `A ${method} request to an OGC service must not carry a body.`,
      locator: 'body',
    });
  }
  if (request.readBody === undefined) {
    if (framed || BODY_METHODS.has(method)) input.body = 'hidden';
    return undefined;
  }
  if (!framed) return undefined;
  const raw = await request.readBody(limits.maxBytes);
  let body = decodeRequestBody(raw, contentCodings(request.headers['content-encoding']), limits.maxBytes);
  if (isFormLabel(input.contentType)) {
    const form = body.toString('latin1');
    sources.form = form;
    body = Buffer.from(stripQueryParams(form, isAccessToken), 'latin1');
  }
  input.body = body;
  return body;
}

function isAccessToken(key: string): boolean {
  return key === 'access_token';
}

/** The decision on a parsed request: by the service's policy, or its ACL; credentials only when needed. */
async function judge(
  deps: AuthorizeDeps,
  request: AuthorizeRequest,
  path: ProxyPath,
  service: Service,
  ows: OWSRequest,
  sources: CredentialSources,
  body: Buffer | undefined,
): Promise<Authorization> {
  const { credentials, publicOperations } = deps;
  let subject: Subject = ANONYMOUS;
  let decision: Decision;
  let acl: ACLGrant | undefined;
  if (service.auth === 'acl') {
    // Fine-grained authorization (src/authz/): every credential presented is checked first;
    // a refusal is thrown, with its own challenge.
    subject = await credentials.presented(request, sources);
    acl = await decideACL(
      deps.accessControl,
      { service, request: ows, subject, clientAddress: request.ip },
      credentials.aclChallenge,
    );
    decision = { allow: true, rule: 'acl' };
  } else {
    decision = decide({ service, request: ows, subject, publicOperations });
    // Credentials are looked at only when the decision needs one: public services and public
    // operations cost no token validation, and a stale token does not break GetCapabilities.
    if (!decision.allow && decision.status === 401 && service.auth === 'token') {
      const token = await credentials.token(request, sources);
      if (token) {
        subject = { kind: 'token', token };
        decision = decide({ service, request: ows, subject, publicOperations });
      }
    } else if (!decision.allow && decision.status === 401 && service.auth === 'cert') {
      const certificate = credentials.certificate(request);
      if (certificate) {
        subject = { kind: 'certificate', certificate };
        decision = decide({ service, request: ows, subject, publicOperations });
      }
    }
  }
  // a narrowed token (macaroon caveats) must allow this very request: 403 naming the unmet caveat
  if (decision.allow && subject.kind === 'token') {
    assertTokenRestrictions(subject.token, { service: service.name, ows, clientAddress: request.ip });
  }
  return {
    path,
    service,
    ows,
    decision,
    subject,
    ...(acl && { acl }),
    ...(body !== undefined && { body }),
  };
}
