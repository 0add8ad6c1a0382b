import { type FieldError, TwitcherClientError } from './error.js';

/** The error members of the two error formats Twitcher answers with. */
interface ErrorBody {
  // RFC 9457 problem+json (admin API)
  code?: unknown;
  detail?: unknown;
  title?: unknown;
  errors?: unknown;
  // RFC 6749 §5.2 (/oauth/*)
  error?: unknown;
  error_description?: unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function fieldsOf(value: unknown): FieldError[] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (f): f is FieldError => isRecord(f) && typeof f['field'] === 'string' && typeof f['message'] === 'string',
  );
}

/** A `bad_response` error: the answer is not what a Twitcher server sends. */
export function badResponse(url: string, status: number, why: string): TwitcherClientError {
  return new TwitcherClientError({
    status,
    code: 'bad_response',
    url,
    message: `${url} answered HTTP ${status} ${why}: is it a Twitcher server?`,
  });
}

/**
 * Reads an answer: its JSON (undefined when it has no body), or the error it stands for.
 * Non-2xx answers become a `TwitcherClientError` with the server's code and message.
 */
export async function parseAnswer(response: Response, url: string): Promise<unknown> {
  if (response.status >= 300 && response.status < 400) {
    const location = response.headers.get('location');
    throw badResponse(url, response.status, location ? `redirecting to ${location}` : 'a redirect');
  }
  const text = await response.text();
  const type = response.headers.get('content-type') ?? '';
  let body: unknown;
  if (text.trim() !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      const kind = type === '' ? 'without a content type' : `with ${type.split(';')[0]}`;
      throw badResponse(url, response.status, `${kind}, not JSON`);
    }
  }
  if (response.ok) return body;
  const err: ErrorBody = isRecord(body) ? body : {};
  const code =
    typeof err.code === 'string' ? err.code : typeof err.error === 'string' ? err.error : undefined;
  if (code === undefined) {
    throw badResponse(url, response.status, 'without an error code');
  }
  const message =
    [err.detail, err.error_description, err.title].find((m): m is string => typeof m === 'string') ?? code;
  throw new TwitcherClientError({
    status: response.status,
    code,
    url,
    message,
    fields: fieldsOf(err.errors),
  });
}
