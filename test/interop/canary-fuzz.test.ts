import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp } from '../helpers/app.js';
import {
  classifyOffenders,
  executes,
  type PhaseResult,
  type PhaseTarget,
  runPhase,
} from '../helpers/fuzz-canary-check.js';
import { createFuzzAgent } from '../helpers/fuzz-runner.js';
import { describeWPSRequest, sampleWPSRequests, type WPSFuzzRequest } from '../helpers/fuzz-wps-requests.js';
import { addClient, fetchToken, newToken } from '../helpers/oauth.js';
import { type PeerServer, peerAvailable, requirePeer, startPyWPS } from '../helpers/peers.js';
import { admin, registerService } from '../helpers/register.js';

/**
 * The security claim, measured on the real PyWPS: no request without credentials makes the upstream
 * execute a protected operation, however it is disguised (method, Content-Type, charset and BOM, XML
 * declaration, Content-Encoding, framing, body form, query spelling, path). PyWPS serves a process
 * `canary` that logs every execution (scripts/peers/wps/app/processes.py); a seeded generator
 * (fast-check) sends thousands of requests through Twitcher to an `auth: token` and an `auth: acl`
 * service in front of it, and the log must stay empty. The same generator with a valid credential
 * must make the canary run: the oracle can see a bypass.
 *
 * Every request and seed that once found a bypass is data in canary-seeds.json and is replayed first.
 * TWITCHER_FUZZ_SEED and TWITCHER_FUZZ_COUNT run another seed / size (to explore; add what fails);
 * TWITCHER_FUZZ_MINIMISE shrinks more offenders for the report.
 */

interface SeedFile {
  seeds: { seed: number; count: number }[];
  requests: (WPSFuzzRequest & { found: string })[];
}

const SEEDS = JSON.parse(readFileSync(new URL('./canary-seeds.json', import.meta.url), 'utf8')) as SeedFile;
const CONCURRENCY = 8;
/** Requests of the generator sent again with a credential (the can-fail proof). */
const ALLOWED_COUNT = 400;
/** Offenders of diverse shapes shrunk for the failure message, per service (TWITCHER_FUZZ_MINIMISE). */
const MINIMISE = Number(process.env['TWITCHER_FUZZ_MINIMISE'] ?? 24);

function runSeeds(): { seed: number; count: number }[] {
  const seed = process.env['TWITCHER_FUZZ_SEED'];
  const count = process.env['TWITCHER_FUZZ_COUNT'];
  if (seed !== undefined) return [{ seed: Number(seed), count: Number(count ?? 2600) }];
  return SEEDS.seeds.map((s) => (count !== undefined ? { ...s, count: Number(count) } : s));
}

const seedRequests = (): WPSFuzzRequest[] => SEEDS.requests.map(({ found: _found, ...r }) => r);

describe('interop: canary fuzz — no request without credentials makes PyWPS execute', () => {
  let app: TestApp;
  let wps: PeerServer | undefined;
  let agent: Agent | undefined;
  let logDir = '';
  let log = '';
  const credentials: Record<string, string> = {};
  const services = ['canary_token', 'canary_acl'] as const;

  before(async () => {
    if (!peerAvailable('pywps').ok) return;
    logDir = mkdtempSync(join(tmpdir(), 'twitcher-canary-'));
    log = join(logDir, 'canary.log');
    // enough workers and job slots that 8 concurrent requests never make PyWPS answer ServerBusy
    wps = await startPyWPS({ env: { WPS_CANARY_LOG: log, WPS_THREADS: '8', WPS_LOG_LEVEL: 'WARNING' } });
    app = await startTestApp(undefined);
    await registerService(app, { name: 'canary_token', url: wps.url, type: 'wps', auth: 'token' });
    await registerService(app, { name: 'canary_acl', url: wps.url, type: 'wps', auth: 'acl' });
    await admin(app, 'POST', '/services/canary_acl/resources', { kind: 'process', name: 'canary' });
    // anonymous: GetCapabilities and DescribeProcess, nothing else
    await admin(app, 'POST', '/permissions', {
      group: 'anonymous',
      service: 'canary_acl',
      permission: 'getcapabilities',
      scope: 'match',
    });
    await admin(app, 'POST', '/permissions', {
      group: 'anonymous',
      service: 'canary_acl',
      permission: 'describeprocess',
    });
    // runner may execute: the credential of the allowed phase
    await admin(app, 'POST', '/users', { username: 'runner', password: 'runner-password-1' });
    await admin(app, 'POST', '/permissions', {
      user: 'runner',
      service: 'canary_acl',
      permission: 'execute',
    });
    const client = await addClient(app, { name: 'runner-laptop', user: 'runner' });
    const { status, body } = await fetchToken(app, client);
    assert.equal(status, 200);
    credentials['canary_acl'] = `Bearer ${body['access_token'] as string}`;
    credentials['canary_token'] = `Bearer ${await newToken(app, ['compute'])}`;
    agent = createFuzzAgent(CONCURRENCY);
  });
  after(async () => {
    agent?.destroy();
    await app?.close();
    await wps?.stop();
    if (logDir) rmSync(logDir, { recursive: true, force: true });
  });

  const target = (service: string, credential?: string): PhaseTarget => ({
    base: app.url,
    servicePath: `/ows/proxy/${service}`,
    log,
    agent: agent as Agent,
    concurrency: CONCURRENCY,
    ...(credential !== undefined && { headers: { authorization: credential } }),
  });

  const plainExecute: WPSFuzzRequest = {
    method: 'POST',
    path: '',
    query: '',
    contentType: 'text/xml',
    body: 'wps1-execute',
    prelude: 'none',
    prefix: 'wps',
    charset: 'utf-8',
    bom: false,
    declaration: 'none',
    coding: 'none',
    framing: 'length',
  };

  for (const service of services) {
    test(`${service}: the oracle sees an allowed Execute, and a plain one without credentials is refused`, async (t) => {
      if (!requirePeer(t, 'pywps')) return;
      assert.equal(
        await executes(target(service, credentials[service]), plainExecute, `${service}-ok`),
        true,
      );
      assert.equal(await executes(target(service), plainExecute, `${service}-plain`), false);
    });

    test(`${service}: the requests of canary-seeds.json, without credentials, never run the canary`, async (t) => {
      if (!requirePeer(t, 'pywps')) return;
      const requests = seedRequests();
      const result = await runPhase(target(service), `${service}-replay`, requests);
      assert.ok(
        result.executions === 0,
        `${result.executions} canary executions from ${result.offenders.length} of ${requests.length} ` +
          `requests of canary-seeds.json on ${service}:\n` +
          result.offenders
            .map((o) => `  #${o.index} (${SEEDS.requests[o.index]?.found}): ${describeWPSRequest(o.request)}`)
            .join('\n') +
          unattributedNote(result),
      );
    });

    for (const { seed, count } of runSeeds()) {
      test(`${service}: ${count} generated requests of seed ${seed}, without credentials, never run the canary`, async (t) => {
        if (!requirePeer(t, 'pywps')) return;
        const requests = sampleWPSRequests(seed, count);
        const result = await runPhase(target(service), `${service}-s${seed}`, requests);
        t.diagnostic(
          `${service} seed ${seed}: ${result.sent} sent, answers ${JSON.stringify(result.statuses)}`,
        );
        if (result.executions === 0) return;
        const classes = await classifyOffenders(
          target(service),
          result.offenders,
          MINIMISE,
          `${service}-min`,
        );
        assert.fail(
          `${result.executions} canary executions without credentials on ${service}: ` +
            `${result.offenders.length} of ${count} requests of seed ${seed} ` +
            `(replay: TWITCHER_FUZZ_SEED=${seed} TWITCHER_FUZZ_COUNT=${count}).\n` +
            `Smallest offending requests (${classes.length} classes, from ${Math.min(MINIMISE, result.offenders.length)} ` +
            `minimised offenders; {service} = /ows/proxy/${service}):\n` +
            classes
              .map(
                (c) =>
                  `  [${c.count}x, e.g. #${c.example}] ${describeWPSRequest(c.request)}\n` +
                  `      ${JSON.stringify(c.request)}`,
              )
              .join('\n') +
            `\nFirst offenders as generated:\n` +
            result.offenders
              .slice(0, 10)
              .map(
                (o) =>
                  `  #${o.index} (Twitcher answered ${o.answer.status}): ${describeWPSRequest(o.request)}`,
              )
              .join('\n') +
            unattributedNote(result),
        );
      });
    }

    test(`${service}: the same generator with a valid credential does run the canary`, async (t) => {
      if (!requirePeer(t, 'pywps')) return;
      const { seed } = runSeeds()[0] ?? { seed: 1 };
      const requests = sampleWPSRequests(seed, ALLOWED_COUNT);
      const result = await runPhase(target(service, credentials[service]), `${service}-auth`, requests);
      t.diagnostic(
        `${service} with a credential: ${result.offenders.length} of ${result.sent} ran the canary, ` +
          `answers ${JSON.stringify(result.statuses)}`,
      );
      assert.ok(result.offenders.length > 0, 'no generated request ran the canary even with a credential');
      // every execution is one of this phase's requests: nothing ran that was not sent with a credential
      assert.deepEqual(result.unattributed, []);
    });
  }
});

function unattributedNote(result: PhaseResult): string {
  return result.unattributed.length === 0
    ? ''
    : `\nExecutions no request of the phase is tagged with: ${result.unattributed.join(', ')}`;
}
