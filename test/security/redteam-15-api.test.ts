/**
 * Red team of issue 15: POST /provision reads the document as sent and expands nothing (twitcherctl
 * expands where the files are). A committed file sent as written (curl, a script) carried
 * `password: ${ALICE_PASSWORD}`, and alice's password became that text, which anyone reading the
 * repository knows. A secret that is still a `${NAME}` reference is refused; an expanded one applies.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { verifyPassword } from '../../src/auth/password.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

async function provision(app: TestApp, document: unknown): Promise<{ status: number; body: string }> {
  const res = await fetch(`${app.url}/provision`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: app.adminAuth },
    body: JSON.stringify({ document }),
  });
  return { status: res.status, body: await res.text() };
}

const reference = (name: string) => `\${${name}}`;

const CASES = [
  {
    name: 'a user password',
    doc: (v: string) => ({ format: 'twitcher/v1', users: { alice: { password: v } } }),
  },
  {
    name: 'a client secret',
    doc: (v: string) => ({ format: 'twitcher/v1', clients: { portal: { name: 'Portal', secret: v } } }),
  },
];

describe('red team 15: a secret sent to the admin API unexpanded', () => {
  for (const c of CASES) {
    test(`${c.name} that is still \${NAME}: refused, nothing applied`, async (t) => {
      const app = await startTestApp(t);
      const answer = await provision(app, c.doc(reference('ALICE_PASSWORD')));
      assert.equal(answer.status, 422, answer.body);
      assert.match(answer.body, /never expanded/);
      assert.equal(await app.store.users.get('alice'), undefined);
      assert.equal(await app.store.clients.get('portal'), undefined);
    });
    test(`${c.name} expanded (by twitcherctl): applied`, async (t) => {
      const app = await startTestApp(t);
      const answer = await provision(app, c.doc('alice-password-1'));
      assert.equal(answer.status, 200, answer.body);
    });
  }

  test('the applied password is the value sent, and a reference-looking one is not stored', async (t) => {
    const app = await startTestApp(t);
    await provision(app, CASES[0]?.doc('alice-password-1'));
    const alice = await app.store.users.get('alice');
    assert.ok(alice && (await verifyPassword('alice-password-1', alice.passwordHash)));
    assert.ok(!(await verifyPassword(reference('ALICE_PASSWORD'), alice.passwordHash)));
  });
});
