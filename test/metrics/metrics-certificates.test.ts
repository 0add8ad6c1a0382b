import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { admin } from '../helpers/register.js';
import { parseSamples, sampleValue } from './prom-text.js';

const dir = mkdtempSync(join(tmpdir(), 'twitcher-metrics-certs-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A key and CSR made with openssl (EC: made in milliseconds). */
function makeCSR(): string {
  const csrFile = join(dir, 'csr.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-subj',
      '/CN=dummy',
    ].concat(['-keyout', join(dir, 'key.pem'), '-out', csrFile]),
    { stdio: 'ignore' },
  );
  return readFileSync(csrFile, 'utf8');
}

function logon(app: TestApp, password: string, body: string): Promise<Response> {
  return fetch(`${app.url}/myproxy/logon`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`alice:${password}`).toString('base64')}`,
    },
    body,
  });
}

describe('certificate logons', () => {
  test('counted by backend and outcome: issued, refused credentials, a bad request', async (t) => {
    const app = await startTestApp(t, { caDir: join(dir, 'ca') });
    await admin(app, 'POST', '/users', { username: 'alice', password: 'alice-password-1' });
    const form = `certificate_request=${encodeURIComponent(makeCSR())}`;
    const issued = await logon(app, 'alice-password-1', form);
    assert.equal(issued.status, 200, await issued.clone().text());
    await issued.text();
    const refused = await logon(app, 'not-her-password', form);
    assert.equal(refused.status, 401);
    await refused.text();
    const bad = await logon(app, 'alice-password-1', 'certificate_request=');
    assert.equal(bad.status, 400);
    await bad.text();

    const res = await fetch(`${app.url}/metrics`, { headers: { authorization: app.adminAuth } });
    const samples = parseSamples(await res.text());
    const logons = (outcome: string) =>
      sampleValue(samples, 'twitcher_certificate_logons_total', { backend: 'ca', outcome });
    assert.equal(logons('issued'), 1);
    assert.equal(logons('invalid_credentials'), 1);
    assert.equal(logons('invalid_request'), 1);
    assert.equal(sampleValue(samples, 'twitcher_certificate_logons_total'), 3);
  });
});
