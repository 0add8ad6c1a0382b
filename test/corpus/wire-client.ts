/**
 * An HTTP/1.1 client that writes the request exactly as given (method, target, header names in their
 * case, duplicates, Content-Length that lies, chunked bodies) on a new connection with
 * `Connection: close`, and reads the first answer until the server closes. fetch and node:http
 * normalise or refuse most of what a hostile client sends.
 */
import { connect } from 'node:net';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';

export interface WireRequest {
  method: string;
  target: string;
  /** In order, as sent. Host and Connection are added when absent. */
  headers: [string, string][];
  body?: Buffer | undefined;
  contentLength?: number | 'omit' | undefined;
  chunked?: boolean | undefined;
}

export interface WireAnswer {
  /** 0: the connection closed (or stalled) before a status line. */
  status: number;
  /** Lower-case names; repeated headers joined with ', '. */
  headers: Record<string, string>;
  /** The body, de-chunked and decompressed (Content-Encoding) when possible. */
  body: Buffer;
  error?: string;
}

/** A guard against a server that never answers, so that one case cannot hang the corpus. */
const STALL_MS = 15_000;

function chunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < body.length; i += 7) {
    const piece = body.subarray(i, i + 7);
    parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(parts);
}

export function encodeRequest(req: WireRequest, host: string): Buffer {
  const headers = [...req.headers];
  const has = (name: string) => headers.some(([n]) => n.toLowerCase() === name);
  if (!has('host')) headers.unshift(['Host', host]);
  if (!has('connection')) headers.push(['Connection', 'close']);
  const body = req.body ?? Buffer.alloc(0);
  if (req.chunked) {
    if (!has('transfer-encoding')) headers.push(['Transfer-Encoding', 'chunked']);
  } else if (req.contentLength === undefined) {
    if (body.length > 0 && !has('content-length')) headers.push(['Content-Length', String(body.length)]);
  } else if (req.contentLength !== 'omit') {
    headers.push(['Content-Length', String(req.contentLength)]);
  }
  const head = `${req.method} ${req.target} HTTP/1.1\r\n${headers.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), req.chunked ? chunk(body) : body]);
}

function dechunk(raw: Buffer): Buffer {
  const out: Buffer[] = [];
  let i = 0;
  while (i < raw.length) {
    const eol = raw.indexOf('\r\n', i);
    if (eol < 0) break;
    const size = Number.parseInt(raw.subarray(i, eol).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    out.push(raw.subarray(eol + 2, eol + 2 + size));
    i = eol + 2 + size + 2;
  }
  return Buffer.concat(out);
}

function decode(body: Buffer, encoding: string | undefined): Buffer {
  try {
    if (encoding === 'gzip') return gunzipSync(body);
    if (encoding === 'deflate') return inflateSync(body);
    if (encoding === 'br') return brotliDecompressSync(body);
  } catch {
    // left as received: the check that reads it will say what is wrong
  }
  return body;
}

export function parseAnswer(whole: Buffer, method: string): WireAnswer {
  let raw = whole;
  // interim answers (100 Continue) come before the final one
  while (/^HTTP\/1\.[01] 1\d\d /.test(raw.subarray(0, 13).toString('latin1'))) {
    const interim = raw.indexOf('\r\n\r\n');
    if (interim < 0) break;
    raw = raw.subarray(interim + 4);
  }
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return { status: 0, headers: {}, body: Buffer.alloc(0), error: 'no complete answer' };
  const lines = raw.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number((lines[0] ?? '').split(' ')[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  let body = raw.subarray(end + 4);
  if (method === 'HEAD' || status === 204 || status === 304) body = Buffer.alloc(0);
  else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) body = dechunk(body);
  else if (headers['content-length'] !== undefined)
    body = body.subarray(0, Number(headers['content-length']));
  return { status, headers, body: decode(body, headers['content-encoding']) };
}

/** Sends one request on a new connection; resolves with the first answer (never rejects). */
export function sendWire(origin: string, req: WireRequest): Promise<WireAnswer> {
  const url = new URL(origin);
  const bytes = encodeRequest(req, url.host);
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (error?: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const answer = parseAnswer(Buffer.concat(chunks), req.method);
      resolve(error && answer.status === 0 ? { ...answer, error } : answer);
    };
    const timer = setTimeout(() => finish('no answer (stalled)'), STALL_MS);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => finish());
    socket.on('close', () => finish());
    socket.on('error', (err) => finish(err.message));
    socket.write(bytes);
  });
}
