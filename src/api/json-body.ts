import { TwitcherError } from '../errors.js';

/** The request body as a JSON object, or 422 (an array, a string or null is not a resource). */
export function objectBody(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new TwitcherError('validation_failed', {
      description: 'The body must be a JSON object.',
      fields: [{ field: 'body', message: 'must be a JSON object' }],
    });
  }
  return body as Record<string, unknown>;
}

/** 422 naming every field that is not in `known`. */
export function rejectUnknownFields(body: Record<string, unknown>, known: readonly string[]): void {
  const extra = Object.keys(body).filter((k) => !known.includes(k));
  if (extra.length > 0) {
    throw new TwitcherError('validation_failed', {
      description: `Unknown field(s): ${extra.join(', ')}.`,
      fields: extra.map((field) => ({ field, message: 'is not a known field' })),
    });
  }
}
