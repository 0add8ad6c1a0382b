/**
 * Where an XML markup token ends, read from raw bytes (any ASCII-compatible encoding: markup is
 * ASCII). Used by the capabilities filter, which scans the stream without parsing it.
 */

/** `>` */
export const GT = 0x3e;

/** Index just past the markup token starting at `lt`, or -1 when it is not complete in `data`. */
export function tokenEnd(data: Buffer, lt: number): number {
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

/** `data` holds the ASCII string `s` at `at` (compared byte by byte: no string is made). */
export function startsWith(data: Buffer, at: number, s: string): boolean {
  if (at + s.length > data.length) return false;
  for (let i = 0; i < s.length; i++) if (data[at + i] !== s.charCodeAt(i)) return false;
  return true;
}

function after(data: Buffer, s: string, from: number): number {
  const i = data.indexOf(s, from, 'latin1');
  return i < 0 ? -1 : i + s.length;
}
