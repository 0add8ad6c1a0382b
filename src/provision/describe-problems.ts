import type { TwitcherError } from '../errors.js';

/** A `provisioning_failed` as lines: the summary, then `origin: message` for each problem. */
export function describeProblems(err: TwitcherError): string {
  return [err.description, ...(err.fields ?? []).map((f) => `  ${f.field}: ${f.message}`)].join('\n');
}
