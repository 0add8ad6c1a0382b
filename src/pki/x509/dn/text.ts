/**
 * Distinguished names as text: parsing configured names (RFC 4514 strings such as
 * `CN=Twitcher Online CA,O=Twitcher`, or OpenSSL/Globus one-line names such as `/O=Twitcher/OU=Users`),
 * and printing names in both forms: RFC 4514 (`CN=u,OU=Users,O=Org,C=XX`, most significant last) and
 * OpenSSL's X509_NAME_oneline() (`/C=XX/O=Org/OU=Users/CN=u`, what grid-mapfiles and signing_policy
 * files hold).
 */
import { OID_COMMON_NAME } from '../oids.js';
import { attributeTypeOid, opensslTypeName, rfc4514TypeName } from './attribute-types.js';

/** One attribute of a relative distinguished name. */
export interface DNAttribute {
  /** Attribute type OID. */
  readonly type: string;
  /** The string value; a non-string value of a certificate as `#` + hex of its BER encoding (RFC 4514 §2.4). */
  readonly value: string;
  /** True when `value` is the `#hex` form of a non-string value (never for a parsed DN string). */
  readonly binary?: boolean;
}

/** RDNs in certificate (ASN.1) order: the most significant (e.g. C or DC) first. */
export type DNAttributes = DNAttribute[][];

/** A DN string that does not parse. */
export class DNSyntaxError extends Error {
  override readonly name = 'DNSyntaxError';
}

function attributeType(text: string, dn: string): string {
  const t = text.trim();
  if (/^\d+(\.\d+)+$/.test(t)) return t;
  const oid = attributeTypeOid(t);
  if (!oid) throw new DNSyntaxError(`unknown attribute type '${t}' in '${dn}'`);
  return oid;
}

function isEscaped(text: string, index: number): boolean {
  let n = 0;
  for (let j = index - 1; j >= 0 && text[j] === '\\'; j--) n++;
  return n % 2 === 1;
}

/** RFC 4514 §3 value: escapes `\X` and `\HH` (UTF-8 bytes); spaces around the value are dropped. */
function unescapeValue(raw: string, dn: string): string {
  const bytes: number[] = [];
  let i = 0;
  const text = raw.replace(/^ +/, '');
  // trailing spaces are insignificant unless escaped: trim unescaped ones
  let end = text.length;
  while (end > 0 && text[end - 1] === ' ' && !isEscaped(text, end - 1)) end--;
  while (i < end) {
    const ch = text[i] as string;
    if (ch === '\\') {
      const next = text.slice(i + 1, i + 3);
      if (/^[0-9A-Fa-f]{2}$/.test(next)) {
        bytes.push(Number.parseInt(next, 16));
        i += 3;
        continue;
      }
      const c = text[i + 1];
      if (c === undefined) throw new DNSyntaxError(`dangling escape in '${dn}'`);
      bytes.push(...Buffer.from(c, 'utf8'));
      i += 2;
      continue;
    }
    if (ch === '"' || ch === '#') {
      if (ch === '#' && bytes.length > 0) {
        bytes.push(0x23);
        i++;
        continue;
      }
      throw new DNSyntaxError(`quoted and #hex values are not supported in '${dn}'`);
    }
    const s = String.fromCodePoint(text.codePointAt(i) as number);
    bytes.push(...Buffer.from(s, 'utf8'));
    i += s.length;
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(bytes));
  } catch {
    throw new DNSyntaxError(`escaped bytes are not UTF-8 in '${dn}'`);
  }
}

/** Splits at unescaped `sep`. */
function splitUnescaped(text: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === '\\' && i + 1 < text.length) {
      cur += ch + (text[i + 1] as string);
      i++;
    } else if (ch === sep) {
      out.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  out.push(cur);
  return out;
}

function parseAttribute(text: string, dn: string): DNAttribute {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new DNSyntaxError(`'${text}' is not TYPE=value in '${dn}'`);
  const value = unescapeValue(text.slice(eq + 1), dn);
  if (value === '') throw new DNSyntaxError(`empty value in '${dn}'`);
  return { type: attributeType(text.slice(0, eq), dn), value };
}

/**
 * Parses a DN string. `/A=a/B=b` (OpenSSL / Globus one-line form) is in certificate order;
 * `B=b,A=a` (RFC 4514) is most significant last. Both give RDNs in certificate order.
 */
export function parseDN(dn: string): DNAttributes {
  const text = dn.trim();
  if (text === '') return [];
  if (text.startsWith('/')) {
    // one-line form: '/' separates RDNs, '+' multi-valued RDNs; '\/' escapes a slash
    return splitUnescaped(text.slice(1), '/').map((rdn) =>
      splitUnescaped(rdn, '+').map((a) => parseAttribute(a.replace(/\\\//g, '/'), dn)),
    );
  }
  return splitUnescaped(text, ',')
    .map((rdn) => splitUnescaped(rdn, '+').map((a) => parseAttribute(a, dn)))
    .reverse();
}

/**
 * How `=` in a value is printed: RFC 4514 allows it escaped or as is. Configured names and the subjects
 * the CA builds escape it; certificate names print it as is, as they did before the DN modules were
 * merged (service DN patterns are written against that form).
 */
export type EqualsSign = 'escape' | 'as-is';

/** RFC 4514 §2.4 escaping of one attribute value; other control characters as \HH too (permitted by §2.4). */
export function escapeDNValue(value: string, equals: EqualsSign = 'escape'): string {
  let out = value.replace(equals === 'escape' ? /[\\"+,;<>=]/g : /[\\"+,;<>]/g, (c) => `\\${c}`);
  out = out.replace(
    /[\u0000-\u001f\u007f]/g,
    (c) => `\\${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
  if (out.startsWith(' ') || out.startsWith('#')) out = `\\${out}`;
  if (out.endsWith(' ') && !out.endsWith('\\ ')) out = `${out.slice(0, -1)}\\ `;
  return out;
}

/** X509_NAME_oneline: bytes outside printable ASCII as \xHH (of the UTF-8 encoding). */
function escapeOneline(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    out +=
      byte < 0x20 || byte > 0x7e
        ? `\\x${byte.toString(16).toUpperCase().padStart(2, '0')}`
        : String.fromCharCode(byte);
  }
  return out;
}

/** RFC 4514 string: last RDN first, `,` between RDNs, `+` inside one: `CN=u,OU=Users,O=Org,C=XX`. */
export function formatDN(rdns: readonly (readonly DNAttribute[])[], equals: EqualsSign = 'escape'): string {
  return [...rdns]
    .reverse()
    .map((rdn) =>
      rdn
        .map((a) => `${rfc4514TypeName(a.type)}=${a.binary ? a.value : escapeDNValue(a.value, equals)}`)
        .join('+'),
    )
    .join(',');
}

/** OpenSSL X509_NAME_oneline() form `/C=XX/O=Org/CN=name` (signing_policy files, grid-mapfiles). */
export function formatOneLine(rdns: readonly (readonly DNAttribute[])[]): string {
  return rdns
    .map((rdn) => `/${rdn.map((a) => `${opensslTypeName(a.type)}=${escapeOneline(a.value)}`).join('+')}`)
    .join('');
}

/**
 * The subject of a user's certificate: `baseDN` plus one RDN `CN=<username>`, as an RFC 4514 string
 * (the user name escaped, so `a,O=Evil` stays one CN value).
 */
export function userSubjectDN(baseDN: string, username: string): string {
  if (username === '') throw new DNSyntaxError('empty user name');
  return formatDN([...parseDN(baseDN), [{ type: OID_COMMON_NAME, value: username }]]);
}
