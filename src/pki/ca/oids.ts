/** Object identifiers used by the certificate-request parser and the online CA. */

// RFC 5280 §4.2.1 extensions
export const OID_SUBJECT_KEY_IDENTIFIER = '2.5.29.14';
export const OID_KEY_USAGE = '2.5.29.15';
export const OID_SUBJECT_ALT_NAME = '2.5.29.17';
export const OID_BASIC_CONSTRAINTS = '2.5.29.19';
export const OID_AUTHORITY_KEY_IDENTIFIER = '2.5.29.35';
export const OID_EXT_KEY_USAGE = '2.5.29.37';
export const OID_KP_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

// RFC 2985 (PKCS #9) attributes of a certification request
export const OID_EXTENSION_REQUEST = '1.2.840.113549.1.9.14';
export const OID_CHALLENGE_PASSWORD = '1.2.840.113549.1.9.7';

// Signature algorithms (RFC 3279, RFC 4055, RFC 5758)
export const OID_RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
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

// Digest algorithms (for RSASSA-PSS parameters)
export const DIGEST_OIDS: Readonly<Record<string, string>> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.4': 'sha224',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};
