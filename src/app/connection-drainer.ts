import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';
import { Server as TLSServer } from 'node:tls';
import type { Readiness } from '../http/frontpage-routes.js';

/**
 * An idle keep-alive connection is closed during a drain once it has been idle this long. A client
 * that sends requests back to back (wrk, a busy front proxy) reuses its connection within far less,
 * and gets its answer with `Connection: close` instead of a connection closed under its request; a
 * front proxy whose upstream keep-alive timeout is shorter (deploy/nginx/twitcher.conf: 4 s) closes
 * its idle connections itself first.
 */
export const IDLE_GRACE_MS = 5000;
const SWEEP_MS = 100;

/** How a drain ended. */
export interface DrainOutcome {
  /** Requests still in flight at the deadline (or when forced), whose connections were cut. */
  cut: number;
  /** Connections still open at the end (idle ones included), all closed then. */
  closed: number;
}

interface Connection {
  inFlight: number;
  idleSince: number;
  /** When a FIN was sent (the connection was idle past the grace); 0: not yet. */
  endedAt: number;
}

/**
 * The server side of a zero-downtime stop: tracks the connections of one HTTP(S) server and, on
 * `drain()`, stops accepting, answers every further request with `Connection: close`, lets the
 * requests in flight finish and closes idle keep-alive connections gracefully, until none is left
 * or the deadline cuts what remains. Tells `/health/ready` that the server is draining.
 *
 * @example
 * const drainer = new ConnectionDrainer();
 * const app = await buildApp(config, { ...deps, readiness: drainer });
 * drainer.attach(app.server);
 * await app.listen({ port: 8000 });
 * process.once('SIGTERM', async () => process.exit((await drainer.drain(30_000)).cut > 0 ? 1 : 0));
 */
export class ConnectionDrainer implements Readiness {
  readonly #connections = new Map<Socket, Connection>();
  #server: Server | undefined;
  #draining = false;
  #drained: Promise<DrainOutcome> | undefined;
  #finish: ((outcome: DrainOutcome) => void) | undefined;

  get draining(): boolean {
    return this.#draining;
  }

  /** Requests being answered now. */
  get inFlight(): number {
    let n = 0;
    for (const c of this.#connections.values()) n += c.inFlight;
    return n;
  }

  /** Starts tracking `server`'s connections: call before it listens. */
  attach(server: Server): void {
    this.#server = server;
    // the socket that carries the requests: the TLS one on HTTPS
    const event = server instanceof TLSServer ? 'secureConnection' : 'connection';
    server.on(event, (socket: Socket) => {
      this.#connections.set(socket, { inFlight: 0, idleSince: Date.now(), endedAt: 0 });
      socket.once('close', () => {
        this.#connections.delete(socket);
        this.#settleIfEmpty();
      });
    });
    // before fastify's listener: the header must be there before any handler answers
    server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
      const c = this.#connections.get(req.socket);
      if (c) c.inFlight++;
      // The client learns that this connection ends with this answer, so it never sends another
      // request on it (RFC 9112 §9.6); Node closes the connection once the answer is sent.
      if (this.#draining) res.setHeader('connection', 'close');
      res.once('close', () => {
        if (!c) return;
        c.inFlight--;
        c.idleSince = Date.now();
      });
    });
  }

  /**
   * Stops accepting connections at once and waits for the open ones to end, up to `timeoutMs`;
   * then cuts what is left. Called again, it returns the same drain.
   */
  drain(timeoutMs: number): Promise<DrainOutcome> {
    if (this.#drained) return this.#drained;
    this.#draining = true;
    const server = this.#server;
    // net.Server's close, not http.Server's: since Node 19 http.Server.close() also destroys every
    // idle keep-alive connection at once, and a client that has just sent a request on one of them
    // (it cannot know) sees its connection reset under it. Here the listening socket closes (in a
    // cluster worker: the primary stops handing it connections, and keeps the port open while
    // another worker listens), and each open connection ends on its own terms: after its next
    // answer, sent with `Connection: close`, or after IDLE_GRACE_MS of idleness, with a FIN.
    if (server?.listening) NetServer.prototype.close.call(server);
    this.#drained = new Promise<DrainOutcome>((resolve) => {
      const sweep = setInterval(() => this.#endIdle(), SWEEP_MS);
      const deadline = setTimeout(() => this.#cut(), timeoutMs);
      this.#finish = (outcome) => {
        clearInterval(sweep);
        clearTimeout(deadline);
        this.#finish = undefined;
        resolve(outcome);
      };
    });
    this.#endIdle();
    this.#settleIfEmpty();
    return this.#drained;
  }

  /** Ends a drain now (a second SIGINT): cuts the requests in flight. No-op without a drain. */
  force(): void {
    if (this.#finish) this.#cut();
  }

  /**
   * A FIN to the connections idle past the grace; the client closes its side in turn. One that does
   * not within another grace is closed from here.
   */
  #endIdle(): void {
    const now = Date.now();
    for (const [socket, c] of this.#connections) {
      if (c.inFlight > 0) continue;
      if (c.endedAt === 0 && now - c.idleSince >= IDLE_GRACE_MS) {
        c.endedAt = now;
        socket.end();
      } else if (c.endedAt > 0 && now - c.endedAt >= IDLE_GRACE_MS) {
        socket.destroy();
      }
    }
  }

  #cut(): void {
    let cut = 0;
    const closed = this.#connections.size;
    for (const [socket, c] of this.#connections) {
      cut += c.inFlight;
      socket.destroy();
    }
    this.#connections.clear();
    this.#finish?.({ cut, closed });
  }

  #settleIfEmpty(): void {
    if (this.#draining && this.#connections.size === 0) this.#finish?.({ cut: 0, closed: 0 });
  }
}
