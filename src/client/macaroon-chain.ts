/**
 * The HMAC-SHA256 chain of macaroons (Birgisson et al., NDSS 2014, §II; libmacaroons, pymacaroons):
 * the root key is first derived as `HMAC("macaroons-key-generator", rootKey)`, the identifier is
 * signed with it, and each first-party caveat is signed with the previous signature:
 * `sig_i = HMAC(sig_{i-1}, caveat_i)`. Whoever holds a macaroon can add caveats (the signature is the
 * key of the next step) but cannot remove one, and only the holder of the root key can check the end
 * value. Pure; no server code.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { MACAROON_MAX_CAVEATS, type Macaroon, MacaroonFormatError } from './macaroon-codec.js';

const KEY_GENERATOR = Buffer.from('macaroons-key-generator', 'utf8');

const hmac = (key: Uint8Array, data: Uint8Array): Buffer => createHmac('sha256', key).update(data).digest();

/** The key actually used to sign the identifier (libmacaroons' and pymacaroons' derivation). */
export function deriveMacaroonKey(rootKey: Uint8Array): Buffer {
  return hmac(KEY_GENERATOR, rootKey);
}

/**
 * The signature of a macaroon with `identifier` and the first-party caveat ids `caveats`, from a
 * root key.
 *
 * @example
 * const signature = macaroonSignature(rootKey, identifier, [Buffer.from('time < 2030-01-01T00:00:00Z')]);
 */
export function macaroonSignature(
  rootKey: Uint8Array,
  identifier: Uint8Array,
  caveats: readonly Uint8Array[],
): Buffer {
  let signature = hmac(deriveMacaroonKey(rootKey), identifier);
  for (const caveat of caveats) signature = hmac(signature, caveat);
  return signature;
}

/**
 * Whether `m` was minted with `rootKey` and carries only first-party caveats (constant-time
 * comparison). Third-party caveats are not handled: such a macaroon is never valid here.
 *
 * @example
 * if (!verifyMacaroonSignature(m, rootKey)) throw new Error('forged or tampered');
 */
export function verifyMacaroonSignature(m: Macaroon, rootKey: Uint8Array): boolean {
  if (m.caveats.some((c) => c.verificationId !== undefined)) return false;
  const expected = macaroonSignature(
    rootKey,
    m.identifier,
    m.caveats.map((c) => c.id),
  );
  return expected.length === m.signature.length && timingSafeEqual(expected, m.signature);
}

/**
 * A new macaroon: `m` narrowed by one more first-party caveat (the predicate, UTF-8). No key is
 * needed. `m` is not changed.
 *
 * @example
 * const narrowed = addFirstPartyCaveat(decodeMacaroon(token), 'process = subset');
 */
export function addFirstPartyCaveat(m: Macaroon, predicate: string): Macaroon {
  if (m.caveats.length >= MACAROON_MAX_CAVEATS) {
    throw new MacaroonFormatError(`a macaroon holds at most ${MACAROON_MAX_CAVEATS} caveats`);
  }
  const id = Buffer.from(predicate, 'utf8');
  return { ...m, caveats: [...m.caveats, { id }], signature: hmac(m.signature, id) };
}

/**
 * A new macaroon minted with `rootKey` (no caveats yet).
 *
 * @example
 * const m = mintMacaroon(rootKey, 'https://twitcher.example.org', Buffer.from('{"kid":"k1",…}'));
 */
export function mintMacaroon(rootKey: Uint8Array, location: string, identifier: Uint8Array): Macaroon {
  const id = Buffer.from(identifier);
  return { version: 2, location, identifier: id, caveats: [], signature: macaroonSignature(rootKey, id, []) };
}
