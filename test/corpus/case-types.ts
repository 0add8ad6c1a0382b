/**
 * The shape of one corpus case (test/corpus/*.json). Cases are data: the runner (corpus.test.ts)
 * registers the fixture services, users and credentials once, then sends each case and checks it.
 */

/** Where a case is sent. `proxy` cases are also sent to `/ows/verify` (see corpus.test.ts). */
export type Surface = 'proxy' | 'verify' | 'raw';

/**
 * A request body, built by body-builders.ts: a string is UTF-8 text; objects name one builder,
 * e.g. `{"utf16be": "<xml…>", "bom": true}` or `{"gzip": {"text": "<xml…>"}}`.
 */
export type BodySpec = string | { [builder: string]: unknown };

/** Header lines in order (duplicates and case kept), or a plain object. */
export type HeaderSpec = [string, string][] | Record<string, string>;

export interface CaseRequest {
  /** Default GET. Sent as written: no validation of the method token. */
  method?: string;
  /**
   * proxy/verify: the extra path after `/ows/{proxy|verify}/{service}` (raw, as sent);
   * raw: the whole request target path.
   */
  path?: string;
  /** The raw query string without `?` (placeholders such as `{token}` are filled in). */
  query?: string;
  headers?: HeaderSpec;
  body?: BodySpec;
  /** Content-Length to declare instead of the real one, or `omit` to send none. */
  contentLength?: number | 'omit';
  /** Send the body with `Transfer-Encoding: chunked`, in small chunks. */
  chunked?: boolean;
  /** The whole request line target, replacing `/ows/proxy/{service}{path}?{query}`. */
  target?: string;
  /** Send this request `repeat` times (only in `before`). */
  repeat?: number;
}

/** What the recording upstream must have seen of the case. */
export interface UpstreamPredicate {
  received: true;
  method?: string;
  /** The upstream request path without the query, e.g. `/svc/wps-public`. */
  pathEquals?: string;
  /** The upstream query string exactly (without `?`; `` for none). */
  queryEquals?: string;
  /** Keys (compared case-insensitively after percent-decoding) that must not be in the query. */
  queryLacks?: string[];
  /** Lower-case header names the upstream must not have received. */
  headersAbsent?: string[];
  /** Lower-case header name → exact value. */
  headersEqual?: Record<string, string>;
  /** The upstream body is the body the client sent, byte for byte. */
  bodySameAsSent?: boolean;
  /** Strings that must appear nowhere: URL, header names and values, body. */
  absentEverywhere?: string[];
}

export interface ResponseExpectation {
  /** Lower-case header names that must be present / absent in the answer. */
  headersPresent?: string[];
  headersAbsent?: string[];
  /** Header name → regular expression its value must match. */
  headersMatch?: Record<string, string>;
  /** A regular expression the (decoded) body must match. */
  bodyMatch?: string;
  /** The Location header is one of these (placeholders filled in). */
  locationOneOf?: string[];
  /** HEAD only: Content-Length absent, or equal to the length of the same request made with GET. */
  headLengthNotStale?: boolean;
}

export interface Expectation {
  status: number | number[];
  /**
   * Twitcher's stable error code (src/errors.ts). Checked in the surface's format: `code` of the
   * verify JSON and of problem+json, `error` of RFC 6749 JSON, `X-Twitcher-Error` of the certificate
   * service, the mapped `exceptionCode` of an OWS ExceptionReport.
   */
  code?: string;
  upstream?: 'nothing' | UpstreamPredicate;
  response?: ResponseExpectation;
  /**
   * proxy cases: what `/ows/verify` must answer, when the general agreement rule is not it; `skip`
   * for a request nginx refuses itself before any auth subrequest (broken framing).
   */
  verify?: { status: number | number[]; code?: string } | 'skip';
  /**
   * The refusal comes from the HTTP layer (framing, method token), before any route: the answer
   * need not be in the surface's format.
   */
  protocolError?: boolean;
  /** Strings (placeholders filled in) the upstream must not have seen, whether or not it got the request. */
  neverUpstream?: string[];
}

/** Named credentials the runner makes (fixtures.ts). */
export type CredentialName =
  | 'none'
  | 'token'
  | 'token-nocompute'
  | 'token-deleted'
  | 'token-revoked'
  | 'alice'
  | 'bob'
  | 'root'
  | 'cert-alice'
  | 'cert-self'
  | 'cert-expired'
  | 'cert-otherca'
  | 'basic-admin'
  | 'basic-alice';

export interface CorpusCase {
  id: string;
  why: string;
  /** Default: `proxy` when `service` is set, else `raw`. */
  surface?: Surface;
  /** A fixture service (fixtures.ts), for proxy and verify cases. */
  service?: string;
  credential?: CredentialName;
  /** Where a token goes: the Authorization header (default), the query, or the form body. */
  credentialIn?: 'header' | 'query' | 'form';
  /** Run against a fresh Twitcher of its own (throttles, which would lock the shared one out). */
  isolated?: boolean;
  /** Requests sent first (to the same app), whose answers are not checked. */
  before?: CaseRequest[];
  request: CaseRequest;
  expect: Expectation;
}
