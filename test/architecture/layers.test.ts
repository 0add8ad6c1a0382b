import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { LAYERS, layerOf } from './layer-map.js';

/**
 * The layering of docs/architecture.md, checked on the import graph of src/: every import (static,
 * type-only, re-export, dynamic `import()`, `import('x').T` in a type) goes to the same layer or a
 * lower one, and no file reaches itself through imports (type-only ones included: a cycle of types is
 * still two files that cannot be understood apart).
 */

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return walk(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/** Every module specifier of a file, as the TypeScript parser sees it. */
export function specifiersOf(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      found.push(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] !== undefined
    ) {
      const arg = node.arguments[0];
      assert.ok(ts.isStringLiteral(arg), `${fileName}: a computed import() escapes the layering check`);
      found.push(arg.text);
    } else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      found.push(node.argument.literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The graph of src/: file (relative to src/) → the src files it imports. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const path of walk(SRC)) {
    const file = relative(SRC, path);
    const targets = specifiersOf(file, readFileSync(path, 'utf8'))
      .filter((s) => s.startsWith('.'))
      .map((s) => relative(SRC, resolve(dirname(path), s.replace(/\.js$/, '.ts'))));
    graph.set(file, targets);
  }
  return graph;
}

/** Strongly connected components of more than one file (or a file importing itself). */
function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const stack: string[] = [];
  const onStack = new Set<string>();
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const found: string[][] = [];
  const connect = (v: string): void => {
    indexOf.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!indexOf.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) ?? 0, indexOf.get(w) ?? 0));
      }
    }
    if (low.get(v) === indexOf.get(v)) {
      const component: string[] = [];
      let w: string | undefined;
      do {
        w = stack.pop();
        if (w === undefined) break;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!indexOf.has(v)) connect(v);
  return found;
}

const graph = importGraph();

test('every file of src/ has a layer', () => {
  const unplaced = [...graph.keys()].filter((f) => layerOf(f) === undefined);
  assert.deepEqual(unplaced, [], 'files that no rule of test/architecture/layer-map.ts places');
});

/**
 * twitcherctl apply reads provisioning files where it runs (variables, password files, Magpie's
 * formats) with the server's own readers, loaded by that command only: the one way down from cli/.
 */
const READS_PROVISIONING_FILES = (file: string, target: string) =>
  file === 'cli/commands/provision.ts' && target.startsWith('provision/');

test('no import goes up a layer', () => {
  const upward: string[] = [];
  for (const [file, targets] of graph) {
    const from = layerOf(file);
    if (from === undefined) continue;
    for (const target of targets) {
      const to = layerOf(target);
      if (to === undefined || READS_PROVISIONING_FILES(file, target)) continue;
      if (!from.mayImport.includes(to.name)) upward.push(`${file} (${from.name}) → ${target} (${to.name})`);
    }
  }
  assert.deepEqual(upward, []);
});

test('no import cycles, type-only imports included', () => {
  assert.deepEqual(cycles(graph), []);
});

test('every import of src/ names a file that exists', () => {
  const missing = [...graph].flatMap(([file, targets]) =>
    targets.filter((t) => !graph.has(t)).map((t) => `${file} → ${t}`),
  );
  assert.deepEqual(missing, []);
});

test('the layer map is a strict order: a layer never admits one above it', () => {
  const rank = new Map(LAYERS.map((l, i) => [l.name, i]));
  for (const layer of LAYERS) {
    for (const other of layer.mayImport) {
      const r = rank.get(other);
      assert.ok(r !== undefined, `${layer.name} names an unknown layer ${other}`);
      assert.ok(r <= (rank.get(layer.name) ?? -1), `${layer.name} may import ${other}, above it`);
    }
  }
});

test('denied twin: the check sees an upward import, a type-only cycle and a dynamic import', () => {
  assert.deepEqual(
    specifiersOf(
      'x.ts',
      "import type { A } from './a.js';\nexport * from './b.js';\nconst c = await import('./c.js');\ntype D = import('./d.js').D;",
    ),
    ['./a.js', './b.js', './c.js', './d.js'],
  );
  const ows = layerOf('ows/kvp.ts');
  const store = layerOf('store/types.ts');
  assert.ok(ows && store && !ows.mayImport.includes(store.name), 'ows/ may not import store/');
  assert.deepEqual(
    cycles(
      new Map([
        ['a.ts', ['b.ts']],
        ['b.ts', ['a.ts']],
        ['c.ts', ['a.ts']],
      ]),
    ),
    [['a.ts', 'b.ts']],
  );
});
