/**
 * How the benches start Twitcher: as `npm start` does, with the same node flags (read from
 * package.json's `start` script, the one place they are written), from dist/.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = new URL('../..', import.meta.url).pathname;

/** `[...node flags of npm start, dist/bin/twitcher.js, 'serve']`, to run with process.execPath. */
export function twitcherServeArgs(extraNodeArgs: string[] = []): string[] {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const words = pkg.scripts.start.split(/\s+/);
  const flags = words.slice(words.indexOf('node') + 1).filter((w) => w.startsWith('--'));
  return [...flags, ...extraNodeArgs, join(ROOT, 'dist/bin/twitcher.js'), 'serve'];
}
