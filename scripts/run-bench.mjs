#!/usr/bin/env node
// `npm run bench`: builds dist/ when it is missing or older than src/, then runs the proxy bench
// (bench/proxy.bench.ts, which after a full run also rewrites the generated part of
// docs/performance.md), the access-token, X.509 and authorization benches, through tsx. The benches
// start Twitcher from dist/, so a stale build would measure old code.
// Signals are passed on and the bench is waited for, so it can stop what it started and remove its
// temp dir before this process exits.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

function mtime(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Why dist/ must be rebuilt, or undefined when every src/*.ts has an up-to-date .js. */
function staleReason() {
  const configs = ['tsconfig.json', 'tsconfig.build.json', 'package-lock.json'].map(
    (f) => mtime(join(root, f)) ?? 0,
  );
  const newestConfig = Math.max(...configs);
  for (const src of walk(join(root, 'src'))) {
    const rel = relative(join(root, 'src'), src);
    const out = join(root, 'dist', rel.replace(/\.ts$/, '.js'));
    const built = mtime(out);
    if (built === undefined) return `dist/${relative(join(root, 'dist'), out)} is missing`;
    if (built < (mtime(src) ?? 0)) return `src/${rel} is newer than its build`;
    if (built < newestConfig) return 'the TypeScript configuration or dependencies changed';
  }
  return undefined;
}

const reason = staleReason();
if (reason) {
  process.stderr.write(`run-bench: building (${reason})\n`);
  const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) {
    process.stderr.write('run-bench: the build failed\n');
    process.exit(1);
  }
}

// The proxy bench, the access-token bench, the X.509 bench, the authorization bench
// (BENCH_ONLY=proxy|tokens|x509|authz runs one).
const benches = ['proxy', 'tokens', 'x509', 'authz'].filter(
  (b) => !process.env.BENCH_ONLY || process.env.BENCH_ONLY === b,
);
let current;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  // On Ctrl-C the terminal signals the whole group, the bench included; a kill aimed at this
  // process alone is passed on. Either way, wait for the bench's own cleanup.
  process.on(signal, () => current?.kill(signal));
}
let failed = false;
for (const bench of benches) {
  current = spawn(process.execPath, ['--import', 'tsx', `bench/${bench}.bench.ts`], {
    cwd: root,
    stdio: 'inherit',
  });
  const [code, signal] = await new Promise((resolve) => current.on('exit', (c, s) => resolve([c, s])));
  if (signal) process.exit(1);
  if (code !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
