/**
 * What PyWPS (lxml, libxml2) reads from the same bytes: a UTF-7 body whose `+…-` runs are text to a
 * UTF-8 reader and markup to libxml2. Behind a declaration longer than a fixed scan, or behind a
 * UTF-8 byte order mark (libxml2 follows the declaration anyway), it hides an Execute of the canary
 * inside a comment of a GetCapabilities document. Sent straight to PyWPS the canary runs (the bytes
 * are dangerous); through Twitcher they are refused and the canary does not run.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { encodeText } from '../helpers/fuzz-body.js';
import { readCanaryLog } from '../helpers/fuzz-runner.js';
import { type PeerServer, peerAvailable, requirePeer, startPyWPS } from '../helpers/peers.js';
import { registerService } from '../helpers/register.js';

const WPS = 'xmlns:wps="http://www.opengis.net/wps/1.0.0" xmlns:ows="http://www.opengis.net/ows/1.1"';

/** UTF-7 (RFC 2152): a `+`, the UTF-16BE bytes in base64 without padding, a `-`. */
function utf7(text: string): string {
  return `+${encodeText(text, 'utf-16be', false).toString('base64').replace(/=+$/, '')}-`;
}

function smuggled(tag: string, { bom, padding }: { bom: boolean; padding: number }): Buffer {
  const hidden =
    `--><wps:Execute ${WPS} service="WPS" version="1.0.0"><ows:Identifier>canary</ows:Identifier>` +
    `<wps:DataInputs><wps:Input><ows:Identifier>tag</ows:Identifier><wps:Data><wps:LiteralData>${tag}` +
    '</wps:LiteralData></wps:Data></wps:Input></wps:DataInputs></wps:Execute><?x';
  const text =
    `<?xml version="1.0"${' '.repeat(padding)}encoding="UTF-7"?>\n<!-- ${utf7(hidden)} -->\n` +
    `<wps:GetCapabilities ${WPS} service="WPS"/>\n<?y ?>`;
  return Buffer.concat([bom ? Buffer.from([0xef, 0xbb, 0xbf]) : Buffer.alloc(0), Buffer.from(text)]);
}

describe('interop: XML encodings as PyWPS reads them', () => {
  let wps: PeerServer | undefined;
  let app: TestApp | undefined;
  let dir = '';
  let log = '';

  before(async () => {
    if (!peerAvailable('pywps').ok) return;
    dir = mkdtempSync(join(tmpdir(), 'twitcher-xml-encoding-'));
    log = join(dir, 'canary.log');
    wps = await startPyWPS({ env: { WPS_CANARY_LOG: log, WPS_LOG_LEVEL: 'WARNING' } });
    app = await startTestApp(undefined);
    await registerService(app, { name: 'emu', url: wps.url, type: 'wps', auth: 'token' });
  });
  after(async () => {
    await app?.close();
    await wps?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const variant of [
    { name: 'a 300-byte declaration', bom: false, padding: 300 },
    { name: 'a UTF-8 byte order mark', bom: true, padding: 1 },
  ]) {
    test(`UTF-7 behind ${variant.name}: PyWPS runs the hidden Execute; through Twitcher it is refused`, async (t) => {
      if (!requirePeer(t, 'pywps')) return;
      const post = (url: string, tag: string) =>
        fetch(url, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: smuggled(tag, variant) });
      const direct = `direct-${variant.padding}-${variant.bom}`;
      await post(`${wps?.url}`, direct);
      assert.ok(
        readCanaryLog(log).some((r) => r.tag === direct),
        'sent straight to PyWPS, the hidden Execute runs (else this test proves nothing)',
      );
      const through = `through-${variant.padding}-${variant.bom}`;
      const res = await post(`${app?.url}/ows/proxy/emu`, through);
      assert.equal(res.status, 400);
      assert.match(await res.text(), /ExceptionReport/);
      assert.ok(!readCanaryLog(log).some((r) => r.tag === through), 'through Twitcher the canary never runs');
    });
  }
});
