/**
 * Applies `RewriteRules` to a response body at the byte level, whole or streamed.
 *
 * Semantics (identical for both entry points, whatever the chunking): scan left to right; at each
 * position try the rules longest first; the first whose pattern matches (and, for rewrite/foreign
 * rules, is followed by a boundary byte or the end of data) is applied and the scan resumes after
 * it. Only input bytes are scanned, so a replacement is never rewritten again.
 *
 * Streaming holds back the last `maxLength` bytes of each chunk (a pattern may be split across
 * chunks, and its boundary byte may be the first byte of the next chunk) and prepends them to the
 * next chunk. Output is made of zero-copy slices of the input when nothing matched.
 */
import { Transform, type TransformCallback } from 'node:stream';
import {
  BOUNDARY_BYTES,
  type RewriteGroup,
  type RewriteRule,
  type RewriteRules,
  TERMINAL_BYTES,
} from './rewrite-rules.js';

export interface RewriteCounts {
  /** URLs rewritten to the proxy. */
  replacements: number;
  /** URLs on the upstream origin outside the upstream path, left untouched (see rewrite-rules.ts). */
  foreign: number;
}

const EMPTY = Buffer.alloc(0);

/**
 * Scans `data` and appends the output slices to `out`. Returns how many bytes of `data` were
 * consumed (all of them when `final`); the rest must be prepended to the next chunk.
 */
function scan(
  rules: RewriteRules,
  data: Buffer,
  final: boolean,
  out: Buffer[],
  counts: RewriteCounts,
): number {
  const n = data.length;
  const groups = rules.groups;
  // Positions below `limit` are decidable: every pattern plus its boundary byte fits in `data`.
  const limit = final ? n : n - rules.maxLength;
  if (groups.length === 0 || limit <= 0) {
    if (final && n > 0) out.push(data);
    return final ? n : 0;
  }

  // next[i]: the next candidate start of group i at or after `searchFrom`, or -1.
  const next = groups.map((g) => find(g, data, 0));
  let emitFrom = 0;
  let searchFrom = 0;
  for (;;) {
    let at = -1;
    let gi = -1;
    for (let i = 0; i < next.length; i++) {
      const p = next[i]!;
      if (p >= 0 && (at < 0 || p < at)) {
        at = p;
        gi = i;
      }
    }
    if (at < 0 || at >= limit) break;

    const group = groups[gi]!;
    const rule = matchAt(group.rules, data, at);
    if (rule === undefined) {
      searchFrom = at + 1;
    } else {
      const end = at + rule.pattern.length;
      if (rule.kind === 'rewrite') {
        if (at > emitFrom) out.push(data.subarray(emitFrom, at));
        out.push(rule.replacement);
        emitFrom = end;
        counts.replacements++;
      } else if (rule.kind === 'foreign') {
        counts.foreign++;
      }
      searchFrom = end;
    }
    for (let i = 0; i < next.length; i++) {
      const p = next[i]!;
      if (p >= 0 && p < searchFrom) next[i] = find(groups[i]!, data, searchFrom);
    }
  }

  // Everything before `searchFrom` is decided, and nothing in [searchFrom, limit) starts a match.
  const consumed = final ? n : Math.min(n, Math.max(searchFrom, limit));
  if (consumed > emitFrom) out.push(data.subarray(emitFrom, consumed));
  return consumed;
}

/** Start of the next occurrence of the group's prefix at or after `from`, or -1. */
function find(group: RewriteGroup, data: Buffer, from: number): number {
  const found = data.indexOf(group.needle, from + group.needleOffset);
  // The needle skips the scheme: check it, and search on if it is not there.
  for (let p = found; p >= 0; p = data.indexOf(group.needle, p + 1)) {
    const start = p - group.needleOffset;
    if (bytesEqual(group.prefix, data, start, group.needleOffset)) return start;
  }
  return -1;
}

/**
 * `a[0, length)` equals `data[at, at + length)`. Patterns are a few dozen bytes: a JS loop beats a
 * native `Buffer.compare` call, whose argument checks and binding crossing dominate at this size.
 */
function bytesEqual(a: Buffer, data: Buffer, at: number, length: number): boolean {
  for (let i = length - 1; i >= 0; i--) if (a[i] !== data[at + i]) return false;
  return true;
}

function matchAt(rules: readonly RewriteRule[], data: Buffer, at: number): RewriteRule | undefined {
  const n = data.length;
  for (const rule of rules) {
    const pattern = rule.pattern;
    const end = at + pattern.length;
    // Backwards: the tails (host, port, path) are where patterns differ.
    if (end > n || !bytesEqual(pattern, data, at, pattern.length)) continue;
    if (rule.boundary && end < n && (rule.terminal ? TERMINAL_BYTES : BOUNDARY_BYTES)[data[end]!] !== 1)
      continue;
    return rule;
  }
  return undefined;
}

function joinParts(parts: Buffer[]): Buffer {
  if (parts.length === 0) return EMPTY;
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

/** The rewriting Transform; `replacements` and `foreign` are live counters. */
export class RewriteStream extends Transform {
  readonly #rules: RewriteRules;
  readonly #counts: RewriteCounts = { replacements: 0, foreign: 0 };
  #tail: Buffer = EMPTY;

  constructor(rules: RewriteRules) {
    // 16 KiB each side, on every Node: Node 22 raised the default to 64 KiB, which let one slow client
    // hold 128 KiB of a capabilities document per response instead of 32 KiB
    super({ highWaterMark: 16 * 1024 });
    this.#rules = rules;
  }

  get replacements(): number {
    return this.#counts.replacements;
  }

  get foreign(): number {
    return this.#counts.foreign;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const data = this.#tail.length === 0 ? chunk : Buffer.concat([this.#tail, chunk]);
    const parts: Buffer[] = [];
    const consumed = scan(this.#rules, data, false, parts, this.#counts);
    // Copy the held-back bytes so a large input chunk is not retained by a small tail.
    this.#tail = consumed === data.length ? EMPTY : Buffer.from(data.subarray(consumed));
    const output = joinParts(parts);
    if (output.length > 0) this.push(output);
    callback();
  }

  override _flush(callback: TransformCallback): void {
    const parts: Buffer[] = [];
    scan(this.#rules, this.#tail, true, parts, this.#counts);
    this.#tail = EMPTY;
    const output = joinParts(parts);
    if (output.length > 0) this.push(output);
    callback();
  }
}

export function createRewriteStream(rules: RewriteRules): RewriteStream {
  return new RewriteStream(rules);
}

/** Rewrites a whole body; returns the counts too. */
export function rewriteBufferWithCounts(
  rules: RewriteRules,
  buf: Buffer,
): { body: Buffer; counts: RewriteCounts } {
  const counts: RewriteCounts = { replacements: 0, foreign: 0 };
  const parts: Buffer[] = [];
  scan(rules, buf, true, parts, counts);
  return { body: joinParts(parts), counts };
}

/** Rewrites a whole body (small bodies and tests). Returns a view of `buf` when nothing changed. */
export function rewriteBuffer(rules: RewriteRules, buf: Buffer): Buffer {
  return rewriteBufferWithCounts(rules, buf).body;
}

/**
 * How many URLs in `buf` point at the upstream origin outside the upstream path (and so cannot be
 * rewritten). A non-zero count means the service should be registered at the upstream origin.
 */
export function countForeignURLs(rules: RewriteRules, buf: Buffer): number {
  return rewriteBufferWithCounts(rules, buf).counts.foreign;
}
