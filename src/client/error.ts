/**
 * Codes of failures found on the client side, beside the server's own stable codes
 * (`service_not_found`, `invalid_credentials`, `invalid_client`…):
 * - `unreachable`: no HTTP answer (connection refused, DNS, TLS…);
 * - `timeout`: no answer within `timeoutMs`;
 * - `bad_response`: an answer that is not the JSON Twitcher sends (another server, a proxy's error page);
 * - `invalid_url`: the client was given a URL that is not an absolute http(s) URL.
 *
 * @example
 * if (err instanceof TwitcherClientError && CLIENT_SIDE_CODES.includes(err.code)) retryLater();
 */
export const CLIENT_SIDE_CODES: readonly string[] = ['unreachable', 'timeout', 'bad_response', 'invalid_url'];

/**
 * Field errors of a 422 answer, when the server names them.
 *
 * @example
 * for (const f of err.fields) console.error(`${f.field}: ${f.message}`);
 */
export interface FieldError {
  field: string;
  message: string;
}

/**
 * The one error of `TwitcherClient`: a refusal by the server (its HTTP `status` and stable `code`) or a
 * failure before any usable answer (`status` 0, `code` unreachable, timeout or invalid_url; or the
 * HTTP status with `bad_response`). `url` is the URL that was requested.
 *
 * @example
 * try {
 *   await client.getService('nope');
 * } catch (err) {
 *   if (err instanceof TwitcherClientError && err.code === 'service_not_found') console.log('not there');
 *   else throw err;
 * }
 */
export class TwitcherClientError extends Error {
  override readonly name = 'TwitcherClientError';
  /** The HTTP status, or 0 when there was no answer. */
  readonly status: number;
  /** The server's stable code (problem+json `code`, OAuth `error`) or a client-side code. */
  readonly code: string;
  /** The URL requested (without credentials). */
  readonly url: string;
  /** Every bad field, for validation errors (422). */
  readonly fields: FieldError[];

  constructor(
    init: { status: number; code: string; message: string; url: string; fields?: FieldError[] },
    options?: { cause?: unknown },
  ) {
    super(init.message, options);
    this.status = init.status;
    this.code = init.code;
    this.url = init.url;
    this.fields = init.fields ?? [];
  }
}
