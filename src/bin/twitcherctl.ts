#!/usr/bin/env node
import { main } from '../cli/main.js';

// Exit codes: 0 done, 1 refused by the server, 2 usage error, 3 server unreachable (see src/cli/exit-codes.ts).
main(process.argv.slice(2), {
  env: process.env,
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // main() reports its own errors; this is a bug in twitcherctl itself
    process.stderr.write(`twitcherctl: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
