/**
 * One TLS connection to a MyProxy server with a byte reader over it (client.ts drives the exchange):
 * NUL-terminated messages, single bytes, DER elements; every wait ends on data, error, close or
 * `fail()` (the caller's timeout), and network or TLS errors become TwitcherErrors.
 */
import type { TLSSocket } from 'node:tls';
import { TwitcherError } from '../../errors.js';
import { derElementLength, type MyProxyResponse, parseResponse, protocolError } from './protocol.js';
import { ServerIdentityError } from './server-identity.js';

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EADDRNOTAVAIL',
]);

/** A network or TLS error as a TwitcherError. */
function mapSocketError(err: NodeJS.ErrnoException, where: string, connected: boolean): TwitcherError {
  if (err instanceof TwitcherError) return err;
  const code = err.code ?? '';
  if (!connected && UNREACHABLE.has(code)) {
    return new TwitcherError('upstream_unreachable', {
      description: 'MyProxy server unreachable',
      detail: `${where}: ${err.message}`,
      cause: err,
    });
  }
  if (err instanceof ServerIdentityError || code === 'ERR_MYPROXY_SERVER_IDENTITY') {
    return new TwitcherError('myproxy_failed', {
      description: 'MyProxy server identity check failed',
      detail: `${where}: ${err.message}`,
      cause: err,
    });
  }
  if (!connected && (code.includes('CERT') || code.includes('SELF_SIGNED') || code.includes('UNABLE_TO'))) {
    return new TwitcherError('myproxy_failed', {
      description: 'MyProxy server certificate not trusted',
      detail: `${where}: ${code} ${err.message}`,
      cause: err,
    });
  }
  return new TwitcherError(connected ? 'myproxy_failed' : 'upstream_unreachable', {
    description: connected ? 'MyProxy connection failed' : 'MyProxy server unreachable',
    detail: `${where}: ${code} ${err.message}`,
    cause: err,
  });
}

/** One TLS connection to a MyProxy server with a byte reader over it. */
/** A MyProxy exchange over one TLS socket (see the module comment). */
export class Session {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private received = 0;
  private ended = false;
  private failure: TwitcherError | undefined;
  private wake: (() => void) | undefined;
  private connected = false;

  constructor(
    readonly socket: TLSSocket,
    private readonly where: string,
    private readonly maxBytes: number,
  ) {
    socket.on('data', (chunk: Buffer) => {
      this.received += chunk.length;
      if (this.received > this.maxBytes) {
        this.fail(protocolError(`response larger than ${this.maxBytes} bytes`));
        return;
      }
      this.chunks.push(chunk);
      this.buffered += chunk.length;
      this.notify();
    });
    socket.on('end', () => {
      this.ended = true;
      this.notify();
    });
    socket.on('close', () => {
      this.ended = true;
      this.notify();
    });
    socket.on('error', (err) => this.fail(mapSocketError(err, this.where, this.connected)));
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  fail(err: TwitcherError): void {
    this.failure ??= err;
    this.socket.destroy();
    this.notify();
  }

  private waitForEvent(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
    });
  }

  async handshake(): Promise<void> {
    const onSecure = new Promise<void>((resolve) => this.socket.once('secureConnect', () => resolve()));
    let secure = false;
    void onSecure.then(() => {
      secure = true;
      this.notify();
    });
    while (!secure) {
      if (this.failure) throw this.failure;
      if (this.ended) {
        throw mapSocketError(new Error('connection closed during the TLS handshake'), this.where, false);
      }
      await this.waitForEvent();
    }
    this.connected = true;
  }

  /** Writes one buffer (one TLS record for small writes) and waits until it is handed to the socket. */
  async write(data: Buffer): Promise<void> {
    if (this.failure) throw this.failure;
    await new Promise<void>((resolve) => {
      this.socket.write(data, (err) => {
        if (err) this.fail(mapSocketError(err, this.where, true));
        resolve();
      });
    });
    if (this.failure) throw this.failure;
  }

  private flatten(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  private consume(n: number): Buffer {
    const all = this.flatten();
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return out;
  }

  /** Waits until `ready(buffer)` says enough bytes are there; fails on error, timeout or early close. */
  private async until(ready: (buf: Buffer) => boolean, what: string): Promise<Buffer> {
    for (;;) {
      if (this.failure) throw this.failure;
      const buf = this.flatten();
      if (ready(buf)) return buf;
      if (this.ended) {
        throw protocolError(`connection closed while waiting for ${what} (${this.buffered} bytes pending)`);
      }
      await this.waitForEvent();
    }
  }

  /** The next NUL-terminated text message; leading NULs are skipped. */
  async message(what: string): Promise<string> {
    for (;;) {
      const buf = await this.until((b) => b.length > 0, what);
      let skip = 0;
      while (skip < buf.length && buf[skip] === 0) skip++;
      if (skip > 0) {
        this.consume(skip);
        continue;
      }
      const full = await this.until((b) => b.indexOf(0) >= 0, what);
      const end = full.indexOf(0);
      const text = this.consume(end + 1).subarray(0, end);
      return text.toString('utf8');
    }
  }

  async response(what: string): Promise<MyProxyResponse> {
    return parseResponse(await this.message(what));
  }

  async peekByte(what: string): Promise<number> {
    const buf = await this.until((b) => b.length > 0, what);
    return buf[0] as number;
  }

  async take(n: number, what: string): Promise<Buffer> {
    await this.until((b) => b.length >= n, what);
    return Buffer.from(this.consume(n));
  }

  /** One DER element (a certificate): header-driven length, forms 0x81/0x82/0x83. */
  async derElement(what: string): Promise<Buffer> {
    let length: number | undefined;
    await this.until((b) => {
      length = derElementLength(b);
      return length !== undefined && b.length >= length;
    }, what);
    return this.take(length as number, what);
  }
}
