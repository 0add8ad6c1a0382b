import { TwitcherClientError } from './error.js';
import { fetchFailure } from './failure.js';
import { createInsecureDispatcher, type InsecureDispatcher } from './insecure-dispatcher.js';
import { parseAnswer } from './parse-answer.js';

export interface TransportOptions {
  insecure: boolean;
  timeoutMs: number;
}

export interface HttpCall {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers: Record<string, string>;
  /** JSON (object) or form (URLSearchParams) body. */
  body?: object | URLSearchParams;
}

export interface HttpAnswer {
  status: number;
  /** The parsed JSON, undefined when the answer has no body (204). */
  body: unknown;
}

/** One HTTP exchange with fetch: a bounded time, JSON in and out, every failure a TwitcherClientError. */
export class Transport {
  readonly #options: TransportOptions;
  #insecure: Promise<InsecureDispatcher> | undefined;

  constructor(options: TransportOptions) {
    this.#options = options;
  }

  async send(call: HttpCall): Promise<HttpAnswer> {
    const headers: Record<string, string> = { accept: 'application/json', ...call.headers };
    let body: string | undefined;
    if (call.body instanceof URLSearchParams) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = call.body.toString();
    } else if (call.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(call.body);
    }
    const init: Omit<RequestInit, 'dispatcher'> & { dispatcher?: object } = {
      method: call.method,
      headers,
      // covers the body as well as the headers: a server that stalls mid-answer times out too
      signal: AbortSignal.timeout(this.#options.timeoutMs),
      redirect: 'manual',
      ...(body !== undefined && { body }),
    };
    try {
      if (this.#options.insecure) {
        this.#insecure ??= createInsecureDispatcher();
        init.dispatcher = (await this.#insecure).dispatcher;
      }
      // undici's Agent and the undici-types of @types/node are the same thing under two type names
      const response = await fetch(call.url, init as RequestInit);
      return { status: response.status, body: await parseAnswer(response, call.url) };
    } catch (err) {
      if (err instanceof TwitcherClientError) throw err;
      throw fetchFailure(err, call.url, this.#options.timeoutMs);
    }
  }

  /** Closes the connections of the insecure dispatcher, if one was made. */
  async close(): Promise<void> {
    const insecure = this.#insecure;
    this.#insecure = undefined;
    if (insecure) await (await insecure).close();
  }
}
