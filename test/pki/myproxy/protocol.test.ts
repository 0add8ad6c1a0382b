/**
 * The MyProxy client's protocol handling against a scripted TLS server (edge cases a real server
 * does not produce on demand), and the pure protocol functions.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { once } from 'node:events';
import { before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import { TwitcherError } from '../../../src/errors.js';
import {
  basicConstraintsExtension,
  type Extension,
  extKeyUsageExtension,
  KU,
  keyUsageExtension,
  signatureSchemeFor,
  signCertificate,
} from '../../../src/pki/ca/certificate.js';
import { parseCertificateRequestDER } from '../../../src/pki/ca/csr.js';
import { myproxyGetTrustRoots, myproxyLogon } from '../../../src/pki/myproxy/index.js';
import {
  buildGetRequest,
  checkPassphrase,
  checkUsername,
  derElementLength,
  parseResponse,
  responseError,
} from '../../../src/pki/myproxy/protocol.js';
import { encodeOid, octetString, seq } from '../../../src/pki/x509/der.js';
import { encodeDN } from '../../../src/pki/x509/dn/index.js';
import { toPEM } from '../../../src/pki/x509/pem.js';

// ------------------------------------------------------------------------------ test PKI

interface Issued {
  der: Buffer;
  pem: string;
  key: KeyObject;
}
let serial = 100n;

function makeCert(opts: {
  subject: string;
  issuer?: Issued & { subject: Buffer };
  spki?: Buffer;
  ca?: boolean;
  extensions?: Extension[];
}): Issued & { subject: Buffer } {
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const subject = encodeDN(opts.subject);
  const signer = opts.issuer?.key ?? pair.privateKey;
  const spki = opts.spki ?? pair.publicKey.export({ type: 'spki', format: 'der' });
  const now = Date.now();
  const fields = {
    serial: serial++,
    issuer: opts.issuer?.subject ?? subject,
    subject,
    spki,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 3600_000),
    extensions: opts.extensions ?? [
      basicConstraintsExtension(opts.ca ?? false),
      ...(opts.ca ? [keyUsageExtension([KU.keyCertSign])] : [extKeyUsageExtension(['1.3.6.1.5.5.7.3.1'])]),
    ],
  };
  const der = signCertificate(fields, signer, signatureSchemeFor(signer));
  return { der, pem: toPEM(der), key: pair.privateKey, subject };
}

const ca = makeCert({ subject: 'CN=Fake MyProxy CA,O=Test', ca: true });
const otherCA = makeCert({ subject: 'CN=Other CA,O=Test', ca: true });
const hostCert = makeCert({ subject: 'CN=host/localhost,O=Test', issuer: ca }); // no SAN, grid style
const plainCert = makeCert({ subject: 'CN=localhost,O=Test', issuer: ca });
const strangerCert = makeCert({ subject: 'CN=elsewhere.example,O=Test', issuer: ca });
const untrustedCert = makeCert({ subject: 'CN=localhost,O=Test', issuer: otherCA });

const userKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
/** A minimal PKCS #10 request signed by userKey. */
function makeCSR(): Buffer {
  const spki = userKey.publicKey.export({ type: 'spki', format: 'der' });
  const cri = seq(Buffer.from([0x02, 0x01, 0x00]), encodeDN('CN=ignored'), spki, Buffer.from([0xa0, 0x00]));
  const alg = seq(encodeOid('1.2.840.113549.1.1.11'), Buffer.from([0x05, 0x00]));
  const sig = sign('sha256', cri, userKey.privateKey);
  return seq(
    cri,
    alg,
    Buffer.concat([Buffer.from([0x03, 0x82, (sig.length + 1) >> 8, (sig.length + 1) & 0xff, 0]), sig]),
  );
}
const csrDER = makeCSR();
const csrSpki = parseCertificateRequestDER(csrDER).spki;

// ------------------------------------------------------------------------------ scripted server

interface Exchange {
  /** Raw chunks as received (each 'data' event). */
  chunks: Buffer[];
  request: string;
}

type Script = (io: ServerIO) => Promise<void>;

class ServerIO {
  private buf = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  readonly chunks: Buffer[] = [];
  constructor(readonly socket: TLSSocket) {
    socket.on('data', (d: Buffer) => {
      this.chunks.push(d);
      this.buf = Buffer.concat([this.buf, d]);
      for (const w of this.waiters.splice(0)) w();
    });
    socket.on('error', () => {});
  }
  async need(pred: (b: Buffer) => number | undefined): Promise<Buffer> {
    for (;;) {
      const n = pred(this.buf);
      if (n !== undefined) {
        const out = this.buf.subarray(0, n);
        this.buf = this.buf.subarray(n);
        return out;
      }
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }
  /** '0' then the NUL-terminated request. */
  async readRequest(): Promise<string> {
    await this.need((b) => (b.length >= 1 ? 1 : undefined));
    const req = await this.need((b) => {
      const i = b.indexOf(0);
      return i >= 0 ? i + 1 : undefined;
    });
    return req.subarray(0, -1).toString();
  }
  async readCSR(): Promise<Buffer> {
    return this.need((b) => {
      const n = derElementLength(b);
      return n !== undefined && b.length >= n ? n : undefined;
    });
  }
  write(data: Buffer | string): void {
    this.socket.write(data);
  }
}

const OK = 'VERSION=MYPROXYv2\nRESPONSE=0\n\0';
const issueFor = (spki: Buffer) => makeCert({ subject: 'CN=user,O=Test', issuer: ca, spki }).der;

async function withServer(
  script: Script,
  fn: (port: number, exchanges: Exchange[]) => Promise<void>,
  cert: Issued = plainCert,
): Promise<void> {
  const exchanges: Exchange[] = [];
  const server: Server = createServer(
    { key: cert.key.export({ type: 'pkcs8', format: 'pem' }), cert: cert.pem, minVersion: 'TLSv1.2' },
    (socket) => {
      const io = new ServerIO(socket);
      const ex: Exchange = { chunks: io.chunks, request: '' };
      exchanges.push(ex);
      script(io)
        .catch(() => {})
        .finally(() => {
          if (!socket.destroyed) socket.end();
        });
    },
  );
  server.on('tlsClientError', () => {});
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  try {
    await fn(port, exchanges);
  } finally {
    server.close();
  }
}

const base = (port: number) => ({
  host: '127.0.0.1',
  port,
  serverName: 'localhost',
  caCerts: [ca.der],
  username: 'alice',
  passphrase: 'alice-pass-1',
  lifetimeSeconds: 3600,
  csrDER,
  timeoutMs: 3000,
});

async function rejectsCode(p: Promise<unknown>, code: string, detail?: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof TwitcherError, String(err));
    assert.equal(err.code, code, `${err.code}: ${err.description} / ${err.detail}`);
    if (detail) assert.match(`${err.description} ${err.detail ?? ''}`, detail);
    return true;
  });
}

/** The normal GET dialogue; `chain` decides what follows the CSR. */
function getScript(
  chain: (io: ServerIO, csr: Buffer) => void | Promise<void>,
  opts: { leadingNuls?: number } = {},
): Script {
  return async (io) => {
    await io.readRequest();
    if (opts.leadingNuls) io.write(Buffer.alloc(opts.leadingNuls)); // TLS 1.3 GSS quirk
    io.write(OK);
    const csr = await io.readCSR();
    await chain(io, csr);
  };
}

// ------------------------------------------------------------------------------ tests

describe('MyProxy protocol functions', () => {
  test('request text', () => {
    assert.equal(
      buildGetRequest({ username: 'alice', passphrase: 'p=1 x', lifetimeSeconds: 43200 }).toString(),
      'VERSION=MYPROXYv2\nCOMMAND=0\nUSERNAME=alice\nPASSPHRASE=p=1 x\nLIFETIME=43200\n\0',
    );
  });
  test('user name and passphrase checks', () => {
    for (const u of ['', 'a\nb', 'a\rb', 'a\0b', 'a=b', 'tab\there', 'x'.repeat(257)]) {
      assert.throws(
        () => checkUsername(u),
        (e: unknown) => e instanceof TwitcherError && e.code === 'invalid_request',
        JSON.stringify(u),
      );
    }
    for (const p of ['a\nb', 'a\rb', 'a\0b', 'xLIFETIME=5', 'CRED_NAME=x', 'x'.repeat(1025)]) {
      assert.throws(
        () => checkPassphrase(p),
        (e: unknown) => e instanceof TwitcherError && e.code === 'invalid_request',
        JSON.stringify(p),
      );
    }
    checkUsername('alice.o-brien@example.org');
    checkPassphrase('p@ss=word 1');
    checkPassphrase('');
    assert.throws(() => buildGetRequest({ username: 'a', passphrase: 'b', lifetimeSeconds: 0 }), /lifetime/);
  });
  test('response parsing and error classification', () => {
    const r = parseResponse(
      'VERSION=MYPROXYv2\nRESPONSE=1\nERROR=Bad password\nERROR=invalid credential passphrase\n',
    );
    assert.deepEqual(r.errors, ['Bad password', 'invalid credential passphrase']);
    assert.equal(responseError(r, 'GET').code, 'invalid_credentials');
    for (const text of [
      'unknown username: bob',
      'No credentials exist for username "bob".',
      'PAM authentication failed: x',
    ]) {
      assert.equal(
        responseError(parseResponse(`VERSION=MYPROXYv2\nRESPONSE=1\nERROR=${text}\n`), 'GET').code,
        'invalid_credentials',
      );
    }
    const other = responseError(
      parseResponse('VERSION=MYPROXYv2\nRESPONSE=1\nERROR=Unable to sign certificate\n'),
      'x',
    );
    assert.equal(other.code, 'myproxy_failed');
    assert.equal(other.status, 502);
    assert.throws(
      () => parseResponse('HTTP/1.1 400 Bad Request\r\n'),
      (e: unknown) => e instanceof TwitcherError && e.code === 'myproxy_failed',
    );
    assert.throws(() => parseResponse('VERSION=MYPROXYv1\nRESPONSE=0\n'), /unexpected response/);
  });
  test('DER element lengths: short form, 0x81, 0x82, 0x83', () => {
    assert.equal(derElementLength(Buffer.from([0x30, 0x05])), 7);
    assert.equal(derElementLength(Buffer.from([0x30, 0x81, 0xc8])), 3 + 200);
    assert.equal(derElementLength(Buffer.from([0x30, 0x82, 0x03, 0x52])), 4 + 850);
    assert.equal(derElementLength(Buffer.from([0x30, 0x83, 0x01, 0x11, 0x70])), 5 + 70_000);
    assert.equal(derElementLength(Buffer.from([0x30, 0x82, 0x03])), undefined);
    assert.throws(
      () => derElementLength(Buffer.from([0x31, 0x01])),
      (e: TwitcherError) => /SEQUENCE/.test(e.detail ?? ''),
    );
    assert.throws(
      () => derElementLength(Buffer.from([0x30, 0x84, 0, 0, 0, 1])),
      (e: TwitcherError) => /length form/.test(e.detail ?? ''),
    );
  });
});

describe('MyProxy client against a scripted server', () => {
  // a certificate padded to > 65535 bytes (0x83 length) and a small one (0x81 length)
  let big: Buffer;
  let small: Buffer;
  before(() => {
    big = makeCert({
      subject: 'CN=big,O=Test',
      issuer: ca,
      extensions: [
        { oid: '1.3.6.1.4.1.99999.1', critical: false, value: octetString(Buffer.alloc(70_000, 0x41)) },
      ],
    }).der;
    assert.equal(big[1], 0x83);
    // a raw SEQUENCE of 200 bytes stands in for a tiny certificate at the framing level only
    small = Buffer.concat([Buffer.from([0x30, 0x81, 0xc8]), Buffer.alloc(200)]);
  });

  test('GET: leading NULs skipped, "0" sent as its own record, 3 certificates with 0x82 and 0x83 lengths', async () => {
    let chain: Buffer[] = [];
    await withServer(
      getScript(
        async (io, csr) => {
          chain = [issueFor(parseCertificateRequestDER(csr).spki), big, ca.der];
          // count byte + certificates + final response, split at odd places
          const all = Buffer.concat([Buffer.from([3]), ...chain, Buffer.from(OK)]);
          io.write(all.subarray(0, 5));
          await new Promise((r) => setTimeout(r, 20));
          io.write(all.subarray(5));
        },
        { leadingNuls: 3 },
      ),
      async (port, exchanges) => {
        const certs = await myproxyLogon(base(port));
        assert.equal(certs.length, 3);
        assert.deepEqual(certs, chain);
        assert.deepEqual(exchanges[0]?.chunks[0], Buffer.from('0'), 'the delegation flag arrives alone');
        assert.match(
          exchanges[0]?.chunks[1]?.toString() ?? '',
          /^VERSION=MYPROXYv2\nCOMMAND=0\nUSERNAME=alice\n/,
        );
      },
    );
  });

  test('0x81 framing is read (then refused: not a certificate)', async () => {
    await withServer(
      getScript((io, csr) => {
        io.write(
          Buffer.concat([
            Buffer.from([2]),
            issueFor(parseCertificateRequestDER(csr).spki),
            small,
            Buffer.from(OK),
          ]),
        );
      }),
      (port) =>
        rejectsCode(myproxyLogon(base(port)), 'myproxy_failed', /certificate 1 of the chain does not parse/),
    );
  });

  test('an error message instead of the chain (first byte V)', async () => {
    await withServer(
      getScript((io) => io.write('VERSION=MYPROXYv2\nRESPONSE=1\nERROR=Unable to sign the request\n\0')),
      (port) => rejectsCode(myproxyLogon(base(port)), 'myproxy_failed', /Unable to sign/),
    );
  });

  test('RESPONSE=1 to GET: credentials vs other errors', async () => {
    const answer =
      (text: string): Script =>
      async (io) => {
        await io.readRequest();
        io.write(`VERSION=MYPROXYv2\nRESPONSE=1\nERROR=${text}\n\0`);
      };
    await withServer(answer('Bad password'), (port) =>
      rejectsCode(myproxyLogon(base(port)), 'invalid_credentials'),
    );
    await withServer(answer('Credentials locked'), (port) =>
      rejectsCode(myproxyLogon(base(port)), 'myproxy_failed', /locked/),
    );
  });

  test('count 0, wrong public key, missing final response, early close', async () => {
    await withServer(
      getScript((io) => io.write(Buffer.concat([Buffer.from([0]), Buffer.from(OK)]))),
      (port) => rejectsCode(myproxyLogon(base(port)), 'myproxy_failed', /count 0/),
    );
    await withServer(
      getScript((io) => io.write(Buffer.concat([Buffer.from([1]), hostCert.der, Buffer.from(OK)]))),
      (port) => rejectsCode(myproxyLogon(base(port)), 'myproxy_failed', /not for the public key/),
    );
    await withServer(
      getScript((io) => io.write(Buffer.concat([Buffer.from([1]), issueFor(csrSpki)]))),
      (port) =>
        rejectsCode(
          myproxyLogon(base(port)),
          'myproxy_failed',
          /closed while waiting for the final response/,
        ),
    );
    await withServer(
      async (io) => {
        await io.readRequest();
      },
      (port) => rejectsCode(myproxyLogon(base(port)), 'myproxy_failed', /closed/),
    );
  });

  test('a silent server: upstream_timeout within timeoutMs', async () => {
    await withServer(
      async (io) => {
        await io.readRequest();
        // silent until the client gives up; bounded: after 10 s the server closes, and the client
        // would then report "closed" (myproxy_failed), failing the test
        await Promise.race([once(io.socket, 'close'), delay(10_000, undefined, { ref: false })]);
      },
      // only the client's 300 ms bound can end the exchange: upstream_timeout
      (port) => rejectsCode(myproxyLogon({ ...base(port), timeoutMs: 300 }), 'upstream_timeout'),
    );
  });

  test('server identity: CN=host/<name> without SAN accepted; other names and untrusted CAs refused', async () => {
    const ok = getScript((io, csr) =>
      io.write(
        Buffer.concat([Buffer.from([1]), issueFor(parseCertificateRequestDER(csr).spki), Buffer.from(OK)]),
      ),
    );
    await withServer(ok, async (port) => assert.equal((await myproxyLogon(base(port))).length, 1), hostCert);
    await withServer(
      ok,
      (port) => rejectsCode(myproxyLogon(base(port)), 'myproxy_failed', /identity check failed/),
      strangerCert,
    );
    await withServer(
      ok,
      async (port) =>
        assert.equal(
          (await myproxyLogon({ ...base(port), serverDN: '/O=Test/CN=elsewhere.example' })).length,
          1,
        ),
      strangerCert,
    );
    await withServer(
      ok,
      (port) => rejectsCode(myproxyLogon(base(port)), 'myproxy_failed', /not trusted/),
      untrustedCert,
    );
  });

  test('trust roots: parsed; unsafe file names refused', async () => {
    const b64 = Buffer.from(ca.pem).toString('base64');
    const roots =
      (names: string): Script =>
      async (io) => {
        const req = await io.readRequest();
        assert.match(req, /COMMAND=7\n/);
        io.write(Buffer.alloc(1));
        const files = names.split(',').map((n) => `FILEDATA_${n}=${b64}\n`);
        io.write(`VERSION=MYPROXYv2\nRESPONSE=0\nTRUSTED_CERTS=${names}\n${files.join('')}\0`);
      };
    await withServer(roots('abcd1234.0,abcd1234.signing_policy'), async (port) => {
      const files = await myproxyGetTrustRoots(base(port));
      assert.deepEqual(
        files.map((f) => f.name),
        ['abcd1234.0', 'abcd1234.signing_policy'],
      );
      assert.equal(files[0]?.data.toString(), ca.pem);
    });
    await withServer(roots('../../etc/passwd'), (port) =>
      rejectsCode(myproxyGetTrustRoots(base(port)), 'myproxy_failed', /unsafe trust root file name/),
    );
  });

  test('response size bound', async () => {
    await withServer(
      async (io) => {
        await io.readRequest();
        io.write(`VERSION=MYPROXYv2\nRESPONSE=0\nTRUSTED_CERTS=a.0\nFILEDATA_a.0=${'A'.repeat(200_000)}\n\0`);
      },
      (port) =>
        rejectsCode(
          myproxyGetTrustRoots({ ...base(port), maxResponseBytes: 100_000 }),
          'myproxy_failed',
          /larger than/,
        ),
    );
  });
});
