/**
 * `macaroon` tokens (Birgisson et al., NDSS 2014): bearer tokens that their holders can narrow
 * offline by adding first-party caveats (docs/macaroons.md), in the v2 binary form of libmacaroons,
 * base64url. The identifier is JSON `{"v":1,"kid":…,"jti":…,"iat":…,"exp":…,"data":{…}}`: the root
 * key id, the revocation id and expiry (shared by every macaroon narrowed from this one: revoking
 * one revokes them all) and the token data. Twitcher
 * adds `client = …`, `scope = …` and `time < …` at issue; verification checks the format, the
 * location, the HMAC chain with the key named by `kid`, that every caveat is understood, the expiry
 * and the revocation list. The caveats that depend on the request are returned as `restrictions` for
 * the proxy to check (checkRestrictions); no store lookup.
 */
import { randomBytes } from 'node:crypto';
import { addFirstPartyCaveat, mintMacaroon, verifyMacaroonSignature } from '../../client/macaroon-chain.js';
import {
  decodeMacaroon,
  encodeMacaroon,
  looksLikeMacaroon,
  type Macaroon,
  MacaroonFormatError,
} from '../../client/macaroon-codec.js';
import { TwitcherError } from '../../errors.js';
import { CaveatError, type ParsedCaveats, parseCaveats, printableCaveat } from './macaroon-caveats.js';
import { MACAROON_KEY_ID, type MacaroonKeyRing } from './macaroon-keys.js';
import { checkIssueRequest } from './own-claims.js';
import { DEFAULT_CLOCK_TOLERANCE } from './own-jwt.js';
import { assertNotRevoked } from './revocation.js';
import { assertTokenSize } from './token-shape.js';
import type { AccessTokenInfo, Clock, RevocationList, TokenIssuer, TokenVerifier } from './types.js';

/** What Twitcher writes into the identifier (signed by the root key, readable by anyone). */
interface MacaroonIdentifier {
  v: 1;
  kid: string;
  jti: string;
  iat: number;
  exp: number;
  data?: Record<string, string>;
}

export interface MacaroonTokenIssuerOptions {
  keys: MacaroonKeyRing;
  /** The macaroons' location: Twitcher's issuer URL. */
  location: string;
  clock?: Clock;
}

/** A client id or scope that the caveat grammar could not carry back (never for Twitcher's own ids). */
function plain(value: string, what: string): string {
  if (value.trim() !== value || /[,\s\x00-\x1f\x7f]/.test(value))
    throw new TypeError(`${what} "${value}" cannot go into a caveat`);
  return value;
}

export function createMacaroonTokenIssuer(options: MacaroonTokenIssuerOptions): TokenIssuer {
  const { keys, location, clock = Date.now } = options;
  return {
    kind: 'macaroon',
    async issue(request) {
      checkIssueRequest(request);
      const iat = Math.floor(clock() / 1000);
      const exp = iat + request.lifetime;
      const jti = randomBytes(16).toString('base64url');
      const identifier: MacaroonIdentifier = {
        v: 1,
        kid: keys.current.id,
        jti,
        iat,
        exp,
        ...(Object.keys(request.data).length > 0 && { data: { ...request.data } }),
      };
      let m = mintMacaroon(keys.current.key, location, Buffer.from(JSON.stringify(identifier), 'utf8'));
      m = addFirstPartyCaveat(m, `client = ${plain(request.clientId, 'client id')}`);
      m = addFirstPartyCaveat(
        m,
        `scope = ${request.scopes.map((s) => plain(s, 'scope')).join(' ')}`.trimEnd(),
      );
      // the expiry again as a caveat, for the holders and their libraries to see
      m = addFirstPartyCaveat(m, `time < ${new Date(exp * 1000).toISOString()}`);
      return { accessToken: encodeMacaroon(m), expiresIn: request.lifetime, jti };
    },
  };
}

export interface MacaroonTokenVerifierOptions extends MacaroonTokenIssuerOptions {
  revocations: RevocationList;
  /** Seconds of leeway on the identifier's `iat` (issued in the future); default 30. */
  clockTolerance?: number;
}

function invalid(description: string, detail: string): TwitcherError {
  return new TwitcherError('invalid_token', { description, detail });
}

function readIdentifier(bytes: Buffer): MacaroonIdentifier {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    value = undefined;
  }
  const id = value as Partial<MacaroonIdentifier> | undefined;
  const data = id?.data;
  if (
    typeof id !== 'object' ||
    id === null ||
    id.v !== 1 ||
    typeof id.kid !== 'string' ||
    !MACAROON_KEY_ID.test(id.kid) ||
    typeof id.jti !== 'string' ||
    id.jti === '' ||
    !Number.isSafeInteger(id.iat) ||
    !Number.isSafeInteger(id.exp) ||
    (data !== undefined &&
      (typeof data !== 'object' ||
        data === null ||
        Array.isArray(data) ||
        !Object.values(data).every((v) => typeof v === 'string')))
  ) {
    throw invalid('The access token is malformed.', "macaroon identifier is not Twitcher's");
  }
  return id as MacaroonIdentifier;
}

function predicatesOf(m: Macaroon): string[] {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  return m.caveats.map((c) => {
    try {
      return decoder.decode(c.id);
    } catch {
      throw invalid('The access token has a caveat Twitcher does not understand.', 'caveat is not UTF-8');
    }
  });
}

/** The macaroon in `token`, if it is one for `location` with first-party caveats only (not yet verified). */
function decodeFirstParty(token: string, location: string): Macaroon {
  let m: Macaroon;
  try {
    m = decodeMacaroon(token);
  } catch (err) {
    if (!(err instanceof MacaroonFormatError)) throw err;
    throw invalid('The access token is malformed.', `macaroon: ${err.message}`);
  }
  if (m.caveats.some((c) => c.verificationId !== undefined)) {
    throw invalid(
      'The access token has a third-party caveat: Twitcher accepts first-party caveats only.',
      'third-party caveat',
    );
  }
  if (m.location !== location) {
    throw invalid(
      'The access token is for another location.',
      `macaroon location "${printableCaveat(m.location)}", expected ${location}`,
    );
  }
  return m;
}

/** The caveats of an authenticated macaroon; one Twitcher does not understand refuses the token. */
function caveatsOf(m: Macaroon): ParsedCaveats {
  try {
    return parseCaveats(predicatesOf(m));
  } catch (err) {
    if (!(err instanceof CaveatError)) throw err;
    throw invalid(`The access token has a caveat Twitcher does not understand: ${err.message}.`, err.message);
  }
}

/** Verifies Twitcher's macaroons: signature by a known root key, caveats understood and met, not expired or revoked. */
export function createMacaroonTokenVerifier(options: MacaroonTokenVerifierOptions): TokenVerifier {
  const { keys, location, revocations, clock = Date.now } = options;
  const tolerance = options.clockTolerance ?? DEFAULT_CLOCK_TOLERANCE;
  return {
    kind: 'macaroon',
    recognises: looksLikeMacaroon,
    async verify(token): Promise<AccessTokenInfo | undefined> {
      assertTokenSize(token);
      if (!looksLikeMacaroon(token)) return undefined;
      const m = decodeFirstParty(token, location);
      const id = readIdentifier(m.identifier);
      const key = keys.byId.get(id.kid);
      if (!key) {
        throw invalid('The access token was minted with an unknown or retired root key.', `kid ${id.kid}`);
      }
      if (!verifyMacaroonSignature(m, key)) {
        throw invalid("The access token's signature is not valid.", `macaroon jti ${id.jti}`);
      }
      // Authenticated from here on: the caveats are those Twitcher wrote plus those holders added.
      const caveats = caveatsOf(m);
      const clientId = caveats.clientIds?.length === 1 ? caveats.clientIds[0] : undefined;
      if (clientId === undefined || caveats.scopes === undefined) {
        throw invalid(
          'The access token is malformed.',
          `macaroon ${id.jti}: client ${caveats.clientIds?.join(',') ?? 'missing'}, or scope missing`,
        );
      }
      const times = caveats.restrictions.flatMap((r) => (r.kind === 'time' ? [r.before] : []));
      const nowMs = clock();
      const expiresMs = Math.min(id.exp * 1000, ...times);
      if (nowMs >= expiresMs) {
        throw invalid(
          'The access token expired.',
          `macaroon ${id.jti} expired at ${new Date(expiresMs).toISOString()}`,
        );
      }
      if (id.iat > Math.floor(nowMs / 1000) + tolerance) {
        throw invalid('The access token was issued in the future.', `iat ${id.iat}`);
      }
      await assertNotRevoked(revocations, id.jti);
      return {
        kind: 'macaroon',
        jti: id.jti,
        clientId,
        scopes: caveats.scopes,
        issuedAt: id.iat,
        expiresAt: Math.floor(expiresMs / 1000),
        revocableUntil: id.exp,
        issuer: location,
        data: { ...id.data },
        restrictions: caveats.restrictions,
      };
    },
  };
}
