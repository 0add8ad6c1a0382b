/**
 * Red team of issue 15: a password written in clear in a provisioning file is refused unless
 * `--allow-plain-passwords`; one from a variable is not. Magpie's files are expanded as text before
 * YAML reads them (as Birdhouse's envsubst does), so "from a variable" must mean the value read is
 * the variable's value, whole: not a reference followed by file text on the next line, nor a value
 * YAML cut at ` #`. Each refused spelling beside an accepted one; what is stored is checked.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { verifyPassword } from '../../src/auth/password.js';
import { TwitcherError } from '../../src/errors.js';
import { applyState } from '../../src/provision/apply.js';
import { readSources } from '../../src/provision/read-files.js';
import { openStore } from '../../src/store/open-store.js';

const magpie = (passwordLines: string) => `users:
  - username: bob
${passwordLines}
`;
const native = (passwordLines: string) => `format: twitcher/v1
users:
  bob:
${passwordLines}
`;

interface Case {
  name: string;
  text: string;
  env: Record<string, string>;
  /** The password bob gets, or a fragment of the refusal. */
  stored?: string;
  refused?: RegExp;
}

const CASES: Case[] = [
  // accepted: the value is the variable's
  {
    name: `Magpie \${A}`,
    text: magpie(`    password: \${A}`),
    env: { A: 'long-password-1' },
    stored: 'long-password-1',
  },
  {
    name: `Magpie "\${A}"`,
    text: magpie(`    password: "\${A}"`),
    env: { A: 'long password #1' },
    stored: 'long password #1',
  },
  {
    name: 'Magpie $A',
    text: magpie('    password: $A'),
    env: { A: 'long-password-1' },
    stored: 'long-password-1',
  },
  {
    name: `native \${A}`,
    text: native(`    password: \${A}`),
    env: { A: 'long password #1' },
    stored: 'long password #1',
  },
  // refused: text of the file passes as the variable's
  {
    name: `Magpie \${EMPTY} continued on the next line by the clear password`,
    text: magpie(`    password: \${A}\n      hunter2hunter2`),
    env: { A: '' },
    refused: /not the value of its variable/,
  },
  {
    name: `Magpie \${A} continued on the next line`,
    text: magpie(`    password: \${A}\n      hunter2hunter2`),
    env: { A: 'abc' },
    refused: /not the value of its variable/,
  },
  {
    name: `Magpie \${A} whose value YAML cuts at " #" (a shorter password than meant)`,
    text: magpie(`    password: \${A}`),
    env: { A: 'long-password #1' },
    refused: /not the value of its variable/,
  },
  {
    name: `Magpie \${A}x`,
    text: magpie(`    password: \${A}x1234567`),
    env: { A: 'abc' },
    refused: /in clear/,
  },
  { name: 'Magpie clear', text: magpie('    password: hunter2hunter2'), env: {}, refused: /in clear/ },
  {
    name: 'Magpie flow mapping',
    text: magpie('    group: g\n  - {username: eve, password: hunter2hunter2}'),
    env: {},
    refused: /in clear/,
  },
  {
    name: `native \${EMPTY} continued on the next line`,
    text: native(`    password: \${A}\n      hunter2hunter2`),
    env: { A: '' },
    refused: /in clear/,
  },
  { name: 'native clear', text: native('    password: hunter2hunter2'), env: {}, refused: /in clear/ },
];

describe('red team 15: a password from a variable is the variable value, whole', () => {
  for (const c of CASES) {
    test(`${c.name}: ${c.refused ? 'refused' : 'accepted'}`, async (t) => {
      const store = await openStore('sqlite::memory:');
      t.after(() => store.close());
      const name = c.text.startsWith('format:') ? 'site.yaml' : 'config.yml';
      const run = () =>
        applyState(store, readSources([{ name, text: c.text }], c.env), { adminUsername: 'admin' });
      if (c.refused) {
        const err = await run().then(
          () => undefined,
          (e: unknown) => e,
        );
        assert.ok(err instanceof TwitcherError, 'refused');
        const messages = (err.fields ?? []).map((f) => f.message).join('\n');
        assert.match(messages, c.refused);
        assert.equal(await store.users.get('bob'), undefined, 'nothing applied');
        return;
      }
      await run();
      const bob = await store.users.get('bob');
      assert.ok(bob && (await verifyPassword(c.stored as string, bob.passwordHash)), 'the whole value');
    });
  }
});

describe('red team 15: a variable value that breaks the file is never echoed', () => {
  const VALUES = ['*s3cret-VALUE', 's3cr"et-VALUE', '[s3cret-VALUE', '{s3cret VALUE', 's3cr: et-VALUE'];
  for (const value of VALUES) {
    test(`${JSON.stringify(value)}: the problem is told by line and column, without the value`, async (t) => {
      const store = await openStore('sqlite::memory:');
      t.after(() => store.close());
      const text = `users:\n  - username: bob\n    password: "\${PW}"\n  - username: eve\n    password: \${PW}\n`;
      const read = readSources([{ name: 'config.yml', text }], { PW: value });
      const err = await applyState(store, read, { adminUsername: 'admin', dryRun: true }).then(
        () => undefined,
        (e: unknown) => e,
      );
      const told = JSON.stringify([read.notes, err instanceof TwitcherError ? err.fields : String(err)]);
      assert.ok(!told.includes('VALUE'), told);
    });
  }
  test('the allowed twin: a value YAML reads as is applies', async (t) => {
    const store = await openStore('sqlite::memory:');
    t.after(() => store.close());
    const text = `users:\n  - username: bob\n    password: "\${PW}"\n`;
    await applyState(store, readSources([{ name: 'config.yml', text }], { PW: 's3cret-VALUE' }), {
      adminUsername: 'admin',
    });
    const bob = await store.users.get('bob');
    assert.ok(bob && (await verifyPassword('s3cret-VALUE', bob.passwordHash)));
  });
});
