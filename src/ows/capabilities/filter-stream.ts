/**
 * Drops from a capabilities document, while it streams, the processes, layers, feature types,
 * coverages and tiles layers a subject may not see (filter-rules.ts says which elements, and which
 * child names them). Works on the raw bytes of any ASCII-compatible encoding, as the URL rewrite
 * does: markup is ASCII, so only the names are decoded (as UTF-8).
 *
 * What is held back: a listing element from its start until its name is read (a few hundred bytes:
 * the name comes first or after a title), and, for a forbidden element that nests (a WMS layer),
 * its own content until either an allowed descendant shows up — then it is sent without its name,
 * as a category, and its descendants are judged one by one — or it ends, and it is dropped whole.
 * Everything else streams through as it comes, in slices of the input chunks.
 *
 * Fail closed: a listing element without a name is dropped (a nesting one is kept only as the
 * container of an allowed descendant); one whose held bytes pass `maxHold` is dropped whole; a
 * UTF-16 document (which this byte-level reader cannot read) errors the stream rather than pass
 * unfiltered; so does a document that ends inside markup.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { holdLength, keepRanges, removeParts } from './filter-hold.js';
import { COMPILED_RULES } from './filter-ids.js';
import { NAME_IDS, RULE_NAMES } from './filter-rules.js';
import {
  type CapabilitiesFilterOptions,
  type FilterCounts,
  newTarget,
  type State,
  type Target,
} from './filter-target.js';
import { decodeName } from './name-text.js';
import { assertNotUTF16, declarationEnd, startsWith } from './xml-declarations.js';

const LT = 0x3c;
const GT = 0x3e;
const EMPTY = Buffer.alloc(0);
const DEFAULT_MAX_HOLD = 4 * 1024 * 1024;

/** The streaming filter (see above); `counts` says what it kept and dropped. */
export class CapabilitiesFilter extends Transform {
  readonly counts: FilterCounts = { kept: 0, dropped: 0, containers: 0 };
  readonly #visible: (name: string) => boolean;
  readonly #maxHold: number;
  /** Ids of the local names of the open elements (`tagNameId`; 0 for every name no rule mentions). */
  readonly #names: number[] = [];
  readonly #targets: Target[] = [];
  /** Stack index of a dropped element being skipped, or -1. */
  #skip = -1;
  #carry: Buffer = EMPTY;
  #first = true;
  // per chunk
  #data: Buffer = EMPTY;
  #segStart = 0;
  #out: Buffer[] = [];
  /** A run of `#data` going downstream, not yet in `#out` (adjacent runs are sent as one slice). */
  #runStart = -1;
  #runEnd = -1;

  constructor(options: CapabilitiesFilterOptions) {
    super();
    this.#visible = options.visible;
    this.#maxHold = options.maxHold ?? DEFAULT_MAX_HOLD;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      const data = this.#carry.length === 0 ? chunk : Buffer.concat([this.#carry, chunk]);
      if (this.#first && data.length >= 2) {
        this.#first = false;
        assertNotUTF16(data);
      }
      const consumed = this.#scan(data);
      this.#keepHolds();
      this.#carry = consumed === data.length ? EMPTY : Buffer.from(data.subarray(consumed));
      this.#pushOut();
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    if (this.#carry.length > 0 || this.#targets.length > 0) {
      callback(new Error('capabilities filter: the document ended inside an element being filtered'));
      return;
    }
    callback();
  }

  /** Scans `data`; returns how many bytes were consumed (the rest starts an incomplete token). */
  #scan(data: Buffer): number {
    this.#data = data;
    this.#segStart = 0;
    this.#runStart = -1;
    this.#runEnd = -1;
    let pos = 0;
    const n = data.length;
    while (pos < n) {
      // Text between tags is short: a loop beats a native indexOf call per tag.
      let lt = pos;
      while (lt < n && data[lt] !== LT) lt++;
      if (lt === n) {
        this.#text(pos, n);
        pos = n;
        break;
      }
      if (lt > pos) this.#text(pos, lt);
      const end = tokenEnd(data, lt);
      if (end < 0) {
        this.#route(lt);
        return lt;
      }
      this.#token(lt, end);
      pos = end;
    }
    this.#route(n);
    return n;
  }

  /** Character data between markup: collected when it is a name being read. */
  #text(from: number, to: number): void {
    const t = this.#targets[this.#targets.length - 1];
    if (t?.capturing) t.nameBytes.push(this.#data.subarray(from, to));
  }

  #token(start: number, end: number): void {
    const data = this.#data;
    const second = data[start + 1];
    if (second === 0x21 /* ! */) {
      // CDATA inside a name is part of it; comments, DOCTYPE: nothing to judge
      const t = this.#targets[this.#targets.length - 1];
      if (t?.capturing && startsWith(data, start, '<![CDATA[')) {
        t.nameBytes.push(data.toString('utf8', start + 9, end - 3));
      }
      return;
    }
    if (second === 0x3f /* ? */) return;
    if (second === 0x2f /* / */) {
      this.#endTag();
      this.#afterEnd(end);
      return;
    }
    const selfClosing = data[end - 2] === 0x2f;
    const name = tagNameId(data, start + 1, end);
    this.#startTag(name, start, end, selfClosing);
  }

  #startTag(name: number, start: number, end: number, selfClosing: boolean): void {
    const names = this.#names;
    const depth = names.length;
    if (this.#skip < 0) {
      const top = this.#targets[this.#targets.length - 1];
      const rule = depth === 0 ? undefined : COMPILED_RULES[name * NAME_IDS + (names[depth - 1] as number)];
      if (rule) {
        // A nested listing element before its parent's name: the parent has none (a category).
        if (top?.state === 'deciding' && top.rule.nested && top.depth === depth - 1)
          this.#refuse(top, start, false);
        this.#route(start);
        const target = newTarget(
          rule,
          depth,
          rule.rootParentId !== 0 && names[depth - 1] === rule.rootParentId,
        );
        this.#targets.push(target);
        if (selfClosing) {
          this.#route(end);
          this.#finish(target);
          return;
        }
      } else if (
        top?.state === 'deciding' &&
        top.depth === depth - 1 &&
        top.nameStart < 0 &&
        name !== 0 &&
        top.rule.nameIds.includes(name)
      ) {
        this.#route(start);
        top.nameStart = holdLength(top.hold);
        if (selfClosing) {
          this.#route(end);
          top.nameEnd = holdLength(top.hold);
          this.#decide(top, '');
          return;
        }
        top.capturing = true;
      }
    }
    if (!selfClosing) names.push(name);
  }

  #endTag(): void {
    this.#names.pop();
  }

  /** After an end tag that closed the element at stack index `names.length`. */
  #afterEnd(end: number): void {
    const depth = this.#names.length;
    if (this.#skip >= 0) {
      if (depth === this.#skip) {
        this.#route(end);
        this.#skip = -1;
        this.#targets.pop();
      }
      return;
    }
    const top = this.#targets[this.#targets.length - 1];
    if (!top) return;
    if (top.capturing && depth === top.depth + 1) {
      this.#route(end);
      top.capturing = false;
      top.nameEnd = holdLength(top.hold);
      this.#decide(top, decodeName(top.nameBytes));
      return;
    }
    if (depth === top.depth) {
      this.#route(end);
      this.#finish(top);
    }
  }

  /** The name of a listing element was read: keep it, or refuse it. */
  #decide(target: Target, name: string): void {
    if (name !== '' && this.#visible(name)) {
      this.counts.kept++;
      this.#flushHolds();
      target.state = 'allowed';
      return;
    }
    this.#refuse(target, undefined, true);
  }

  /**
   * A listing element that may not be seen (or has no name). Nesting: keep its content aside
   * without its name until an allowed descendant needs it. Otherwise: drop it and skip the rest.
   */
  #refuse(target: Target, at: number | undefined, named: boolean): void {
    if (at !== undefined) this.#route(at);
    const hold = target.hold;
    if (target.rule.nested) {
      if (hold && named && target.nameStart >= 0) {
        removeParts(hold, target.nameStart, target.nameEnd);
      }
      target.capturing = false;
      target.state = 'pending';
      if (target.root) {
        this.counts.containers++;
        this.#flushHolds();
      }
      return;
    }
    this.#drop(target);
  }

  /** Drops a listing element whole: what it held is discarded, the rest of it is skipped. */
  #drop(target: Target): void {
    this.counts.dropped++;
    target.hold = undefined;
    target.capturing = false;
    target.state = 'dropped';
    this.#skip = target.depth;
  }

  /** A listing element ended. */
  #finish(target: Target): void {
    if (target.state === 'deciding') {
      // never named: a nesting one may still have been a container (handled when a child came)
      this.#refuse(target, undefined, false);
      if ((target.state as State) === 'dropped') {
        this.#skip = -1;
        this.#targets.pop();
        return;
      }
    }
    if (target.state === 'pending') {
      if (target.root) this.#flushHolds();
      else this.counts.dropped++;
    }
    this.#targets.pop();
  }

  /** An element is kept: every held ancestor goes out (unnamed), then streaming resumes. */
  #flushHolds(): void {
    for (const t of this.#targets) {
      const hold = t.hold;
      if (!hold) continue;
      for (const part of hold.parts) this.#emit(part);
      const ranges = hold.ranges;
      for (let i = 0; i < ranges.length; i += 2) this.#send(ranges[i] as number, ranges[i + 1] as number);
      t.hold = undefined;
      if (t.state === 'pending') {
        t.state = 'flushed';
        if (!t.root) this.counts.containers++;
      }
    }
  }

  /** Sends data[segStart, upTo) where it currently goes: downstream, a hold, or nowhere. */
  #route(upTo: number): void {
    const from = this.#segStart;
    if (upTo <= from) return;
    this.#segStart = upTo;
    if (this.#skip >= 0) return;
    const top = this.#targets[this.#targets.length - 1];
    const hold = top?.hold;
    if (!hold) {
      this.#send(from, upTo);
      return;
    }
    hold.ranges.push(from, upTo);
    hold.size += upTo - from;
    // Too much to hold for one element: refuse it whole (a pending ancestor keeps its own hold).
    if (hold.size > this.#maxHold && top) this.#drop(top);
  }

  /** `#data[from, upTo)` goes downstream (after everything sent before). */
  #send(from: number, upTo: number): void {
    if (this.#runEnd === from) this.#runEnd = upTo;
    else {
      this.#endRun();
      this.#runStart = from;
      this.#runEnd = upTo;
    }
  }

  /**
   * The chunk was scanned: bytes still held outlive it. Copy them, so that the next chunk can be
   * read and a small hold does not pin a large chunk.
   */
  #keepHolds(): void {
    for (const t of this.#targets) if (t.hold) keepRanges(t.hold, this.#data);
  }

  /** The pending run of `#data` goes into `#out`. */
  #endRun(): void {
    if (this.#runStart < 0) return;
    this.#out.push(this.#data.subarray(this.#runStart, this.#runEnd));
    this.#runStart = -1;
    this.#runEnd = -1;
  }

  /** A held part goes downstream, after what was sent before it. */
  #emit(part: Buffer): void {
    this.#endRun();
    this.#out.push(part);
  }

  #pushOut(): void {
    this.#endRun();
    const out = this.#out;
    if (out.length === 0) return;
    this.#out = [];
    this.push(out.length === 1 ? out[0] : Buffer.concat(out));
  }
}

/** Filters a whole document (tests, small bodies). */
export function filterCapabilities(body: Buffer, options: CapabilitiesFilterOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const f = new CapabilitiesFilter(options);
    const out: Buffer[] = [];
    f.on('data', (c: Buffer) => out.push(c));
    f.on('end', () => resolve(Buffer.concat(out)));
    f.on('error', reject);
    f.end(body);
  });
}

// The tag tokenizer and the tag name reader run once per tag: they stay in this module, where the
// scan loop calls them. Imported from another module, the filter took 4-5 % more CPU (2 MB WMS
// document, median of 190 runs, before/after interleaved); the rarer tokens are in xml-declarations.ts.

/** Index just past the markup token starting at `lt`, or -1 when it is not complete in `data`. */
function tokenEnd(data: Buffer, lt: number): number {
  const n = data.length;
  if (lt + 1 >= n) return -1;
  const c = data[lt + 1];
  if (c === 0x21 /* ! */ || c === 0x3f /* ? */) return declarationEnd(data, lt);
  // a tag: '>' outside quoted attribute values
  let quote = 0;
  for (let i = lt + 1; i < n; i++) {
    const b = data[i];
    if (quote !== 0) {
      if (b === quote) quote = 0;
    } else if (b === 0x22 || b === 0x27) quote = b;
    else if (b === GT) return i + 1;
  }
  return -1;
}

/** The ids of the rules' names, by length. */
const IDS_BY_LENGTH: (readonly number[] | undefined)[] = (() => {
  const table: number[][] = [];
  RULE_NAMES.forEach((name, i) => {
    const list = table[name.length] ?? [];
    list.push(i + 1);
    table[name.length] = list;
  });
  return table;
})();
/** The rules' names as bytes, by id. */
const NAME_BYTES: readonly Uint8Array[] = ['', ...RULE_NAMES].map((name) => Buffer.from(name, 'latin1'));

/**
 * The id (filter-rules.ts `nameId`) of the local name (prefix dropped) of the tag whose name starts
 * at `from`; 0 when no rule mentions it. Compares bytes: no string is made of a tag name.
 */
function tagNameId(data: Buffer, from: number, end: number): number {
  let i = from;
  let local = from;
  for (; i < end; i++) {
    const b = data[i];
    if (b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d || b === 0x2f || b === GT) break;
    if (b === 0x3a) local = i + 1;
  }
  const length = i - local;
  const ids = IDS_BY_LENGTH[length];
  if (ids === undefined) return 0;
  for (let k = 0; k < ids.length; k++) {
    const id = ids[k] as number;
    const bytes = NAME_BYTES[id] as Uint8Array;
    let j = 0;
    while (j < length && bytes[j] === data[local + j]) j++;
    if (j === length) return id;
  }
  return 0;
}
