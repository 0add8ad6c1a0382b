import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { redactURL } from '../../src/http/logger.js';
import { ADMIN_PASSWORD, startTestApp } from '../helpers/app.js';
import { waitFor } from '../helpers/fault-upstream.js';

test('log lines are JSON with a request id and never carry passwords, secrets or tokens', async (t) => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  const { url, adminAuth } = await startTestApp(t, { overrides: { 'log.level': 'trace' }, logStream: sink });
  const secretToken = 'tok-SECRET-1234567890';
  const clientSecret = 'cs-SECRET-abcdefghij';
  await fetch(`${url}/services?access_token=${secretToken}&client_secret=${clientSecret}`, {
    headers: { authorization: adminAuth, cookie: `auth_tkt=${secretToken}` },
  });
  await fetch(`${url}/services`, { headers: { authorization: `Bearer ${secretToken}` } });
  await fetch(`${url}/services`, {
    headers: { authorization: `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}-wrong`).toString('base64')}` },
  });
  await fetch(`${url}/services`, {
    method: 'POST',
    headers: { authorization: adminAuth, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'emu', url: 'http://127.0.0.1:5000/wps', password: ADMIN_PASSWORD }),
  });
  // each answer is logged once sent ('request completed'): wait for the four, not a guessed time
  await waitFor(
    () => lines.filter((l) => l.includes('"request completed"')).length >= 4,
    'the four requests logged as completed',
  );

  assert.ok(lines.length >= 8, `expected log lines, got ${lines.length}`);
  const all = lines.join('\n');
  for (const secret of [secretToken, clientSecret, ADMIN_PASSWORD, adminAuth.slice(6)]) {
    assert.ok(!all.includes(secret), `a log line contains ${secret}`);
  }
  const parsed = lines.map((l) => JSON.parse(l) as { reqId?: string; req?: { url: string } });
  assert.ok(parsed.some((l) => l.reqId && l.req?.url.includes('access_token=[redacted]')));
});

test('redactURL masks secret parameters only', () => {
  assert.equal(redactURL('/x'), '/x');
  assert.equal(redactURL('/x?a=1&access_token=t&B=2'), '/x?a=1&access_token=[redacted]&B=2');
  assert.equal(redactURL('/x?ACCESS_TOKEN=t'), '/x?ACCESS_TOKEN=[redacted]');
  assert.equal(redactURL('/x?client%5Fsecret=s'), '/x?client%5Fsecret=[redacted]');
  assert.equal(redactURL('/x?service=WPS&request=Execute'), '/x?service=WPS&request=Execute');
});
