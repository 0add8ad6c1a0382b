#!/usr/bin/env node
// Runs every test file under test/ with node:test through tsx.
// Node 20's `node --test dir/` finds no .ts files (and passes with 0 tests), so the list is explicit.
// Usage: node scripts/run-tests.mjs [filter...]   (a filter keeps files whose path contains it)
// Files run CONCURRENCY at a time (TWITCHER_TEST_CONCURRENCY, or a --test-concurrency=N argument):
// most of them wait on sockets, peers and child processes, and node's own default
// (availableParallelism() - 1) is one file at a time on a 2-core machine, which left the second
// core idle (the whole suite used 110% CPU, 328 s). Cores + 1 keeps both busy while files wait.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const passthrough = process.argv.slice(2).filter((a) => a.startsWith('--'));

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const files = walk(join(root, 'test'))
  .map((p) => relative(root, p))
  .filter((p) => filters.length === 0 || filters.some((f) => p.includes(f)))
  .sort();
if (files.length === 0) {
  console.error('run-tests: no test file matched');
  process.exit(1);
}
const CONCURRENCY = process.env.TWITCHER_TEST_CONCURRENCY ?? String(availableParallelism() + 1);
const concurrency = passthrough.some((a) => a.startsWith('--test-concurrency'))
  ? []
  : [`--test-concurrency=${CONCURRENCY}`];
const args = ['--import', 'tsx', '--test', '--test-reporter=spec', ...concurrency, ...passthrough, ...files];
const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
