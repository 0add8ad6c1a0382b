import { readFileSync } from 'node:fs';

interface PackageJSON {
  name: string;
  version: string;
  description: string;
  license: string;
}

/** Twitcher's own package.json (one level above src/ and dist/). */
export const PACKAGE: PackageJSON = JSON.parse(
  readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
) as PackageJSON;
