import { existsSync, readFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';

/**
 * Sends fuzzed requests exactly as rendered (no URL normalisation, any method with any body),
 * several at a time, and reads the canary's log: which tags made the upstream execute.
 */

export interface WireRequest {
  method: string;
  /** path and query, as written */
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** Transfer-Encoding: chunked instead of Content-Length */
  chunked: boolean;
}

export interface WireAnswer {
  status: number;
  contentType: string;
  body: Buffer;
  /** a socket error or timeout instead of an answer */
  error?: string;
}

const ANSWER_TIMEOUT_MS = 60_000;
const KEEP_BYTES = 64 * 1024;

/** A keep-alive agent for one run; destroy() it afterwards. */
export function createFuzzAgent(concurrency: number): Agent {
  return new Agent({ keepAlive: true, maxSockets: concurrency });
}

/** One request on the wire. Never rejects: network failures come back as `error`. */
export function sendWire(base: string, agent: Agent, r: WireRequest): Promise<WireAnswer> {
  const u = new URL(base);
  const headers: Record<string, string> = { ...r.headers };
  if (r.body !== undefined) {
    if (r.chunked) headers['transfer-encoding'] = 'chunked';
    else headers['content-length'] = String(r.body.length);
  }
  return new Promise((resolve) => {
    let settled = false;
    const done = (a: WireAnswer) => {
      if (!settled) {
        settled = true;
        resolve(a);
      }
    };
    const req = httpRequest({
      host: u.hostname,
      port: u.port,
      path: r.path,
      method: r.method,
      headers,
      agent,
      timeout: ANSWER_TIMEOUT_MS,
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        if (size < KEEP_BYTES) chunks.push(c);
        size += c.length;
      });
      res.on('end', () =>
        done({
          status: res.statusCode ?? 0,
          contentType: String(res.headers['content-type'] ?? ''),
          body: Buffer.concat(chunks),
        }),
      );
      res.on('error', (err) =>
        done({ status: res.statusCode ?? 0, contentType: '', body: Buffer.alloc(0), error: err.message }),
      );
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (err) => done({ status: 0, contentType: '', body: Buffer.alloc(0), error: err.message }));
    if (r.body !== undefined && r.chunked && r.body.length > 1) {
      const half = Math.floor(r.body.length / 2);
      req.write(r.body.subarray(0, half));
      req.end(r.body.subarray(half));
    } else {
      req.end(r.body);
    }
  });
}

/** Runs `job` over `items` with at most `concurrency` at once; results in the items' order. */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  concurrency: number,
  job: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await job(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

export interface CanaryRun {
  /** the tag input the process received ('' when none) */
  tag: string;
  /** the X-Canary-Tag header it saw ('' when none) */
  header: string;
}

/** Every execution recorded in the canary's log so far (scripts/peers/wps/app/processes.py). */
export function readCanaryLog(path: string): CanaryRun[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const o = JSON.parse(line) as { tag?: unknown; header?: unknown };
      return { tag: String(o.tag ?? ''), header: String(o.header ?? '') };
    });
}

/** The request tag an execution is attributed to: the header, else the tag input. */
export function runTag(run: CanaryRun): string {
  return run.header !== '' ? run.header : run.tag;
}

/**
 * Greedy minimisation of a request that `fails`: each patch (simpler values for one or several
 * fields, plainest first) is kept when the request still fails with it; two passes, so that a
 * patch refused before another one was applied gets a second chance. Deterministic; one request
 * per patch tried.
 */
export async function minimise<S extends object>(
  spec: S,
  patches: Partial<S>[],
  fails: (candidate: S) => Promise<boolean>,
): Promise<S> {
  let current = spec;
  for (let pass = 0; pass < 2; pass++) {
    for (const patch of patches) {
      const candidate = { ...current, ...patch };
      const changes = (Object.keys(patch) as (keyof S)[]).some((k) => current[k] !== candidate[k]);
      if (changes && (await fails(candidate))) current = candidate;
    }
  }
  return current;
}
