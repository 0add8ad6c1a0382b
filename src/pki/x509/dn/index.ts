/**
 * Distinguished names, in one module: parsing and printing (text.ts), the one canonical key for
 * comparing names and finding users (key.ts), names of certificates (name.ts), and DER names with
 * OpenSSL's subject hash (der.ts). Import from here.
 */
export { encodeDN, encodeName, nameFromDER, opensslNameHash, sameOpenSSLName } from './der.js';
export { dnKey, type KeyableName, keyOf, rdnKey, tryDNKey } from './key.js';
export {
  appendedCommonName,
  type DistinguishedName,
  distinguishedName,
  distinguishedNameOf,
  sameName,
} from './name.js';
export {
  type DNAttribute,
  type DNAttributes,
  DNSyntaxError,
  escapeDNValue,
  formatDN,
  formatOneLine,
  parseDN,
  userSubjectDN,
} from './text.js';
