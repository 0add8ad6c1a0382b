import { readFileSync } from 'node:fs';

/**
 * twitcherctl's version: the package's, read at run time from package.json (two levels up from both
 * src/cli and dist/cli), so that the client code imports nothing of the server's version module.
 */
function readVersion(): string {
  try {
    const pkg: unknown = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    const version =
      pkg !== null && typeof pkg === 'object' ? (pkg as { version?: unknown }).version : undefined;
    return typeof version === 'string' ? version : 'unknown';
  } catch {
    return 'unknown';
  }
}

export const VERSION = readVersion();
