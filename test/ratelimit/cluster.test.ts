/**
 * `server.workers` > 1 without Redis: the workers of one instance count one budget through the
 * primary (serveRateLimitsToWorkers); a primary that does not serve them leaves each worker to
 * count alone (`redisFailure: local`), and says so through the events.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const FIXTURE = fileURLToPath(new URL('./fixtures/cluster-workers.ts', import.meta.url));

async function workers(mode: 'shared' | 'alone'): Promise<{ allowed: number; storeErrors: number }> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', FIXTURE, mode], { timeout: 90_000 });
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { allowed: number; storeErrors: number };
}

describe('rate limits across cluster workers', () => {
  test('served by the primary: two workers, 20 requests of one client, a budget of 10: 10 allowed', async () => {
    assert.deepEqual(await workers('shared'), { allowed: 10, storeErrors: 0 });
  });

  test('twin: a primary that does not serve them: each worker counts alone (20 allowed), every request a store error', async () => {
    assert.deepEqual(await workers('alone'), { allowed: 20, storeErrors: 20 });
  });
});
