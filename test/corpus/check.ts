/**
 * Checks of one answer against a case's expectation, collected as messages (a case reports every
 * way it is wrong at once, not only the first).
 */
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { ERROR_CODES, type ErrorCode } from '../../src/errors.js';
import type { SeenRequest } from '../helpers/upstream.js';
import type { Expectation, ResponseExpectation, UpstreamPredicate } from './case-types.js';
import type { WireAnswer } from './wire-client.js';

export type Format = 'ows' | 'verify' | 'oauth' | 'problem' | 'certs';

export const statuses = (s: number | number[]): number[] => (Array.isArray(s) ? s : [s]);

function short(answer: WireAnswer): string {
  const body = answer.body.toString('utf8').replace(/\s+/g, ' ').slice(0, 300);
  return `${answer.status}${answer.error ? ` (${answer.error})` : ''} ${body}`;
}

function jsonField(answer: WireAnswer, field: string): unknown {
  try {
    const parsed: unknown = JSON.parse(answer.body.toString('utf8'));
    return typeof parsed === 'object' && parsed !== null
      ? (parsed as Record<string, unknown>)[field]
      : undefined;
  } catch {
    return undefined;
  }
}

/** The stable code of a refusal, in the format of its surface. */
export function checkCode(answer: WireAnswer, format: Format, code: string): string[] {
  switch (format) {
    case 'verify':
    case 'problem': {
      const got = jsonField(answer, 'code');
      return got === code ? [] : [`code: expected ${code}, got ${String(got)}`];
    }
    case 'oauth': {
      const got = jsonField(answer, 'error');
      return got === code ? [] : [`error: expected ${code}, got ${String(got)}`];
    }
    case 'certs': {
      const got = answer.headers['x-twitcher-error'];
      return got === code ? [] : [`X-Twitcher-Error: expected ${code}, got ${String(got)}`];
    }
    case 'ows': {
      const ows = (ERROR_CODES as Record<string, { owsCode: string }>)[code as ErrorCode]?.owsCode;
      if (ows === undefined) return [`unknown error code ${code} in the case`];
      const text = answer.body.toString('utf8');
      return text.includes(`exceptionCode="${ows}"`) || text.includes(`code="${ows}"`)
        ? []
        : [`ExceptionReport: expected exceptionCode ${ows} (${code})`];
    }
  }
}

/** Rules that hold for every answer of every surface, whatever the case expects. */
export function checkInvariants(answer: WireAnswer, upstreamOrigin: string | undefined): string[] {
  const out: string[] = [];
  if (answer.status === 0) out.push(`no answer: ${answer.error ?? 'connection closed'}`);
  if (answer.status === 500) out.push('500: bad input must never be an internal error');
  if (answer.status === 401 && answer.headers['www-authenticate'] === undefined) {
    out.push('401 without WWW-Authenticate (RFC 9110 §15.5.2)');
  }
  if (answer.status === 429 && answer.headers['retry-after'] === undefined)
    out.push('429 without Retry-After');
  if (upstreamOrigin === undefined) return out;
  const host = new URL(upstreamOrigin).host;
  const all = `${JSON.stringify(answer.headers)}\n${answer.body.toString('latin1')}`;
  if (all.includes(host)) out.push(`the answer names the upstream (${host})`);
  return out;
}

export function checkAnswer(
  answer: WireAnswer,
  expect: Pick<Expectation, 'status' | 'code'>,
  format: Format,
): string[] {
  const out: string[] = [];
  const want = statuses(expect.status);
  if (!want.includes(answer.status)) out.push(`status: expected ${want.join(' or ')}, got ${short(answer)}`);
  else if (expect.code !== undefined && answer.status >= 400)
    out.push(...checkCode(answer, format, expect.code));
  return out;
}

export function checkResponse(
  answer: WireAnswer,
  r: ResponseExpectation,
  fill: (s: string) => string,
  getLength: () => Promise<number | undefined>,
): Promise<string[]> | string[] {
  const out: string[] = [];
  for (const h of r.headersPresent ?? []) if (answer.headers[h] === undefined) out.push(`answer lacks ${h}`);
  for (const h of r.headersAbsent ?? []) {
    if (answer.headers[h] !== undefined) out.push(`answer has ${h}: ${answer.headers[h]}`);
  }
  for (const [h, re] of Object.entries(r.headersMatch ?? {})) {
    const v = answer.headers[h];
    if (v === undefined || !new RegExp(re, 'i').test(v))
      out.push(`answer header ${h}=${String(v)} !~ /${re}/`);
  }
  if (r.bodyMatch !== undefined && !new RegExp(r.bodyMatch).test(answer.body.toString('utf8'))) {
    out.push(`answer body !~ /${r.bodyMatch}/: ${answer.body.toString('utf8').slice(0, 200)}`);
  }
  if (r.locationOneOf) {
    const allowed = r.locationOneOf.map(fill);
    const got = answer.headers['location'];
    if (got === undefined || !allowed.includes(got)) {
      out.push(`Location: expected one of ${allowed.join(' | ')}, got ${String(got)}`);
    }
  }
  if (!r.headLengthNotStale) return out;
  return getLength().then((length) => {
    const declared = answer.headers['content-length'];
    if (declared !== undefined && Number(declared) !== length) {
      out.push(`HEAD: Content-Length ${declared} is stale (the GET body is ${String(length)} bytes)`);
    }
    return out;
  });
}

/**
 * The body sent, byte for byte — or, for a body with a Content-Encoding, its decoded bytes sent
 * without that Content-Encoding (docs/security.md: the decoded bytes are forwarded).
 */
function sameBody(seen: SeenRequest, sent: { body: Buffer; contentEncoding?: string | undefined }): boolean {
  if (seen.body.equals(sent.body)) return true;
  const coding = sent.contentEncoding?.trim().toLowerCase();
  if (coding === undefined || seen.headers['content-encoding'] !== undefined) return false;
  try {
    const decoded =
      coding === 'gzip'
        ? gunzipSync(sent.body)
        : coding === 'deflate'
          ? inflateSync(sent.body)
          : coding === 'br'
            ? brotliDecompressSync(sent.body)
            : undefined;
    return decoded?.equals(seen.body) ?? false;
  } catch {
    return false;
  }
}

function decodeKey(k: string): string {
  try {
    return decodeURIComponent(decodeURIComponent(k.replaceAll('+', ' ')))
      .trim()
      .toLowerCase();
  } catch {
    return k.toLowerCase();
  }
}

/** What the recording upstream saw of this case against the predicate, and the credential rule. */
export function checkUpstream(
  seen: SeenRequest[],
  predicate: 'nothing' | UpstreamPredicate | undefined,
  sent: { body: Buffer; secrets: string[]; contentEncoding?: string | undefined },
): string[] {
  const out: string[] = [];
  for (const s of seen) {
    const everything = `${s.url}\n${JSON.stringify(s.headers)}\n${s.body.toString('latin1')}`;
    for (const secret of sent.secrets) {
      if (secret !== '' && everything.includes(secret))
        out.push("the client's credential reached the upstream");
    }
    for (const h of ['authorization', 'cookie']) {
      if (s.headers[h] !== undefined) out.push(`the upstream received ${h}`);
    }
  }
  if (predicate === undefined) return out;
  if (predicate === 'nothing') {
    if (seen.length > 0)
      out.push(`the upstream received ${seen.map((s) => `${s.method} ${s.url}`).join(', ')}`);
    return out;
  }
  const s = seen[0];
  if (s === undefined) return [...out, 'the upstream received nothing'];
  if (seen.length > 1) out.push(`the upstream received ${seen.length} requests`);
  const q = s.url.indexOf('?');
  const path = q < 0 ? s.url : s.url.slice(0, q);
  const query = q < 0 ? '' : s.url.slice(q + 1);
  if (predicate.method !== undefined && s.method !== predicate.method) {
    out.push(`upstream method ${s.method}, expected ${predicate.method}`);
  }
  if (predicate.pathEquals !== undefined && path !== predicate.pathEquals) {
    out.push(`upstream path ${path}, expected ${predicate.pathEquals}`);
  }
  if (predicate.queryEquals !== undefined && query !== predicate.queryEquals) {
    out.push(`upstream query ${query}, expected ${predicate.queryEquals}`);
  }
  const keys = query === '' ? [] : query.split('&').map((p) => decodeKey(p.split('=')[0] ?? ''));
  for (const k of predicate.queryLacks ?? []) {
    if (keys.includes(k.toLowerCase())) out.push(`upstream query has ${k}`);
  }
  for (const h of predicate.headersAbsent ?? []) {
    if (s.headers[h] !== undefined) out.push(`upstream received ${h}: ${String(s.headers[h])}`);
  }
  for (const [h, v] of Object.entries(predicate.headersEqual ?? {})) {
    if (s.headers[h] !== v) out.push(`upstream ${h}=${String(s.headers[h])}, expected ${v}`);
  }
  if (predicate.bodySameAsSent && !sameBody(s, sent)) {
    out.push(`upstream body differs from the one sent (${s.body.length} vs ${sent.body.length} bytes)`);
  }
  const everything = `${s.url}\n${JSON.stringify(s.headers)}\n${s.body.toString('latin1')}`.toLowerCase();
  for (const marker of predicate.absentEverywhere ?? []) {
    if (everything.includes(marker.toLowerCase())) out.push(`upstream saw "${marker}"`);
  }
  return out;
}
