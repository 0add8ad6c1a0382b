/**
 * A MyProxy v2 client (GCT myproxy PROTOCOL; byte-level notes in shared/reference/myproxy.md §2):
 * `myproxyLogon` (COMMAND=0, GET with a certificate request: works against a stored-credential
 * server, which returns a new RFC 3820 proxy plus the stored chain, and against a MyProxy CA, which
 * returns a new end-entity certificate) and `myproxyGetTrustRoots` (COMMAND=7).
 *
 * The exchange, over TLS 1.2 or 1.3 (the GSI layer of MyProxy is plain TLS underneath):
 *   1. handshake; the server certificate is verified against `caCerts` and checked by
 *      myproxyServerIdentity (host/<name>, myproxy/<name>, <name>, subjectAltName, or `serverDN`);
 *   2. the GSI delegation flag `0` as its own TLS record (one write, awaited), then the request as a
 *      separate write: the server reads the flag as one record and would swallow a request sent with it;
 *   3. responses are NUL-terminated text; NUL bytes before a message are skipped (over TLS 1.3 the
 *      server's GSS layer sends one 0x00 after the handshake);
 *   4. after RESPONSE=0 the DER certificate request goes out; the server answers either an error
 *      message (first byte 'V') or one count byte and that many DER certificates, then a final response.
 * Every call is bounded by `timeoutMs` (connect, handshake and exchange together) and the socket is
 * destroyed on every path.
 *
 * Errors (TwitcherError): refused user name / passphrase / lifetime / request before connecting →
 * `invalid_request`; connection refused, host unknown or unreachable → `upstream_unreachable`;
 * timeout → `upstream_timeout`; the server refused the credentials → `invalid_credentials` (server
 * text in `detail`); untrusted server certificate, wrong server identity, any other server error or
 * protocol violation → `myproxy_failed`.
 */
import { createPublicKey, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { connect, type SecureVersion } from 'node:tls';
import { TwitcherError } from '../../errors.js';
import { childrenOf, DerError, readChildren, readSingle, TAG } from '../x509/der.js';
import { toPEM } from '../x509/pem.js';
import {
  buildGetRequest,
  buildTrustRootsRequest,
  checkCertificates,
  checkPassphrase,
  checkUsername,
  MAX_CHAIN_LENGTH,
  parseTrustRoots,
  protocolError,
  responseError,
  type TrustRoot,
} from './protocol.js';
import { myproxyServerIdentity } from './server-identity.js';
import { Session } from './session.js';

export const DEFAULT_MYPROXY_PORT = 7512;
export const DEFAULT_TIMEOUT_MS = 30_000;
/** Bound on what one exchange may receive (trust roots of a large CA directory fit easily). */
export const DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

export interface MyProxyServerOptions {
  host: string;
  /** Default 7512. */
  port?: number;
  /** The name the server certificate must carry (and the TLS SNI); default `host`. */
  serverName?: string;
  /** The CA certificate(s) that signed the server certificate: PEM text, or PEM/DER buffers. */
  caCerts: Buffer[] | string;
  /** Accept exactly this server subject DN instead of the name rules (`/O=Grid/CN=host/x` or RFC 4514). */
  serverDN?: string;
  /** Whole-call bound (connect + handshake + exchange). Default 30 s. */
  timeoutMs?: number;
  /** Default TLSv1.2 (TLS 1.0/1.1 are never offered). */
  minVersion?: Extract<SecureVersion, 'TLSv1.2' | 'TLSv1.3'>;
  /** Default TLSv1.3. */
  maxVersion?: Extract<SecureVersion, 'TLSv1.2' | 'TLSv1.3'>;
  /** Optional client certificate chain + key (PEM), for servers whose policies name client DNs. */
  clientCert?: string | Buffer;
  clientKey?: string | Buffer;
  /** Bound on received bytes. Default 8 MiB. */
  maxResponseBytes?: number;
}

export interface MyProxyLogonOptions extends MyProxyServerOptions {
  username: string;
  passphrase: string;
  /** Requested lifetime; the server may shorten it (max_proxy_lifetime / max_cert_lifetime). */
  lifetimeSeconds: number;
  /** PKCS #10 request, DER (the server ignores its subject). */
  csrDER: Buffer;
}

function caBundle(caCerts: Buffer[] | string): string {
  const list = typeof caCerts === 'string' ? [caCerts] : caCerts;
  const pems = list.map((c) => {
    if (typeof c === 'string') return c;
    const text = c.toString('latin1');
    return text.includes('-----BEGIN') ? text : toPEM(c);
  });
  const bundle = pems.join('\n');
  if (!bundle.includes('-----BEGIN CERTIFICATE-----')) {
    throw new TwitcherError('internal_error', {
      description: 'MyProxy client: no CA certificate configured',
    });
  }
  return bundle;
}

async function withSession<T>(opts: MyProxyServerOptions, fn: (s: Session) => Promise<T>): Promise<T> {
  const port = opts.port ?? DEFAULT_MYPROXY_PORT;
  const name = opts.serverName ?? opts.host;
  const where = `myproxy ${opts.host}:${port}`;
  const ca = caBundle(opts.caCerts);
  const socket = connect({
    host: opts.host,
    port,
    ...(isIP(name) === 0 ? { servername: name } : {}),
    ca,
    rejectUnauthorized: true,
    minVersion: opts.minVersion ?? 'TLSv1.2',
    maxVersion: opts.maxVersion ?? 'TLSv1.3',
    checkServerIdentity: myproxyServerIdentity(name, opts.serverDN),
    ...(opts.clientCert !== undefined ? { cert: opts.clientCert } : {}),
    ...(opts.clientKey !== undefined ? { key: opts.clientKey } : {}),
  });
  const session = new Session(socket, where, opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const timer = setTimeout(() => {
    session.fail(
      new TwitcherError('upstream_timeout', {
        description: 'MyProxy server did not answer in time',
        detail: `${where}: no complete exchange within ${timeoutMs} ms`,
      }),
    );
  }, timeoutMs);
  try {
    await session.handshake();
    return await fn(session);
  } finally {
    clearTimeout(timer);
    socket.destroy();
  }
}

/** The SubjectPublicKeyInfo of a PKCS #10 request (structure only; policy is checked elsewhere). */
function requestPublicKey(csrDER: Buffer): Buffer {
  try {
    const [cri] = readChildren(readSingle(csrDER, TAG.SEQUENCE).value);
    if (!cri) throw new DerError('empty request');
    const spki = childrenOf(cri, TAG.SEQUENCE, 'certificationRequestInfo')[2];
    if (!spki || spki.tag !== TAG.SEQUENCE) throw new DerError('no subjectPublicKeyInfo');
    return Buffer.from(spki.raw);
  } catch (err) {
    throw new TwitcherError('invalid_csr', {
      description: 'malformed certificate request (DER)',
      detail: (err as Error).message,
    });
  }
}

/**
 * GET (COMMAND=0): sends the request and returns the certificates the server issued, DER, the new
 * certificate first (a proxy + the stored chain, or a CA-issued certificate + sub-CAs).
 */
export async function myproxyLogon(opts: MyProxyLogonOptions): Promise<Buffer[]> {
  // everything that could inject into the text protocol is refused before connecting
  checkUsername(opts.username);
  checkPassphrase(opts.passphrase);
  const request = buildGetRequest({
    username: opts.username,
    passphrase: opts.passphrase,
    lifetimeSeconds: opts.lifetimeSeconds,
  });
  const spki = requestPublicKey(opts.csrDER);

  return withSession(opts, async (s) => {
    await s.write(Buffer.from('0')); // GSI: no delegation, own record
    await s.write(request);
    const first = await s.response('the response to GET');
    if (first.response !== 0) throw responseError(first, 'GET');

    await s.write(opts.csrDER);
    if ((await s.peekByte('the certificate chain')) === 0x56 /* 'V': an error message instead */) {
      const err = await s.response('the certificate chain');
      throw responseError(
        err.response === 0 ? { ...err, response: 1 } : err,
        'after the certificate request',
      );
    }
    const count = (await s.take(1, 'the certificate count'))[0] as number;
    if (count === 0 || count > MAX_CHAIN_LENGTH) {
      throw protocolError(`certificate count ${count} out of range`);
    }
    const certs: Buffer[] = [];
    for (let i = 0; i < count; i++) certs.push(await s.derElement(`certificate ${i + 1} of ${count}`));
    const final = await s.response('the final response');
    if (final.response !== 0) throw responseError(final, 'final response');

    checkCertificates(certs);
    const issued = new X509Certificate(certs[0] as Buffer);
    const expected = createPublicKey({ key: spki, format: 'der', type: 'spki' });
    if (!issued.publicKey.equals(expected)) {
      throw protocolError('the first certificate returned is not for the public key of the request');
    }
    return certs;
  });
}

/** COMMAND=7: the files of the server's trusted-certificates directory (`<hash>.0`, signing policies, CRLs). */
export async function myproxyGetTrustRoots(opts: MyProxyServerOptions): Promise<TrustRoot[]> {
  return withSession(opts, async (s) => {
    await s.write(Buffer.from('0'));
    await s.write(buildTrustRootsRequest());
    const resp = await s.response('the trust roots');
    if (resp.response !== 0) throw responseError(resp, 'GET_TRUSTROOTS');
    return parseTrustRoots(resp);
  });
}
