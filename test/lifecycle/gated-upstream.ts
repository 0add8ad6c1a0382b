import type { ServerResponse } from 'node:http';
import type { TestContext } from 'node:test';
import { startUpstream } from '../helpers/upstream.js';

/** An upstream that answers only when the test says so: a request in flight for as long as needed. */
export async function gatedUpstream(t: TestContext) {
  const waiting: ServerResponse[] = [];
  const up = await startUpstream(t, (_req, res) => waiting.push(res));
  return {
    url: up.url,
    /** The requests it holds. */
    waiting,
    /** Answers every request held so far with `done`. */
    release() {
      for (const res of waiting.splice(0)) res.end('done');
    },
  };
}
