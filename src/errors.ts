/**
 * The one error type of Twitcher. Domain code throws a `TwitcherError`; only `http/` renders it,
 * in the format of the surface that was called: an OWS ExceptionReport on OGC routes, RFC 6749 JSON
 * on OAuth routes, RFC 9457 problem+json on the admin API.
 *
 * `description` is public; `detail` is only logged (node-oidc-provider's split). 5xx descriptions
 * never carry upstream or internal details.
 */

/** Stable error codes. The code, not the message, is the contract with clients. */
export const ERROR_CODES = {
  // generic request errors
  invalid_request: { status: 400, title: 'Invalid request', owsCode: 'InvalidParameterValue' },
  validation_failed: { status: 422, title: 'Validation failed', owsCode: 'InvalidParameterValue' },
  malformed_body: { status: 400, title: 'Malformed request body', owsCode: 'InvalidParameterValue' },
  payload_too_large: { status: 413, title: 'Payload too large', owsCode: 'NoApplicableCode' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type', owsCode: 'NoApplicableCode' },
  // a throttle refused the attempt before looking at it (password failures, admin Basic auth)
  too_many_failures: { status: 429, title: 'Too many failures', owsCode: 'NoApplicableCode' },
  // a rate limit of the proxy (ratelimit.*): per client, user, address or service (docs/ratelimits.md)
  rate_limited: { status: 429, title: 'Too many requests', owsCode: 'NoApplicableCode' },
  method_not_allowed: { status: 405, title: 'Method not allowed', owsCode: 'NoApplicableCode' },
  not_found: { status: 404, title: 'Not found', owsCode: 'NoApplicableCode' },
  // OWS request parsing (OGC 06-121r9 §8.6, OGC 06-121r9 table 25 / OWS Common 2.0 table 28)
  missing_parameter: { status: 400, title: 'Missing parameter value', owsCode: 'MissingParameterValue' },
  invalid_parameter: { status: 400, title: 'Invalid parameter value', owsCode: 'InvalidParameterValue' },
  operation_not_supported: {
    status: 501,
    title: 'Operation not supported',
    owsCode: 'OperationNotSupported',
  },
  // registry
  service_not_found: { status: 404, title: 'Service not found', owsCode: 'NoApplicableCode' },
  duplicate_name: { status: 409, title: 'Duplicate name', owsCode: 'NoApplicableCode' },
  conflict: { status: 409, title: 'Conflict', owsCode: 'NoApplicableCode' },
  // authentication and authorization (RFC 6750 §3.1 names where they apply)
  authentication_required: { status: 401, title: 'Authentication required', owsCode: 'NoApplicableCode' },
  invalid_credentials: { status: 401, title: 'Invalid credentials', owsCode: 'NoApplicableCode' },
  invalid_token: { status: 401, title: 'Invalid token', owsCode: 'NoApplicableCode' },
  insufficient_scope: { status: 403, title: 'Insufficient scope', owsCode: 'NoApplicableCode' },
  forbidden: { status: 403, title: 'Forbidden', owsCode: 'NoApplicableCode' },
  // X.509 client certificates (RFC 5280, RFC 3820): the chain presented was refused
  invalid_certificate: { status: 401, title: 'Invalid client certificate', owsCode: 'NoApplicableCode' },
  // certificate service: a PKCS #10 request refused (bad DER, signature, key, requested extensions)
  invalid_csr: { status: 400, title: 'Invalid certificate request', owsCode: 'InvalidParameterValue' },
  // OAuth 2.0 (RFC 6749 §5.2, RFC 7009 §2.2.1)
  invalid_client: { status: 401, title: 'Client authentication failed', owsCode: 'NoApplicableCode' },
  invalid_scope: { status: 400, title: 'Invalid scope', owsCode: 'NoApplicableCode' },
  unsupported_grant_type: { status: 400, title: 'Unsupported grant type', owsCode: 'NoApplicableCode' },
  unsupported_token_type: { status: 400, title: 'Unsupported token type', owsCode: 'NoApplicableCode' },
  unauthorized_client: { status: 400, title: 'Unauthorized client', owsCode: 'NoApplicableCode' },
  // upstream failures (fastify-reply-from: 502/503/504, never a 500 or a 400)
  upstream_unreachable: { status: 502, title: 'Bad gateway', owsCode: 'NoApplicableCode' },
  upstream_error: { status: 502, title: 'Bad gateway', owsCode: 'NoApplicableCode' },
  upstream_timeout: { status: 504, title: 'Gateway timeout', owsCode: 'NoApplicableCode' },
  // the service's limit of requests in flight is reached (proxy.maxConcurrent, limits.maxConcurrent)
  service_busy: { status: 503, title: 'Service busy', owsCode: 'NoApplicableCode' },
  // the request already passed through this Twitcher (its own Via entry): forwarding it would loop
  loop_detected: { status: 508, title: 'Loop detected', owsCode: 'NoApplicableCode' },
  // a MyProxy server answered with an error other than refused credentials, or broke the protocol
  myproxy_failed: { status: 502, title: 'Bad gateway', owsCode: 'NoApplicableCode' },
  // server side
  unavailable: { status: 503, title: 'Service unavailable', owsCode: 'NoApplicableCode' },
  internal_error: { status: 500, title: 'Internal server error', owsCode: 'NoApplicableCode' },
  // authorization model (admin API): a change that would leave it inconsistent is refused whole
  unknown_reference: { status: 422, title: 'Unknown reference', owsCode: 'NoApplicableCode' },
  invalid_resource: { status: 422, title: 'Invalid resource', owsCode: 'NoApplicableCode' },
  resource_cycle: { status: 409, title: 'Resource cycle', owsCode: 'NoApplicableCode' },
  duplicate_grant: { status: 409, title: 'Permission already granted', owsCode: 'NoApplicableCode' },
  group_in_use: { status: 409, title: 'Group in use', owsCode: 'NoApplicableCode' },
  // provisioning files (twitcher apply, provision.files): every problem listed, nothing applied
  provisioning_failed: { status: 422, title: 'Provisioning failed', owsCode: 'NoApplicableCode' },
} as const satisfies Record<string, { status: number; title: string; owsCode: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** One offending field of a request body or a configuration (JSON pointer or dotted path). */
export interface FieldError {
  field: string;
  message: string;
}

export interface TwitcherErrorOptions {
  /** Public, human readable. Defaults to the code's title. */
  description?: string;
  /** Private: logged, never sent. */
  detail?: string;
  /** OWS `locator` (the parameter at fault). */
  locator?: string;
  /** Overrides the OWS exceptionCode derived from the code. */
  exceptionCode?: string;
  /** Overrides the HTTP status derived from the code. */
  status?: number;
  /** Extra response headers (e.g. WWW-Authenticate). */
  headers?: Record<string, string>;
  /** Every bad field, for validation errors. */
  fields?: FieldError[];
  cause?: unknown;
}

export class TwitcherError extends Error {
  override readonly name = 'TwitcherError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly description: string;
  readonly detail: string | undefined;
  readonly locator: string | undefined;
  readonly exceptionCode: string;
  readonly headers: Record<string, string>;
  readonly fields: FieldError[];

  constructor(code: ErrorCode, options: TwitcherErrorOptions = {}) {
    const spec = ERROR_CODES[code];
    const description = options.description ?? spec.title;
    super(description, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status ?? spec.status;
    this.description = description;
    this.detail = options.detail;
    this.locator = options.locator;
    this.exceptionCode = options.exceptionCode ?? spec.owsCode;
    this.headers = options.headers ?? {};
    this.fields = options.fields ?? [];
  }
}

/** The 422 of a request or a file with bad fields: every one named at once, in the description too. */
export function fieldsError(fields: FieldError[]): TwitcherError {
  return new TwitcherError('validation_failed', {
    description: fields.map((f) => `${f.field} ${f.message}`).join('; '),
    fields,
  });
}

export function isTwitcherError(value: unknown): value is TwitcherError {
  return value instanceof TwitcherError;
}
