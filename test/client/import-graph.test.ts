import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const CLIENT_DIR = fileURLToPath(new URL('../../src/client/', import.meta.url));

/**
 * The one import from outside Node's built-ins: undici's Agent, for `insecure` (Node's fetch is undici
 * but Node does not expose its Agent). Only this file, and only as a dynamic import.
 */
const ALLOWED_PACKAGES: Record<string, { file: string; dynamicOnly: boolean }> = {
  undici: { file: 'insecure-dispatcher.ts', dynamicOnly: true },
};

interface ImportRef {
  specifier: string;
  dynamic: boolean;
}

/** Every module specifier of a TypeScript file: static imports and re-exports, and import(). */
function importsOf(source: string): ImportRef[] {
  const refs: ImportRef[] = [];
  const staticRe = /^\s*(?:import|export)\s[^;]*?\bfrom\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]/gm;
  for (const m of source.matchAll(staticRe)) refs.push({ specifier: m[1] ?? m[2] ?? '', dynamic: false });
  for (const m of source.matchAll(/\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    refs.push({ specifier: m[1] ?? '', dynamic: true });
  }
  // require() or a computed import() would slip by the lines above: there must be none
  assert.doesNotMatch(source, /\brequire\s*\(|\bimport\s*\(\s*[^'"\s]/, 'a require() or computed import()');
  return refs;
}

test('src/client imports nothing but src/client and node: built-ins (the server stays out)', () => {
  const files = readdirSync(CLIENT_DIR).filter((f) => f.endsWith('.ts'));
  assert.ok(files.includes('index.ts'), 'src/client/index.ts exists');
  const problems: string[] = [];
  let checked = 0;
  for (const file of files) {
    for (const { specifier, dynamic } of importsOf(readFileSync(join(CLIENT_DIR, file), 'utf8'))) {
      checked++;
      if (specifier.startsWith('node:')) {
        if (!builtinModules.includes(specifier.slice(5)))
          problems.push(`${file}: ${specifier} is not a built-in`);
        continue;
      }
      if (specifier.startsWith('.')) {
        const target = resolve(CLIENT_DIR, specifier.replace(/\.js$/, '.ts'));
        const rel = relative(CLIENT_DIR, target);
        if (rel.startsWith('..') || rel.includes('/'))
          problems.push(`${file}: ${specifier} leaves src/client`);
        else if (!existsSync(target)) problems.push(`${file}: ${specifier} does not exist`);
        continue;
      }
      const allowed = ALLOWED_PACKAGES[specifier];
      if (allowed && allowed.file === file && (dynamic || !allowed.dynamicOnly)) continue;
      problems.push(`${file}: imports "${specifier}"${dynamic ? ' (dynamic)' : ''}`);
    }
  }
  assert.deepEqual(problems, []);
  assert.ok(checked > files.length, 'the import scan found the imports');
});

test('src/cli and twitcherctl are built on src/client only (no server module)', () => {
  const cliDir = fileURLToPath(new URL('../../src/cli/', import.meta.url));
  const srcDir = fileURLToPath(new URL('../../src/', import.meta.url));
  const files = [
    ...readdirSync(cliDir, { recursive: true, encoding: 'utf8' }).map((f) => join(cliDir, f)),
    join(srcDir, 'bin', 'twitcherctl.ts'),
  ].filter((f) => f.endsWith('.ts'));
  const problems: string[] = [];
  for (const file of files) {
    for (const { specifier } of importsOf(readFileSync(file, 'utf8'))) {
      if (specifier.startsWith('node:')) continue;
      const target = relative(srcDir, resolve(join(file, '..'), specifier));
      // twitcherctl apply reads provisioning files where it runs, with the server's readers (that command only)
      const readsFiles =
        relative(srcDir, file) === join('cli', 'commands', 'provision.ts') && target.startsWith('provision/');
      if (!specifier.startsWith('.') || !(/^(cli|client)\//.test(target) || readsFiles)) {
        problems.push(`${relative(srcDir, file)}: imports "${specifier}"`);
      }
    }
  }
  assert.deepEqual(problems, []);
  assert.ok(files.length > 10);
});

test('the scanner sees the imports that would break the rule', () => {
  const refs = importsOf(
    "import { a } from '../errors.js';\nimport type { B } from 'fastify';\nexport * from './x.js';\nimport 'side';\nconst m = await import('undici');",
  );
  assert.deepEqual(
    refs.map((r) => r.specifier),
    ['../errors.js', 'fastify', './x.js', 'side', 'undici'],
  );
  assert.throws(() => importsOf("const x = require('fs');"));
});
