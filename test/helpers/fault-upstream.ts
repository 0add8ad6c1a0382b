import { createServer, type Server, type Socket } from 'node:net';
import type { TestContext } from 'node:test';

/** One request head as a raw upstream read it (a body announced by Content-Length is skipped). */
export interface RawRequestHead {
  method: string;
  path: string;
  head: string;
  /** Which connection it came on: its index in `sockets`. */
  connection: number;
}

export interface RawUpstream {
  url: string;
  port: number;
  server: Server;
  /** Every connection accepted so far, open or not. */
  sockets: Socket[];
  /** Every request head read so far, in order of arrival. */
  requests: RawRequestHead[];
  /** Open connections, as the server counts them (`server.getConnections`). */
  connections(): Promise<number>;
  close(): Promise<void>;
}

/**
 * An upstream written straight on TCP, for answers node:http refuses to give: a wrong Content-Length,
 * a reset mid-body, no answer at all. `onRequest` gets each request head (several on a kept-alive
 * connection) and the socket, and writes whatever bytes the test wants.
 */
export async function startRawUpstream(
  t: TestContext | undefined,
  onRequest: (socket: Socket, request: RawRequestHead) => void,
): Promise<RawUpstream> {
  const sockets: Socket[] = [];
  const requests: RawRequestHead[] = [];
  const server = createServer((socket) => {
    const connection = sockets.push(socket) - 1;
    socket.on('error', () => undefined);
    let pending = '';
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      for (let end = pending.indexOf('\r\n\r\n'); end >= 0; end = pending.indexOf('\r\n\r\n')) {
        const head = pending.slice(0, end);
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (pending.length < end + 4 + length) return;
        pending = pending.slice(end + 4 + length);
        const [method = '', path = ''] = head.split('\r\n', 1)[0]?.split(' ') ?? [];
        const request = { method, path, head, connection };
        requests.push(request);
        onRequest(socket, request);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  let closed: Promise<void> | undefined;
  const up: RawUpstream = {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    sockets,
    requests,
    connections: () =>
      new Promise((resolve, reject) => server.getConnections((err, n) => (err ? reject(err) : resolve(n)))),
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      });
      return closed;
    },
  };
  t?.after(() => up.close());
  return up;
}

/** Resolves once the socket is closed (at once if it is already). */
export function closedSocket(socket: Socket): Promise<void> {
  if (socket.closed) return Promise.resolve();
  return new Promise((resolve) => socket.once('close', () => resolve()));
}

/**
 * Waits for a condition by polling it (bounded: it throws `what` after `timeoutMs`), instead of
 * sleeping a guessed time.
 */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
  intervalMs = 10,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`still not so after ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** A promise that must settle within `timeoutMs` (a hang is a failure, not a stuck test run). */
export async function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`not settled after ${timeoutMs} ms: ${what}`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** TCP handles (sockets and listeners) this process holds open. */
export function tcpHandles(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'TCPServerWrap')
    .length;
}
