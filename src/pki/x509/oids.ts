/**
 * The object identifiers of pki/, in one table: the validator's, the CSR parser's and the online CA's.
 * The names of the attribute types are in dn/attribute-types.ts.
 */

// Attribute types of names (RFC 4519, RFC 4524, PKCS #9)
export const OID_COMMON_NAME = '2.5.4.3';
export const OID_SURNAME = '2.5.4.4';
export const OID_SERIAL_NUMBER = '2.5.4.5';
export const OID_COUNTRY_NAME = '2.5.4.6';
export const OID_LOCALITY_NAME = '2.5.4.7';
export const OID_STATE_OR_PROVINCE_NAME = '2.5.4.8';
export const OID_STREET_ADDRESS = '2.5.4.9';
export const OID_ORGANIZATION_NAME = '2.5.4.10';
export const OID_ORGANIZATIONAL_UNIT_NAME = '2.5.4.11';
export const OID_TITLE = '2.5.4.12';
export const OID_GIVEN_NAME = '2.5.4.42';
export const OID_INITIALS = '2.5.4.43';
export const OID_GENERATION_QUALIFIER = '2.5.4.44';
export const OID_DOMAIN_COMPONENT = '0.9.2342.19200300.100.1.25';
export const OID_USER_ID = '0.9.2342.19200300.100.1.1';
export const OID_EMAIL_ADDRESS = '1.2.840.113549.1.9.1';

// RFC 5280 §4.2.1 standard extensions
export const OID_SUBJECT_KEY_IDENTIFIER = '2.5.29.14';
export const OID_KEY_USAGE = '2.5.29.15';
export const OID_SUBJECT_ALT_NAME = '2.5.29.17';
export const OID_ISSUER_ALT_NAME = '2.5.29.18';
export const OID_BASIC_CONSTRAINTS = '2.5.29.19';
export const OID_CERTIFICATE_POLICIES = '2.5.29.32';
export const OID_AUTHORITY_KEY_IDENTIFIER = '2.5.29.35';
export const OID_EXT_KEY_USAGE = '2.5.29.37';
// named only in refusal messages (ca/csr.ts)
export const OID_NAME_CONSTRAINTS = '2.5.29.30';
export const OID_CRL_DISTRIBUTION_POINTS = '2.5.29.31';
export const OID_POLICY_MAPPINGS = '2.5.29.33';
export const OID_POLICY_CONSTRAINTS = '2.5.29.36';
export const OID_INHIBIT_ANY_POLICY = '2.5.29.54';
export const OID_AUTHORITY_INFO_ACCESS = '1.3.6.1.5.5.7.1.1';

// RFC 5280 §4.2.1.12 key purposes
export const OID_KP_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
export const OID_ANY_EXTENDED_KEY_USAGE = '2.5.29.37.0';

// RFC 3820 §3.8 proxyCertInfo and §3.8 / §6 policy languages
export const OID_PROXY_CERT_INFO = '1.3.6.1.5.5.7.1.14';
export const OID_PPL_ANY_LANGUAGE = '1.3.6.1.5.5.7.21.0';
export const OID_PPL_INHERIT_ALL = '1.3.6.1.5.5.7.21.1';
export const OID_PPL_INDEPENDENT = '1.3.6.1.5.5.7.21.2';
// Globus: the "limited proxy" policy language, and the GSI-3 draft proxyCertInfo (pre-RFC 3820)
export const OID_GLOBUS_LIMITED_PROXY = '1.3.6.1.4.1.3536.1.1.1.9';
export const OID_GSI3_PROXY_CERT_INFO = '1.3.6.1.4.1.3536.1.222';

/**
 * Extensions this validator understands. RFC 5280 §4.2: a certificate with a critical extension that
 * is not in this set is refused. certificatePolicies is recognised without policy processing, which
 * RFC 5280 §6.1 permits with initial-policy-set = anyPolicy and no explicit policy required; the
 * policy constraint extensions (policyConstraints, inhibitAnyPolicy, policyMappings) and
 * nameConstraints are NOT processed and so refuse a chain when critical: fail closed.
 */
export const RECOGNISED_EXTENSIONS: ReadonlySet<string> = new Set([
  OID_SUBJECT_KEY_IDENTIFIER,
  OID_KEY_USAGE,
  OID_SUBJECT_ALT_NAME,
  OID_ISSUER_ALT_NAME,
  OID_BASIC_CONSTRAINTS,
  OID_CERTIFICATE_POLICIES,
  OID_AUTHORITY_KEY_IDENTIFIER,
  OID_EXT_KEY_USAGE,
  OID_PROXY_CERT_INFO,
  OID_GSI3_PROXY_CERT_INFO,
]);

// RFC 2985 (PKCS #9) attribute of a certification request
export const OID_EXTENSION_REQUEST = '1.2.840.113549.1.9.14';

// Signature algorithms (RFC 3279, RFC 4055, RFC 5758)
export const OID_RSASSA_PSS = '1.2.840.113549.1.1.10';
export const OID_MGF1 = '1.2.840.113549.1.1.8';
export const OID_SHA1_WITH_RSA = '1.2.840.113549.1.1.5';
export const OID_SHA256_WITH_RSA = '1.2.840.113549.1.1.11';
export const OID_SHA384_WITH_RSA = '1.2.840.113549.1.1.12';
export const OID_SHA512_WITH_RSA = '1.2.840.113549.1.1.13';
export const OID_SHA224_WITH_RSA = '1.2.840.113549.1.1.14';
export const OID_ECDSA_SHA1 = '1.2.840.10045.4.1';
export const OID_ECDSA_SHA224 = '1.2.840.10045.4.3.1';
export const OID_ECDSA_SHA256 = '1.2.840.10045.4.3.2';
export const OID_ECDSA_SHA384 = '1.2.840.10045.4.3.3';
export const OID_ECDSA_SHA512 = '1.2.840.10045.4.3.4';

/** Digest algorithms (for RSASSA-PSS parameters), by OID: node:crypto's names. */
export const DIGEST_OIDS: Readonly<Record<string, string>> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.4': 'sha224',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};
