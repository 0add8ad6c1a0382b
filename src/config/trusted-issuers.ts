/** The check of `token.trustedIssuers`: the external OpenID providers whose access tokens are accepted. */
import type { TrustedIssuer } from './config.js';
import { isRecord, isStringList, unknownKeys } from './json-shapes.js';
import type { Parsed } from './setting.js';

const KEYS = ['issuer', 'audience', 'jwksUri', 'scopeClaim', 'clientIdClaim', 'algorithms'] as const;

/** A list of issuers, or the first problem of an entry (`[1].issuer must be an http(s) URL`). */
export function trustedIssuersOf(value: unknown): Parsed<TrustedIssuer[]> {
  if (!Array.isArray(value)) return { error: 'must be a list of issuers' };
  const entries: unknown[] = value;
  const issuers: TrustedIssuer[] = [];
  for (const [i, entry] of entries.entries()) {
    if (!isTrustedIssuer(entry)) return { error: `[${i}]${issuerProblem(entry)}` };
    issuers.push(entry);
  }
  return { value: issuers };
}

function isTrustedIssuer(entry: unknown): entry is TrustedIssuer {
  return issuerProblem(entry) === undefined;
}

/** What is wrong with one entry, after its index (` must be an object`, `.audience must be …`). */
function issuerProblem(entry: unknown): string | undefined {
  if (!isRecord(entry)) return ' must be an object';
  const issuer = entry['issuer'];
  if (typeof issuer !== 'string' || !/^https?:\/\//.test(issuer)) return '.issuer must be an http(s) URL';
  const audience = entry['audience'];
  if (typeof audience !== 'string' && !isStringList(audience)) {
    return '.audience must be a string or a list of strings';
  }
  for (const key of ['jwksUri', 'scopeClaim', 'clientIdClaim']) {
    if (entry[key] !== undefined && typeof entry[key] !== 'string') return `.${key} must be a string`;
  }
  // the verifier refuses symmetric algorithms (external.ts); a value that is no list never reaches it
  if (entry['algorithms'] !== undefined && !isStringList(entry['algorithms'])) {
    return '.algorithms must be a list of strings';
  }
  const unknown = unknownKeys(entry, KEYS);
  return unknown.length > 0 ? ` has unknown key(s) ${unknown.join(', ')}` : undefined;
}
