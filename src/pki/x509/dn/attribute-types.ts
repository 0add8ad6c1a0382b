/**
 * The names of attribute types, in one table: how RFC 4514 strings print them (RFC 4514 §3 and the
 * RFC 4519 descriptors grid certificates use), how OpenSSL's one-line form prints them (its short
 * names, as X509_NAME_oneline does), and which names a configured DN may use (case-insensitive).
 */
import {
  OID_COMMON_NAME,
  OID_COUNTRY_NAME,
  OID_DOMAIN_COMPONENT,
  OID_EMAIL_ADDRESS,
  OID_GENERATION_QUALIFIER,
  OID_GIVEN_NAME,
  OID_INITIALS,
  OID_LOCALITY_NAME,
  OID_ORGANIZATION_NAME,
  OID_ORGANIZATIONAL_UNIT_NAME,
  OID_SERIAL_NUMBER,
  OID_STATE_OR_PROVINCE_NAME,
  OID_STREET_ADDRESS,
  OID_SURNAME,
  OID_TITLE,
  OID_USER_ID,
} from '../oids.js';

// [OID, RFC 4514 name, OpenSSL short name, other names accepted when parsing]
const TYPES: ReadonlyArray<readonly [oid: string, rfc4514: string, openssl: string, ...aliases: string[]]> = [
  [OID_COMMON_NAME, 'CN', 'CN'],
  [OID_LOCALITY_NAME, 'L', 'L'],
  [OID_STATE_OR_PROVINCE_NAME, 'ST', 'ST'],
  [OID_ORGANIZATION_NAME, 'O', 'O'],
  [OID_ORGANIZATIONAL_UNIT_NAME, 'OU', 'OU'],
  [OID_COUNTRY_NAME, 'C', 'C'],
  [OID_STREET_ADDRESS, 'STREET', 'street'],
  [OID_DOMAIN_COMPONENT, 'DC', 'DC'],
  [OID_USER_ID, 'UID', 'UID'],
  [OID_SERIAL_NUMBER, 'serialNumber', 'serialNumber'],
  [OID_SURNAME, 'SN', 'SN'],
  [OID_GIVEN_NAME, 'givenName', 'GN'],
  [OID_INITIALS, 'initials', 'initials'],
  [OID_TITLE, 'title', 'title'],
  [OID_GENERATION_QUALIFIER, 'generationQualifier', 'generationQualifier'],
  [OID_EMAIL_ADDRESS, 'emailAddress', 'emailAddress', 'E'],
];

const RFC4514 = new Map(TYPES.map(([oid, name]) => [oid, name]));
const OPENSSL = new Map(TYPES.map(([oid, , name]) => [oid, name]));
const BY_NAME = new Map(
  TYPES.flatMap(([oid, ...names]) => names.map((n) => [n.toLowerCase(), oid] as const)),
);

/** The RFC 4514 name of an attribute type, or its dotted OID. */
export const rfc4514TypeName = (oid: string): string => RFC4514.get(oid) ?? oid;

/** OpenSSL's short name of an attribute type, or its dotted OID. */
export const opensslTypeName = (oid: string): string => OPENSSL.get(oid) ?? oid;

/** The OID of an attribute type name (any case), or undefined. */
export const attributeTypeOid = (name: string): string | undefined => BY_NAME.get(name.toLowerCase());
