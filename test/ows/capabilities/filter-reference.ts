// The capabilities filter as it was before the id-based scanner (commit af5e566), kept verbatim as
// the oracle of filter-equivalence.test.ts: the new filter must answer byte for byte the same.
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
import { type FilterRule, ruleFor } from '../../../src/ows/capabilities/filter-rules.js';

export interface CapabilitiesFilterOptions {
  /** Whether the resource named `name` may be listed. Called once per listing element. */
  visible: (name: string) => boolean;
  /** Most bytes held for one undecided or forbidden-nesting element (default 4 MiB). */
  maxHold?: number;
}

const LT = 0x3c;
const GT = 0x3e;
const EMPTY = Buffer.alloc(0);
const DEFAULT_MAX_HOLD = 4 * 1024 * 1024;

type State = 'deciding' | 'allowed' | 'pending' | 'flushed' | 'dropped';

interface Hold {
  parts: Buffer[];
  size: number;
}

interface Target {
  rule: FilterRule;
  state: State;
  /** Index in the element stack of the listing element itself. */
  depth: number;
  root: boolean;
  hold: Hold | undefined;
  /** While deciding: the parts of the hold that are its name element, to drop when it is refused. */
  nameStart: number;
  nameEnd: number;
  capturing: boolean;
  /** The name's text as read: raw bytes, and CDATA contents (literal strings). */
  nameBytes: (Buffer | string)[];
}

/** Counters of what was filtered, for logs and tests. */
export interface FilterCounts {
  kept: number;
  dropped: number;
  /** Forbidden nesting elements kept, unnamed, for an allowed descendant. */
  containers: number;
}

export class CapabilitiesFilter extends Transform {
  readonly counts: FilterCounts = { kept: 0, dropped: 0, containers: 0 };
  readonly #visible: (name: string) => boolean;
  readonly #maxHold: number;
  /** Local names of the open elements. */
  readonly #names: string[] = [];
  readonly #targets: Target[] = [];
  /** Stack index of a dropped element being skipped, or -1. */
  #skip = -1;
  #carry: Buffer = EMPTY;
  #first = true;
  // per chunk
  #data: Buffer = EMPTY;
  #segStart = 0;
  #out: Buffer[] = [];

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
        if ((data[0] === 0xff && data[1] === 0xfe) || (data[0] === 0xfe && data[1] === 0xff)) {
          throw new Error('capabilities filter: a UTF-16 document cannot be filtered');
        }
      }
      const consumed = this.#scan(data);
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
    let pos = 0;
    const n = data.length;
    while (pos < n) {
      const lt = data.indexOf(LT, pos);
      if (lt < 0) {
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
      if (t?.capturing && data.toString('latin1', start, start + 9) === '<![CDATA[') {
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
    const name = localName(data, start + 1, end);
    this.#startTag(name, start, end, selfClosing);
  }

  #startTag(name: string, start: number, end: number, selfClosing: boolean): void {
    const names = this.#names;
    const depth = names.length;
    if (this.#skip < 0) {
      const top = this.#targets[this.#targets.length - 1];
      const rule = ruleFor(name, names[depth - 1]);
      if (rule) {
        // A nested listing element before its parent's name: the parent has none (a category).
        if (top?.state === 'deciding' && top.rule.nested && top.depth === depth - 1)
          this.#refuse(top, start, false);
        this.#route(start);
        const target: Target = {
          rule,
          state: 'deciding',
          depth,
          root: rule.rootParent !== undefined && names[depth - 1] === rule.rootParent,
          hold: { parts: [], size: 0 },
          nameStart: -1,
          nameEnd: -1,
          capturing: false,
          nameBytes: [],
        };
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
        top.rule.names.includes(name)
      ) {
        this.#route(start);
        top.nameStart = top.hold?.parts.length ?? 0;
        if (selfClosing) {
          this.#route(end);
          top.nameEnd = top.hold?.parts.length ?? 0;
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
      top.nameEnd = top.hold?.parts.length ?? 0;
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
        const removed = hold.parts.splice(target.nameStart, target.nameEnd - target.nameStart);
        for (const p of removed) hold.size -= p.length;
      }
      target.capturing = false;
      target.state = 'pending';
      if (target.root) {
        this.counts.containers++;
        this.#flushHolds();
      }
      return;
    }
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
      if (!t.hold) continue;
      for (const part of t.hold.parts) this.#out.push(part);
      t.hold = undefined;
      if (t.state === 'pending') {
        t.state = 'flushed';
        if (!t.root) this.counts.containers++;
      }
    }
  }

  /** Sends data[segStart, upTo) where it currently goes: downstream, a hold, or nowhere. */
  #route(upTo: number): void {
    if (upTo <= this.#segStart) return;
    const slice = this.#data.subarray(this.#segStart, upTo);
    this.#segStart = upTo;
    if (this.#skip >= 0) return;
    const top = this.#targets[this.#targets.length - 1];
    const hold = top?.hold;
    if (!hold) {
      this.#out.push(slice);
      return;
    }
    // Held bytes outlive the chunk: copy them, so that a small hold does not pin a large chunk.
    hold.parts.push(Buffer.from(slice));
    hold.size += slice.length;
    if (hold.size > this.#maxHold && top) {
      // Too much to hold for one element: refuse it whole (a pending ancestor keeps its own hold).
      this.counts.dropped++;
      top.hold = undefined;
      top.capturing = false;
      top.state = 'dropped';
      this.#skip = top.depth;
    }
  }

  #pushOut(): void {
    const out = this.#out;
    if (out.length === 0) return;
    this.#out = [];
    this.push(out.length === 1 ? out[0] : Buffer.concat(out));
  }
}

/** Index just past the markup token starting at `lt`, or -1 when it is not complete in `data`. */
function tokenEnd(data: Buffer, lt: number): number {
  const n = data.length;
  if (lt + 1 >= n) return -1;
  const c = data[lt + 1];
  if (c === 0x21 /* ! */) {
    if (startsWith(data, lt, '<!--')) return after(data, '-->', lt + 4);
    if (startsWith(data, lt, '<![CDATA[')) return after(data, ']]>', lt + 9);
    if (lt + 9 > n) return -1;
    // <!DOCTYPE … [ internal subset ] >
    return declarationEnd(data, lt + 2);
  }
  if (c === 0x3f /* ? */) return after(data, '?>', lt + 2);
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

function declarationEnd(data: Buffer, from: number): number {
  let quote = 0;
  let bracket = 0;
  for (let i = from; i < data.length; i++) {
    const b = data[i];
    if (quote !== 0) {
      if (b === quote) quote = 0;
    } else if (b === 0x22 || b === 0x27) quote = b;
    else if (b === 0x5b /* [ */) bracket++;
    else if (b === 0x5d /* ] */) bracket--;
    else if (b === GT && bracket <= 0) return i + 1;
  }
  return -1;
}

function startsWith(data: Buffer, at: number, s: string): boolean {
  if (at + s.length > data.length) return false;
  for (let i = 0; i < s.length; i++) if (data[at + i] !== s.charCodeAt(i)) return false;
  return true;
}

function after(data: Buffer, s: string, from: number): number {
  const i = data.indexOf(s, from, 'latin1');
  return i < 0 ? -1 : i + s.length;
}

/** Local name of the tag whose name starts at `from` (prefix dropped). */
function localName(data: Buffer, from: number, end: number): string {
  let i = from;
  let colon = -1;
  for (; i < end; i++) {
    const b = data[i];
    if (b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d || b === 0x2f || b === GT) break;
    if (b === 0x3a) colon = i;
  }
  return data.toString('latin1', colon >= 0 ? colon + 1 : from, i);
}

const ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** The text of a name element: UTF-8, entities and character references resolved, CDATA kept, trimmed. */
function decodeName(parts: (Buffer | string)[]): string {
  let out = '';
  let bytes: Buffer[] = [];
  const text = () => {
    if (bytes.length > 0) out += unescapeText(Buffer.concat(bytes).toString('utf8'));
    bytes = [];
  };
  for (const part of parts) {
    if (typeof part === 'string') {
      text();
      out += part;
    } else bytes.push(part);
  }
  text();
  return out.trim();
}

function unescapeText(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, ref: string) => {
    if (ref.startsWith('#x')) return safeCodePoint(Number.parseInt(ref.slice(2), 16), whole);
    if (ref.startsWith('#')) return safeCodePoint(Number.parseInt(ref.slice(1), 10), whole);
    return ENTITIES[ref] ?? whole;
  });
}

function safeCodePoint(cp: number, fallback: string): string {
  return Number.isInteger(cp) && cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : fallback;
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
