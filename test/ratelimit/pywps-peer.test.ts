/**
 * With real peers: PyWPS behind the proxy, tokens of the client credentials grant, a per-client
 * limit. Python's requests and OWSLib (the clients of the birdhouse) read the 429: its
 * ExceptionReport parsed by OWSLib, Retry-After and the RateLimit fields as requests sees them.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { addClient, fetchToken } from '../helpers/oauth.js';
import { PEERS_PYTHON, type PeerServer, peerAvailable, requirePeer, startPyWPS } from '../helpers/peers.js';
import { registerService } from '../helpers/register.js';

const run = promisify(execFile);

/** n Execute requests with requests, each answer read as a client would; then one through OWSLib's own execute. */
const CLIENT = `
import json, sys
import requests
from lxml import etree
from owslib.ows import ExceptionReport
from owslib.wps import WebProcessingService

url, token, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
auth = {'Authorization': 'Bearer ' + token}
out = []
for i in range(n):
    r = requests.get(url, params={'service': 'WPS', 'request': 'Execute', 'version': '1.0.0',
                                  'identifier': 'hello', 'DataInputs': 'name=rate'}, headers=auth, timeout=60)
    item = {'status': r.status_code, 'retry_after': r.headers.get('Retry-After'),
            'ratelimit': r.headers.get('RateLimit'), 'policy': r.headers.get('RateLimit-Policy')}
    root = etree.fromstring(r.content)
    if root.tag.endswith('ExceptionReport'):
        report = ExceptionReport(root)
        item.update(code=report.code, text=report.msg)
    else:
        item['root'] = etree.QName(root).localname
    out.append(item)
wps = WebProcessingService(url, headers=auth, skip_caps=True)
try:
    execution = wps.execute('hello', [('name', 'owslib')])
    out.append({'owslib': 'errors', 'errors': [{'code': e.code, 'text': e.text} for e in execution.errors]})
except Exception as e:
    out.append({'owslib': 'raised', 'type': type(e).__name__, 'text': str(e)})
print(json.dumps(out))
`;

interface Answer {
  status?: number;
  retry_after?: string | null;
  ratelimit?: string | null;
  policy?: string | null;
  code?: string;
  text?: string;
  root?: string;
  owslib?: string;
  errors?: { code: string; text: string }[];
  type?: string;
}

async function runClient(url: string, token: string, n: number): Promise<Answer[]> {
  const { stdout } = await run(PEERS_PYTHON, ['-c', CLIENT, url, token, String(n)], { timeout: 120_000 });
  // OWSLib prints as it goes: the answers are the last line
  return JSON.parse(stdout.trim().split('\n').pop() ?? '[]') as Answer[];
}

describe('interop: a per-client limit on the real PyWPS, read by requests and OWSLib', () => {
  let app: TestApp;
  let wps: PeerServer | undefined;

  before(async () => {
    app = await startTestApp(undefined, { overrides: { 'ratelimit.client': { requests: 3, per: '1h' } } });
    if (peerAvailable('pywps').ok) {
      wps = await startPyWPS();
      await registerService(app, { name: 'emu', url: wps.url, type: 'wps', auth: 'token' });
    }
  });
  after(async () => {
    await wps?.stop();
    await app?.close();
  });

  test('three Executes run, the fourth is a 429 ExceptionReport; another client still runs', async (t) => {
    if (!requirePeer(t, 'pywps') || !requirePeer(t, 'owslib')) return;
    const token = async () => {
      const client = await addClient(app, { scopes: ['compute'] });
      const { status, body } = await fetchToken(app, client, 'compute');
      assert.equal(status, 200);
      return String(body['access_token']);
    };
    const spent = await token();
    const answers = await runClient(`${app.url}/ows/proxy/emu`, spent, 4);
    assert.deepEqual(
      answers.slice(0, 3).map((a) => [a.status, a.root, a.ratelimit?.replace(/t=\d+/, 't=*')]),
      [
        [200, 'ExecuteResponse', '"client";r=2;t=*'],
        [200, 'ExecuteResponse', '"client";r=1;t=*'],
        [200, 'ExecuteResponse', '"client";r=0;t=*'],
      ],
    );
    const refused = answers[3];
    assert.equal(refused?.status, 429);
    assert.equal(refused?.code, 'NoApplicableCode');
    assert.match(
      refused?.text ?? '',
      /^Too many requests from this client: at most 3 every 3600 s\. Try again in \d+ s\.$/,
    );
    assert.ok(Number(refused?.retry_after) >= 1);
    assert.equal(refused?.policy, '"client";q=3;w=3600');
    assert.match(refused?.ratelimit ?? '', /^"client";r=0;t=\d+$/);
    // OWSLib's own execute reads the ExceptionReport as the execution's errors
    const owslib = answers[4];
    assert.equal(owslib?.owslib, 'errors', JSON.stringify(owslib));
    assert.equal(owslib?.errors?.[0]?.code, 'NoApplicableCode');
    assert.match(owslib?.errors?.[0]?.text ?? '', /Too many requests from this client/);

    // twin: another client's token is served
    const fresh = await runClient(`${app.url}/ows/proxy/emu`, await token(), 1);
    assert.equal(fresh[0]?.status, 200);
    assert.equal(fresh[0]?.root, 'ExecuteResponse');
    assert.equal(fresh[1]?.owslib, 'errors');
    assert.deepEqual(fresh[1]?.errors, []);
  });
});
