/**
 * Red team of issue 15: what a provisioning file can do to its reader. An alias bomb is a problem
 * at the file (not a crash), duplicate keys and tags never pick a value silently, and a file in
 * Twitcher's format is read as such whatever the spelling or place of its `format` key: read as
 * Magpie's, its services and users were dropped with a note and its permissions read by Magpie's
 * rules, and `apply` went on.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TwitcherError } from '../../src/errors.js';
import { applyState } from '../../src/provision/apply.js';
import { isNativeFile, readSources } from '../../src/provision/read-files.js';
import { openStore } from '../../src/store/open-store.js';

const BOMB = `a: &a ["x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
`;
const SERVICE = { url: 'http://127.0.0.1:9/thredds', type: 'thredds', auth: 'acl' };
const DENY = { service: 'tds', group: 'anonymous', permission: 'read-deny' };

interface Case {
  name: string;
  file: string;
  text: string;
  /** What the plan says, or a fragment of the refusal. */
  plan?: string[];
  refused?: RegExp;
}

const CASES: Case[] = [
  {
    name: 'JSON with "format" first (allowed twin)',
    file: 'site.json',
    text: JSON.stringify({ format: 'twitcher/v1', services: { tds: SERVICE }, permissions: [DENY] }),
    plan: ['add service tds', 'add permission group:anonymous read-deny-recursive on tds'],
  },
  {
    name: 'JSON with "format" last',
    file: 'site.json',
    text: JSON.stringify({ services: { tds: SERVICE }, permissions: [DENY], format: 'twitcher/v1' }),
    plan: ['add service tds', 'add permission group:anonymous read-deny-recursive on tds'],
  },
  {
    name: 'YAML with a quoted "format" key',
    file: 'site.yaml',
    text: `"format": twitcher/v1\nservices:\n  tds: {url: "${SERVICE.url}", type: thredds, auth: acl}\n`,
    plan: ['add service tds'],
  },
  {
    name: 'YAML with an unknown format',
    file: 'site.yaml',
    text: `'format': twitcher/v9\nservices: {}\n`,
    refused: /must be twitcher\/v1/,
  },
  {
    name: 'an alias bomb, native',
    file: 'bomb.yaml',
    text: `format: twitcher/v1\n${BOMB}`,
    refused: /alias/,
  },
  { name: 'an alias bomb, Magpie', file: 'bomb.cfg', text: BOMB, refused: /alias/ },
  {
    name: 'a permission given twice in one entry',
    file: 'site.yaml',
    text: `format: twitcher/v1\nservices:\n  tds: {url: "${SERVICE.url}", type: thredds, auth: acl}\npermissions:\n  - {service: tds, group: anonymous, permission: read-deny, permission: read}\n`,
    refused: /unique/,
  },
  {
    name: 'a tag that would make a function',
    file: 'site.yaml',
    text: `format: twitcher/v1\nservices:\n  tds: {url: "${SERVICE.url}", type: thredds, auth: acl}\npermissions:\n  - {service: tds, group: anonymous, permission: !!js/function "function(){return 'read'}"}\n`,
    refused: /takes browse, read, write/,
  },
];

describe('red team 15: files that attack the reader', () => {
  for (const c of CASES) {
    test(`${c.name}: ${c.refused ? 'refused' : 'planned'}`, async (t) => {
      const store = await openStore('sqlite::memory:');
      t.after(() => store.close());
      const read = readSources([{ name: c.file, text: c.text }], {});
      const run = () => applyState(store, read, { adminUsername: 'admin', dryRun: true });
      if (c.refused) {
        const err = await run().then(
          () => undefined,
          (e: unknown) => e,
        );
        assert.ok(err instanceof TwitcherError, `refused as a problem of the file, not ${String(err)}`);
        assert.match((err.fields ?? []).map((f) => `${f.field}: ${f.message}`).join('\n'), c.refused);
        return;
      }
      const { changes, notes } = await run();
      assert.deepEqual(
        notes.filter((n) => n.severity !== 'info'),
        [],
        'nothing dropped',
      );
      assert.deepEqual(
        changes.map((ch) => `${ch.action} ${ch.kind} ${ch.key}`),
        c.plan,
      );
    });
  }

  test('a Magpie file naming no format stays Magpie (the denied twin of the detection)', () => {
    const magpie = `providers:\n  tds: {url: "${SERVICE.url}", type: thredds}\npermissions:\n  - {service: tds, group: anonymous, permission: read}\n`;
    assert.equal(isNativeFile({ name: 'providers.cfg', text: magpie }), false);
    assert.equal(isNativeFile({ name: 'x.cfg', text: `${magpie}# the format: of a comment\n` }), false);
  });
});
