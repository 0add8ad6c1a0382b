import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  addFirstPartyCaveat,
  macaroonSignature,
  mintMacaroon,
  verifyMacaroonSignature,
} from '../../../src/client/macaroon-chain.js';
import {
  decodeMacaroon,
  encodeMacaroon,
  looksLikeMacaroon,
  MACAROON_MAX_CAVEATS,
  type Macaroon,
  MacaroonFormatError,
} from '../../../src/client/macaroon-codec.js';

// The example of libmacaroons' README, as pymacaroons 0.13 (Debian 12) serialises it.
const KEY = Buffer.from('this is our super secret key; only we should know it');
const PY_V1 =
  'MDAxY2xvY2F0aW9uIGh0dHA6Ly9teWJhbmsvCjAwMjZpZGVudGlmaWVyIHdlIHVzZWQgb3VyIHNlY3JldCBrZXkKMDAxZGNpZCBhY2NvdW50ID0gMzczNTkyODU1OQowMDJmc2lnbmF0dXJlIB7-R2PykNvODB0IR3Nn4R9O7kVqZJM89mLXl3LbuCEoCg';
const PY_V2 =
  'AgEOaHR0cDovL215YmFuay8CFndlIHVzZWQgb3VyIHNlY3JldCBrZXkAAhRhY2NvdW50ID0gMzczNTkyODU1OQAABiAe_kdj8pDbzgwdCEdzZ-EfTu5FamSTPPZi15dy27ghKA';
const SIG0 = 'e3d9e02908526c4c0039ae15114115d97fdd68bf2ba379b342aaf0f617d0552f';
const SIG1 = '1efe4763f290dbce0c1d08477367e11f4eee456a64933cf662d79772dbb82128';

function sample(): Macaroon {
  let m = mintMacaroon(KEY, 'http://mybank/', Buffer.from('we used our secret key'));
  m = addFirstPartyCaveat(m, 'account = 3735928559');
  return m;
}

function rejects(token: string, why?: RegExp) {
  assert.throws(
    () => decodeMacaroon(token),
    (err: unknown) => {
      assert.ok(err instanceof MacaroonFormatError, `not a MacaroonFormatError: ${String(err)}`);
      if (why) assert.match(err.message, why);
      return true;
    },
  );
}

/** A v2 macaroon assembled by hand from raw bytes (base64url). */
const raw = (...bytes: (number | string)[]) =>
  Buffer.concat(bytes.map((b) => (typeof b === 'number' ? Buffer.from([b]) : Buffer.from(b)))).toString(
    'base64url',
  );
const SIG = 'x'.repeat(32);

describe('macaroon HMAC chain', () => {
  test('the libmacaroons README vector: the key derivation and a first-party caveat', () => {
    assert.equal(macaroonSignature(KEY, Buffer.from('we used our secret key'), []).toString('hex'), SIG0);
    assert.equal(sample().signature.toString('hex'), SIG1);
    assert.ok(verifyMacaroonSignature(sample(), KEY));
  });

  test('denied: another key, a changed identifier, a removed or changed caveat', () => {
    const m = sample();
    assert.equal(verifyMacaroonSignature(m, Buffer.from('another key, just as long and secret..')), false);
    assert.equal(
      verifyMacaroonSignature({ ...m, identifier: Buffer.from('we used our Secret key') }, KEY),
      false,
    );
    assert.equal(verifyMacaroonSignature({ ...m, caveats: [] }, KEY), false);
    assert.equal(
      verifyMacaroonSignature({ ...m, caveats: [{ id: Buffer.from('account = 1') }] }, KEY),
      false,
    );
    const thirdParty = {
      ...m,
      caveats: [{ id: Buffer.from('x'), verificationId: Buffer.from('v'), location: 'l' }],
    };
    assert.equal(verifyMacaroonSignature(thirdParty, KEY), false);
  });
});

describe('macaroon codec', () => {
  test('reads what pymacaroons writes, v1 and v2', () => {
    for (const [token, version] of [
      [PY_V1, 1],
      [PY_V2, 2],
    ] as const) {
      const m = decodeMacaroon(token);
      assert.equal(m.version, version);
      assert.equal(m.location, 'http://mybank/');
      assert.equal(m.identifier.toString(), 'we used our secret key');
      assert.deepEqual(
        m.caveats.map((c) => c.id.toString()),
        ['account = 3735928559'],
      );
      assert.equal(m.signature.toString('hex'), SIG1);
      assert.ok(verifyMacaroonSignature(m, KEY));
    }
  });

  test('writes v2 as pymacaroons does, and v1 back in v1', () => {
    assert.equal(encodeMacaroon(sample()), PY_V2);
    assert.equal(encodeMacaroon(decodeMacaroon(PY_V1)), PY_V1);
  });

  test('round trip: binary identifiers and caveats, no location, padded and standard base64', () => {
    let m = mintMacaroon(KEY, '', randomBytes(40));
    for (let i = 0; i < 10; i++) m = addFirstPartyCaveat(m, `n = ${i} ${'é'.repeat(i * 20)}`);
    for (const version of [1, 2] as const) {
      const token = encodeMacaroon({ ...m, version });
      const back = decodeMacaroon(token);
      assert.deepEqual(back, { ...m, version });
      const standard = Buffer.from(token, 'base64url').toString('base64');
      assert.deepEqual(decodeMacaroon(standard), back);
    }
  });

  test('a caveat adds the HMAC of the previous signature, the macaroon given is unchanged', () => {
    const m = sample();
    const narrowed = addFirstPartyCaveat(m, 'time < 2030-01-01T00:00:00Z');
    assert.equal(m.caveats.length, 1);
    assert.equal(narrowed.caveats.length, 2);
    assert.ok(verifyMacaroonSignature(narrowed, KEY));
  });

  test('looksLikeMacaroon: v1 and v2 macaroons yes; JWTs, tw_ random tokens and junk never', () => {
    assert.ok(looksLikeMacaroon(PY_V1));
    assert.ok(looksLikeMacaroon(PY_V2));
    assert.ok(looksLikeMacaroon(encodeMacaroon(mintMacaroon(KEY, '', Buffer.from('id')))));
    for (let i = 0; i < 2000; i++) {
      assert.equal(looksLikeMacaroon(`tw_${randomBytes(32).toString('base64url')}`), false);
      const jwt = `eyJ${randomBytes(30).toString('base64url')}.eyJ${randomBytes(60).toString('base64url')}.sig`;
      assert.equal(looksLikeMacaroon(jwt), false);
    }
    for (const junk of [
      '',
      'Ag',
      'AgEO',
      'Bearer x',
      'eyJhbGciOiJIUzI1NiJ9',
      '!!!!!!!!!!',
      'AwEOaHR0cDovL215',
    ]) {
      assert.equal(looksLikeMacaroon(junk), false, junk);
    }
  });

  test('bad input: truncated at every length, never a crash', () => {
    for (const token of [PY_V1, PY_V2]) {
      const bytes = Buffer.from(token, 'base64url');
      for (let n = 0; n < bytes.length; n++) rejects(bytes.subarray(0, n).toString('base64url'));
    }
  });

  test('bad input: random bytes and random mutations are refused or read, never a crash', () => {
    const base = Buffer.from(PY_V2, 'base64url');
    for (let i = 0; i < 3000; i++) {
      const bytes = i % 2 === 0 ? randomBytes(1 + (i % 200)) : Buffer.from(base);
      if (i % 2 === 1)
        for (let k = 0; k < 3; k++) bytes[(i * 7 + k * 13) % bytes.length] = randomBytes(1)[0]!;
      if (i % 4 === 0) bytes[0] = 2;
      try {
        const m = decodeMacaroon(bytes.toString('base64url'));
        assert.equal(m.signature.length, 32);
      } catch (err) {
        assert.ok(err instanceof MacaroonFormatError, String(err));
      }
    }
  });

  test('bad input: wrong version, not base64, trailing data, bad fields', () => {
    rejects('', /empty/);
    rejects('AgEO!!!', /base64/);
    rejects('A', /base64/);
    rejects(raw(3, 2, 2, 'id', 0, 0, 6, 32, SIG), /version/);
    rejects(raw(0, 2, 2, 'id', 0, 0, 6, 32, SIG), /version/);
    rejects(raw(2, 2, 2, 'id', 0, 0, 6, 32, SIG, 0), /trailing/);
    rejects(raw(2, 2, 2, 'id', 0, 0, 6, 31, SIG.slice(1)), /signature/);
    rejects(raw(2, 2, 2, 'id', 0, 0), /truncated/);
    rejects(raw(2, 2, 2, 'id', 1, 3, 'loc', 0, 0, 6, 32, SIG), /order/);
    rejects(raw(2, 1, 0, 0, 0, 6, 32, SIG), /header/);
    rejects(raw(2, 2, 2, 'id', 3, 1, 'x', 0, 0, 6, 32, SIG), /unknown field/);
    rejects(raw(2, 2, 2, 'id', 0, 1, 1, 'l', 2, 1, 'c', 0, 0, 6, 32, SIG), /first-party/);
    rejects(raw(2, 2, 2, 'id', 0, 4, 1, 'v', 0, 0, 6, 32, SIG), /without identifier/);
    rejects(raw(2, 2, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01), /varint|past the end/);
    rejects(raw(2, 2, 0x7f, 'short', 0, 0, 6, 32, SIG), /past the end/);
    rejects(raw(2, 2, 2, 'id', 0, 0, 7, 32, SIG), /unknown field|no signature/);
    rejects(raw(2, 1, 2, 0xff, 0xfe, 2, 2, 'id', 0, 0, 6, 32, SIG), /UTF-8/);
    // v1: a packet length that would loop, a missing signature, junk after it
    rejects(raw('0000'), /packet length/);
    rejects(raw('0003x \n'), /packet length/);
    rejects(raw('000flocation x\n0011identifier y\n'), /unexpected|signature/);
    rejects(raw('000flocation x\n0011identifier y\n002fsignature ', SIG, '\n', '000acid x\n'), /unexpected/);
  });

  test('huge: more than 64 caveats, or more than 6 KiB, refused; adding the 65th refused', () => {
    let m = mintMacaroon(KEY, '', Buffer.from('id'));
    for (let i = 0; i < MACAROON_MAX_CAVEATS; i++) m = addFirstPartyCaveat(m, `c${i}`);
    assert.equal(decodeMacaroon(encodeMacaroon(m)).caveats.length, MACAROON_MAX_CAVEATS);
    assert.throws(() => addFirstPartyCaveat(m, 'one more'), MacaroonFormatError);
    const bytes = Buffer.from(encodeMacaroon(m), 'base64url');
    // splice a 65th caveat section in before the end-of-caveats byte
    const at = bytes.length - 35;
    assert.equal(bytes[at], 0);
    const spliced = Buffer.concat([bytes.subarray(0, at), Buffer.from([2, 1, 0x78, 0]), bytes.subarray(at)]);
    rejects(spliced.toString('base64url'), /more than 64 caveats/);
    rejects(Buffer.alloc(7000, 1).toString('base64url'), /larger than/);
  });
});
