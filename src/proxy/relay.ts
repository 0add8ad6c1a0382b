import type { Writable } from 'node:stream';
import { type Dispatcher, util } from 'undici';

/** The upstream's answer, as the factory of the client's side sees it. */
export interface Answer {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
}

/** Where the body goes, and what is written before its first byte. */
export interface Sink {
  /** The client's response itself (a body passed on as it is), or the first stage of a rewrite. */
  stream: Writable;
  /** True when `stream` is the client's response: it is never destroyed here. */
  client: boolean;
  /** The status line and headers, written with the first byte of the body (or at its end). */
  head?: (() => void) | undefined;
}

/**
 * One upstream exchange relayed to the client, as an undici dispatch handler: the answer's body is
 * written straight into the sink with backpressure (undici's parser pauses while the client cannot
 * take more), and the status line waits for the body's first byte, so that an upstream that fails
 * before it is still answered with a gateway error rather than a cut connection (undici's `stream()`
 * destroys the response it was given on any failure, and adds a `finished()` watcher per request).
 *
 * undici's own handler interface (onConnect/onHeaders/onData/onComplete/onError) is used, as its
 * `stream()` does: the newer controller interface is adapted to it on every call.
 */
export class Relay implements Dispatcher.DispatchHandler {
  #open: ((answer: Answer) => Sink) | undefined;
  #abort: ((reason?: Error) => void) | undefined;
  #reason: Error | undefined;
  #sink: Sink | undefined;
  #ended = false;
  #settle!: (error?: unknown) => void;
  /** Settles when the answer's body was handed to the sink whole, or the exchange failed. */
  readonly done: Promise<void>;
  /** Set with the first byte of the upstream's answer: from then on, nothing is sent twice. */
  answered = false;

  readonly #stallTimeout: number;
  #stall: NodeJS.Timeout | undefined;

  /**
   * `stallTimeout`: how long the client may take no byte while the upstream waits on it. undici's
   * body timeout stops while its parser is paused by backpressure, so without this a client that
   * stops reading would hold the exchange, and the service's slot, for as long as it keeps the
   * socket open.
   */
  constructor(open: (answer: Answer) => Sink, stallTimeout: number) {
    this.#open = open;
    this.#stallTimeout = stallTimeout;
    this.done = new Promise<void>((resolve, reject) => {
      this.#settle = (error) => (error === undefined ? resolve() : reject(error));
    });
  }

  /** Cancels the exchange (the client went away, or the rewrite failed). */
  cancel(reason: Error): void {
    if (this.#ended) return;
    if (this.#abort) this.#abort(reason);
    else this.#reason = reason;
  }

  onConnect(abort: (reason?: Error) => void): void {
    if (this.#reason) abort(this.#reason);
    else this.#abort = abort;
  }

  /** The first byte of the answer (a 1xx, or half a head): from then on, nothing is sent twice. */
  onResponseStarted(): void {
    this.answered = true;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    // 1xx: informational; the final answer follows.
    if (statusCode < 200) return true;
    this.answered = true;
    let sink: Sink;
    try {
      sink = (this.#open as (answer: Answer) => Sink)({ statusCode, headers: util.parseHeaders(rawHeaders) });
    } catch (error) {
      this.cancel(error as Error);
      return false;
    }
    this.#sink = sink;
    sink.stream.on('drain', () => {
      this.#unstall();
      resume();
    });
    if (!sink.client) {
      // A rewrite that fails ends its pipeline: the upstream is not read any further. Its error is
      // the pipeline's to report (or this exchange's, when it was the upstream's).
      sink.stream.once('close', () => this.cancel(new Error('the rewrite of the answer ended')));
      sink.stream.on('error', ignore);
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    const sink = this.#sink;
    if (sink === undefined) return false;
    if (sink.head) {
      sink.head();
      sink.head = undefined;
    }
    if (sink.stream.write(chunk)) return true;
    this.#stall ??= setTimeout(
      () => this.cancel(new StalledClient('the client took no byte of the answer in time')),
      this.#stallTimeout,
    ).unref();
    return false;
  }

  #unstall(): void {
    if (this.#stall === undefined) return;
    clearTimeout(this.#stall);
    this.#stall = undefined;
  }

  onComplete(): void {
    this.#ended = true;
    const sink = this.#sink;
    if (sink === undefined) return;
    if (sink.head) {
      sink.head();
      sink.head = undefined;
    }
    sink.stream.end();
    this.#release();
    this.#settle();
  }

  onError(error: Error): void {
    this.#ended = true;
    const sink = this.#sink;
    // A rewrite pipeline ends with the error; the client's response is for the caller to answer.
    if (sink !== undefined && !sink.client) sink.stream.destroy(error);
    this.#release();
    this.#settle(error);
  }

  /**
   * undici keeps a finished request's handler until its connection serves the next one: without
   * this, every kept-alive connection held a whole request (client response, fastify request and
   * reply, rules) — +40 MB RSS and +20 % CPU in garbage collection on the 1 KiB bench.
   */
  #release(): void {
    this.#unstall();
    this.#sink = undefined;
    this.#open = undefined;
    this.#abort = undefined;
  }
}

function ignore(): void {}

/** The client stopped reading: the exchange is given up (and the client's connection cut). */
export class StalledClient extends Error {
  readonly code = 'TWITCHER_CLIENT_STALLED';
}
