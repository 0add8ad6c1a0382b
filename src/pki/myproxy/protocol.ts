/**
 * MyProxy v2 protocol messages (GCT myproxy PROTOCOL, §A–C; see docs in shared/reference/myproxy.md):
 * building requests, checking the values that go into them, parsing responses, and splitting the
 * certificate-chain message (one count byte, then that many DER certificates back to back).
 *
 * Why values are checked before anything reaches the wire: a request is `KEY=value\n` lines ended by
 * a NUL, and the server finds each key with a plain substring search over the whole message
 * (`strstr(buffer, "PASSPHRASE=")`, not anchored at a line start; a key found twice is an error).
 * So a CR, LF or NUL would end or split a field, and text such as `LIFETIME=` or `NAME=` inside a
 * value is read as that key. Refused (`invalid_request`):
 *   user names: empty, longer than 256 characters, any C0 control character or DEL, or `=`;
 *   passphrases: longer than 1024 characters (MyProxy's MAX_PASS_LEN), CR, LF or NUL, and `=` right
 *   after an upper-case letter or underscore (every protocol key is `[A-Z_]+=`, so a passphrase
 *   without that pattern cannot contain a key; `a=b` or `p@ss=1` are fine).
 */
import { X509Certificate } from 'node:crypto';
import { TwitcherError } from '../../errors.js';

export const MYPROXY_VERSION = 'MYPROXYv2';
export const COMMAND_GET = 0;
export const COMMAND_GET_TRUSTROOTS = 7;

export const MAX_USERNAME_LENGTH = 256;
/** GCT myproxy_constants.h MAX_PASS_LEN. */
export const MAX_PASSPHRASE_LENGTH = 1024;
/** Largest certificate accepted in a chain message (long-form lengths up to 0x83, i.e. < 16 MiB, are parsed). */
export const MAX_CERTIFICATE_BYTES = 1024 * 1024;
/** Most certificates accepted in a chain message (new certificate + stored chain / sub-CAs). */
export const MAX_CHAIN_LENGTH = 16;

const USERNAME_FORBIDDEN = /[\u0000-\u001f\u007f=]/;
const PASSPHRASE_FORBIDDEN = /[\r\n\u0000]|[A-Z_]=/;

function refuse(description: string): TwitcherError {
  return new TwitcherError('invalid_request', { description });
}

/** Throws `invalid_request` for a user name that cannot travel safely in a MyProxy request. */
export function checkUsername(username: string): void {
  if (typeof username !== 'string' || username === '') throw refuse('MyProxy user name is empty');
  if (username.length > MAX_USERNAME_LENGTH) {
    throw refuse(`MyProxy user name is longer than ${MAX_USERNAME_LENGTH}`);
  }
  if (USERNAME_FORBIDDEN.test(username)) {
    throw refuse('MyProxy user name contains a control character (CR, LF, NUL, ...) or "="');
  }
}

/** Throws `invalid_request` for a passphrase that cannot travel safely in a MyProxy request. */
export function checkPassphrase(passphrase: string): void {
  if (typeof passphrase !== 'string') throw refuse('MyProxy passphrase is missing');
  if (passphrase.length > MAX_PASSPHRASE_LENGTH) {
    throw refuse(`MyProxy passphrase is longer than ${MAX_PASSPHRASE_LENGTH}`);
  }
  if (PASSPHRASE_FORBIDDEN.test(passphrase)) {
    throw refuse(
      'MyProxy passphrase contains CR, LF, NUL or a protocol key (upper-case name followed by "=")',
    );
  }
}

export interface GetRequest {
  username: string;
  passphrase: string;
  lifetimeSeconds: number;
  /** Ask for the trust roots on the first response too (TRUSTED_CERTS=1). */
  trustRoots?: boolean;
}

/** `VERSION=MYPROXYv2\nCOMMAND=0\nUSERNAME=…\nPASSPHRASE=…\nLIFETIME=…\n` + NUL. Checks the values. */
export function buildGetRequest(req: GetRequest): Buffer {
  checkUsername(req.username);
  checkPassphrase(req.passphrase);
  if (
    !Number.isSafeInteger(req.lifetimeSeconds) ||
    req.lifetimeSeconds <= 0 ||
    req.lifetimeSeconds > 0x7fffffff
  ) {
    throw refuse('certificate lifetime must be a positive number of seconds');
  }
  const lines = [
    `VERSION=${MYPROXY_VERSION}`,
    `COMMAND=${COMMAND_GET}`,
    `USERNAME=${req.username}`,
    `PASSPHRASE=${req.passphrase}`,
    `LIFETIME=${req.lifetimeSeconds}`,
    ...(req.trustRoots ? ['TRUSTED_CERTS=1'] : []),
  ];
  return Buffer.from(`${lines.join('\n')}\n\0`, 'utf8');
}

/** COMMAND=7: no user name or passphrase needed. */
export function buildTrustRootsRequest(): Buffer {
  return Buffer.from(
    `VERSION=${MYPROXY_VERSION}\nCOMMAND=${COMMAND_GET_TRUSTROOTS}\nUSERNAME=\nPASSPHRASE=\nLIFETIME=0\nTRUSTED_CERTS=1\n\0`,
    'utf8',
  );
}

export interface MyProxyResponse {
  /** 0 OK, 1 error, 2 authorization challenge. */
  response: number;
  errors: string[];
  /** Every `KEY=value` line; repeated keys keep every value in order. */
  fields: Map<string, string[]>;
}

/** Parses one text message (without its NUL). Throws `myproxy_failed` when it is not a v2 response. */
export function parseResponse(text: string): MyProxyResponse {
  const fields = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq);
    const list = fields.get(key) ?? [];
    list.push(line.slice(eq + 1));
    fields.set(key, list);
  }
  const version = fields.get('VERSION')?.[0];
  const response = fields.get('RESPONSE')?.[0];
  if (version !== MYPROXY_VERSION || response === undefined || !/^[0-2]$/.test(response)) {
    throw new TwitcherError('myproxy_failed', {
      description: 'MyProxy server sent an unexpected response',
      detail: `not a ${MYPROXY_VERSION} response: ${JSON.stringify(text.slice(0, 200))}`,
    });
  }
  return { response: Number(response), errors: fields.get('ERROR') ?? [], fields };
}

// Server texts that mean "wrong user name or passphrase" (GCT myproxy_server.c, myproxy_creds.c,
// myproxy_authorization.c, certauth_extensions.c): stored-credential passphrase checks, PAM/SASL,
// no credential for that user, a user the CA cannot map to a DN.
const CREDENTIAL_ERRORS =
  /bad password|invalid (credential )?pass ?phrase|pass ?phrase (check|verification)|PAM authentication failed|SASL authentication failed|authentication failed|unknown username|no credentials exist|credentials? (do(es)? not|doesn't) exist|failed to map username/i;

/**
 * The error for an ERROR response: `invalid_credentials` (401) when the server refused the user
 * name or passphrase, `myproxy_failed` (502) otherwise. The server's text goes into `detail` only.
 */
export function responseError(resp: MyProxyResponse, stage: string): TwitcherError {
  const text = resp.errors.join('\n').trim() || '(no error text)';
  if (resp.response === 2) {
    return new TwitcherError('myproxy_failed', {
      description: 'MyProxy server asked for an authorization method this client does not support',
      detail: `RESPONSE=2 ${stage}: ${[...(resp.fields.get('AUTHORIZATION_DATA') ?? [])].join(', ')}`,
    });
  }
  if (CREDENTIAL_ERRORS.test(text)) {
    return new TwitcherError('invalid_credentials', {
      description: 'MyProxy refused the user name or passphrase',
      detail: text,
    });
  }
  return new TwitcherError('myproxy_failed', {
    description: 'MyProxy server error',
    detail: `${stage}: ${text}`,
  });
}

/**
 * Length of the DER element (a certificate, tag SEQUENCE) starting at `offset`, header included;
 * undefined when more bytes are needed to tell. Short form and long forms 0x81, 0x82, 0x83.
 */
export function derElementLength(buf: Buffer, offset = 0): number | undefined {
  if (buf.length < offset + 2) return undefined;
  const tag = buf[offset] as number;
  if (tag !== 0x30) throw protocolError(`certificate does not start with a SEQUENCE (0x${tag.toString(16)})`);
  const first = buf[offset + 1] as number;
  if (first < 0x80) return 2 + first;
  const count = first & 0x7f;
  if (count === 0 || count > 3) throw protocolError(`unsupported DER length form 0x${first.toString(16)}`);
  if (buf.length < offset + 2 + count) return undefined;
  let len = 0;
  for (let i = 0; i < count; i++) len = len * 256 + (buf[offset + 2 + i] as number);
  const total = 2 + count + len;
  if (total > MAX_CERTIFICATE_BYTES) throw protocolError(`certificate of ${total} bytes is too large`);
  return total;
}

export function protocolError(detail: string): TwitcherError {
  return new TwitcherError('myproxy_failed', { description: 'MyProxy protocol error', detail });
}

/** Checks each DER certificate of a chain message parses. */
export function checkCertificates(certs: Buffer[]): void {
  for (const [i, der] of certs.entries()) {
    try {
      new X509Certificate(der);
    } catch (err) {
      throw protocolError(`certificate ${i} of the chain does not parse: ${(err as Error).message}`);
    }
  }
}

export interface TrustRoot {
  name: string;
  data: Buffer;
}

const SAFE_FILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._+-]*$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** `TRUSTED_CERTS=a,b` + `FILEDATA_a=<base64>` lines → files. Names must be plain file names. */
export function parseTrustRoots(resp: MyProxyResponse): TrustRoot[] {
  const list = resp.fields.get('TRUSTED_CERTS')?.[0];
  if (list === undefined) throw protocolError('no TRUSTED_CERTS in the trust-roots response');
  const out: TrustRoot[] = [];
  for (const name of list.split(',').filter((n) => n !== '')) {
    if (!SAFE_FILE_NAME.test(name) || name.length > 255) {
      throw protocolError(`unsafe trust root file name ${JSON.stringify(name)}`);
    }
    const values = resp.fields.get(`FILEDATA_${name}`);
    if (values?.length !== 1) {
      throw protocolError(`no single FILEDATA_${name} for a listed trust root`);
    }
    const b64 = (values[0] as string).trim();
    if (b64.length % 4 !== 0 || !BASE64.test(b64)) throw protocolError(`FILEDATA_${name} is not base64`);
    out.push({ name, data: Buffer.from(b64, 'base64') });
  }
  return out;
}
