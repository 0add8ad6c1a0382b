/**
 * The files of the keys Twitcher generates under `token.keyDir` when none is configured. Apart from
 * the code that reads them, so that the token service can see whether they exist without loading
 * the JWT libraries.
 */
export const GENERATED_KEY_FILE = 'token-signing-key.pem';
export const GENERATED_CERT_FILE = 'token-signing-cert.pem';
export const GENERATED_MACAROON_KEY_FILE = 'macaroon-root-key.json';
