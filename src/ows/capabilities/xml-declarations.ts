/**
 * The rarer XML markup tokens, read from raw bytes (markup is ASCII): comments, CDATA sections,
 * processing instructions and DOCTYPE declarations. The capabilities filter's scanner handles
 * tags itself and comes here for the rest.
 */

const GT = 0x3e;

/**
 * Index just past the `<!…>` or `<?…?>` token starting at `lt` (a comment, CDATA, DOCTYPE with its
 * internal subset, or processing instruction), or -1 when it is not complete in `data`.
 */
export function declarationEnd(data: Buffer, lt: number): number {
  if (data[lt + 1] === 0x3f /* ? */) return after(data, '?>', lt + 2);
  if (startsWith(data, lt, '<!--')) return after(data, '-->', lt + 4);
  if (startsWith(data, lt, '<![CDATA[')) return after(data, ']]>', lt + 9);
  if (lt + 9 > data.length) return -1;
  // <!DOCTYPE … [ internal subset ] >
  return doctypeEnd(data, lt + 2);
}

function doctypeEnd(data: Buffer, from: number): number {
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

/** A UTF-16 byte order mark: this byte-level reader cannot read the document, so it fails (closed). */
export function assertNotUTF16(data: Buffer): void {
  if ((data[0] === 0xff && data[1] === 0xfe) || (data[0] === 0xfe && data[1] === 0xff)) {
    throw new Error('capabilities filter: a UTF-16 document cannot be filtered');
  }
}
