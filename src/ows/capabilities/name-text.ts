/**
 * The text of a listing element's name, as the capabilities filter collected it while streaming:
 * raw byte slices (UTF-8) and CDATA contents (already strings), in document order.
 */

const ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** The text of a name element: UTF-8, entities and character references resolved, CDATA kept, trimmed. */
export function decodeName(parts: (Buffer | string)[]): string {
  const only = parts.length === 1 ? parts[0] : undefined;
  if (only instanceof Buffer) return unescapeText(only.toString('utf8')).trim();
  let out = '';
  let bytes: Buffer[] = [];
  for (const part of parts) {
    if (typeof part === 'string') {
      if (bytes.length > 0) out += unescapeText(Buffer.concat(bytes).toString('utf8'));
      bytes = [];
      out += part;
    } else bytes.push(part);
  }
  if (bytes.length > 0) out += unescapeText(Buffer.concat(bytes).toString('utf8'));
  return out.trim();
}

function unescapeText(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, ref: string) => {
    if (ref.startsWith('#x')) return safeCodePoint(Number.parseInt(ref.slice(2), 16), whole);
    if (ref.startsWith('#')) return safeCodePoint(Number.parseInt(ref.slice(1), 10), whole);
    return ENTITIES[ref] ?? whole;
  });
}

function safeCodePoint(cp: number, fallback: string): string {
  return Number.isInteger(cp) && cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : fallback;
}
