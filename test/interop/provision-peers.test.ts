/**
 * Provisioning against a real upstream: Birdhouse's emu Magpie files (anonymous may Execute) and a
 * native file (a second service where anonymous may only describe) applied to a fresh store, then
 * Execute on the real PyWPS through /ows/proxy and /ows/verify: allowed where the files allow it,
 * refused (401, nothing reaches PyWPS's process) where they do not.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { applyState } from '../../src/provision/apply.js';
import { readSources } from '../../src/provision/read-files.js';
import { startTestApp } from '../helpers/app.js';
import { requirePeer, startPyWPS } from '../helpers/peers.js';

const BIRDHOUSE = new URL('../fixtures/birdhouse-magpie/', import.meta.url);
// nginx's auth_request subrequest names the client's method (without it a GET is judged as a possible POST too)
const ORIGINAL_GET = { headers: { 'x-original-method': 'GET' } };
const EXECUTE = 'service=WPS&request=Execute&version=1.0.0&identifier=hello&DataInputs=name=provisioned';

test('files applied decide Execute on the real PyWPS, through /ows/proxy and /ows/verify alike', async (t) => {
  if (!requirePeer(t, 'pywps')) return;
  const wps = await startPyWPS();
  t.after(() => wps.stop());
  const app = await startTestApp(t);
  const port = new URL(wps.url).port;
  const magpie = ['providers', 'permissions'].map((kind) => {
    const name = `optional-components__emu__${kind}.cfg.template`;
    return { name, text: readFileSync(new URL(name, BIRDHOUSE), 'utf8') };
  });
  const native = {
    name: 'closed.yaml',
    text: `format: twitcher/v1
services:
  closed:
    url: ${wps.url}
    type: wps
    auth: acl
permissions:
  - service: closed
    group: anonymous
    permission: describeprocess
`,
  };
  // Birdhouse's emu at http://emu:PORT/wps: the peer answers on 127.0.0.1
  const env = { EMU_NAME: 'emu', EMU_INTERNAL_PORT: port };
  const read = readSources([...magpie, native], env);
  read.state.services = read.state.services.map((s) =>
    s.service.name === 'emu' ? { ...s, service: { ...s.service, url: wps.url } } : s,
  );
  const result = await applyState(app.store, read, { adminUsername: 'admin' });
  assert.equal(result.applied, true);

  const allowed = await fetch(`${app.url}/ows/proxy/emu?${EXECUTE}`);
  const body = await allowed.text();
  assert.equal(allowed.status, 200, body);
  assert.match(body, /ExecuteResponse/);
  assert.match(body, /Hello provisioned/);
  assert.equal((await fetch(`${app.url}/ows/verify/emu?${EXECUTE}`, ORIGINAL_GET)).status, 200);

  const refused = await fetch(`${app.url}/ows/proxy/closed?${EXECUTE}`);
  const report = await refused.text();
  assert.equal(refused.status, 401, report);
  assert.match(report, /ExceptionReport/);
  assert.doesNotMatch(report, /Hello provisioned/);
  assert.equal((await fetch(`${app.url}/ows/verify/closed?${EXECUTE}`, ORIGINAL_GET)).status, 401);
  // what the file does allow there still passes
  const describe = await fetch(
    `${app.url}/ows/proxy/closed?service=WPS&request=DescribeProcess&version=1.0.0&identifier=hello`,
  );
  assert.equal(describe.status, 200);
  await describe.arrayBuffer();
});
