import assert from 'node:assert/strict';
import { isTwitcherError } from '../../src/errors.js';

/** Asserts that `fn` throws TwitcherError('invalid_certificate') (401) whose public description matches. */
export function assertRefused(fn: () => unknown, description: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isTwitcherError(err), `expected a TwitcherError, got ${String(err)}`);
    assert.equal(err.code, 'invalid_certificate');
    assert.equal(err.status, 401);
    assert.match(err.description, description);
    return true;
  });
}

/** The same for a function that awaits something first (e.g. makes the certificate). */
export async function assertRejected(fn: () => Promise<unknown>, description: RegExp): Promise<void> {
  await assert.rejects(fn, (err: unknown) => {
    assert.ok(isTwitcherError(err), `expected a TwitcherError, got ${String(err)}`);
    assert.equal(err.code, 'invalid_certificate');
    assert.equal(err.status, 401);
    assert.match(err.description, description);
    return true;
  });
}
