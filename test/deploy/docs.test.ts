/**
 * docs/deployment.md walks through the recipes: what it names must exist (settings, files of this
 * repository, the pages it links to), so that the page cannot drift from the recipes.
 */
import assert from 'node:assert/strict';
import { dirname, join, normalize } from 'node:path';
import { test } from 'node:test';
import { readRecipe, recipeExists, twitcherVariablesIn, unknownVariables } from './recipes.js';

const PAGE = 'docs/deployment.md';
const text = readRecipe(PAGE);

test('every TWITCHER_* variable it shows is a setting', () => {
  const names = twitcherVariablesIn(text);
  assert.ok(names.length > 10);
  assert.deepEqual(unknownVariables(names), []);
});

test('denied: a variable that is no setting would be caught', () => {
  assert.deepEqual(unknownVariables(twitcherVariablesIn('TWITCHER_DRAIN_TIME=30s')), ['TWITCHER_DRAIN_TIME']);
});

test('the recipe files it names and the pages it links exist', () => {
  const named = [
    ...text.matchAll(
      /(?<![\w/.-])((?:deploy|docs)\/[\w./-]*\w|Dockerfile|\.dockerignore|docker-compose\.yml)/g,
    ),
  ].map((m) => m[1]!);
  const linked = [...text.matchAll(/\]\(([^)#:]+)(?:#[^)]*)?\)/g)].map((m) =>
    normalize(join(dirname(PAGE), m[1]!)),
  );
  assert.ok(named.length > 5 && linked.length > 5);
  for (const path of new Set([...named, ...linked])) assert.ok(recipeExists(path), `${path} exists`);
});
