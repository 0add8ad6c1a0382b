import assert from 'node:assert/strict';
import type { Agent } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp } from '../helpers/app.js';
import {
  describeMapRequest,
  leaksForbiddenLayer,
  MAP_PLAIN,
  MAP_SIMPLER,
  type MapFuzzRequest,
  type MapKind,
  renderMapRequest,
  sampleMapRequests,
} from '../helpers/fuzz-map-requests.js';
import {
  createFuzzAgent,
  mapConcurrent,
  minimise,
  sendWire,
  type WireAnswer,
} from '../helpers/fuzz-runner.js';
import { addClient, fetchToken } from '../helpers/oauth.js';
import { type MapServerPeer, peerAvailable, requirePeer, startMapServer } from '../helpers/peers.js';
import { admin, registerService } from '../helpers/register.js';

/**
 * The canary fuzz's claim for MapServer: where anonymous may read only the layer `regions`, no
 * request without credentials gets the layer `cities` out of the real MapServer, whether the GetMap /
 * GetFeature rides in the body (form or XML, any Content-Type, charset or coding) under a
 * GetCapabilities or allowed-layer query, or in oddly spelled query keys. The oracle looks at what
 * MapServer produced (a PNG map — smuggled GetMaps ask for PNG, the allowed decoy for JPEG — or a
 * city's name in a GetFeature answer), not at Twitcher's status. With a credential that may read
 * every layer the same generator must get `cities` out: the test can fail.
 */

const SEED = Number(process.env['TWITCHER_FUZZ_SEED'] ?? 20260611);
const COUNT = Number(process.env['TWITCHER_FUZZ_COUNT'] ?? 800);
const ALLOWED_COUNT = 800;
const CONCURRENCY = 8;
const MINIMISE = 12;

const KINDS: { kind: MapKind; service: string; resource: string; permission: string }[] = [
  { kind: 'wms', service: 'smuggle_wms', resource: 'layer', permission: 'getmap' },
  { kind: 'wfs', service: 'smuggle_wfs', resource: 'featuretype', permission: 'getfeature' },
];

/** A text answer as the oracle reads it. */
function answerOf(text: string): WireAnswer {
  return { status: 200, contentType: '', body: Buffer.from(text) };
}

describe('interop: MapServer smuggling — the forbidden layer never leaves without credentials', () => {
  let app: TestApp;
  let map: MapServerPeer | undefined;
  let agent: Agent | undefined;
  let credential = '';

  before(async () => {
    if (!peerAvailable('mapserver').ok) return;
    map = await startMapServer();
    app = await startTestApp(undefined);
    await admin(app, 'POST', '/users', { username: 'reader', password: 'reader-password-1' });
    for (const { kind, service, resource, permission } of KINDS) {
      await registerService(app, { name: service, url: map.url, type: kind, auth: 'acl' });
      await admin(app, 'POST', `/services/${service}/resources`, { kind: resource, name: 'regions' });
      await admin(app, 'POST', `/services/${service}/resources`, { kind: resource, name: 'cities' });
      await admin(app, 'POST', '/permissions', {
        group: 'anonymous',
        service,
        permission: 'getcapabilities',
        scope: 'match',
      });
      // anonymous: the allowed layer only
      await admin(app, 'POST', '/permissions', {
        group: 'anonymous',
        service,
        resource: 'regions',
        permission,
      });
      if (kind === 'wfs') {
        await admin(app, 'POST', '/permissions', {
          group: 'anonymous',
          service,
          resource: 'regions',
          permission: 'describefeaturetype',
        });
      }
      // reader: every layer (the allowed phase)
      await admin(app, 'POST', '/permissions', { user: 'reader', service, permission });
    }
    const client = await addClient(app, { name: 'reader-laptop', user: 'reader' });
    const { status, body } = await fetchToken(app, client);
    assert.equal(status, 200);
    credential = `Bearer ${body['access_token'] as string}`;
    agent = createFuzzAgent(CONCURRENCY);
  });
  after(async () => {
    agent?.destroy();
    await app?.close();
    await map?.stop();
  });

  const send = (kind: MapKind, service: string, r: MapFuzzRequest, auth?: string): Promise<WireAnswer> => {
    const wire = renderMapRequest(kind, r, `/ows/proxy/${service}`);
    return sendWire(app.url, agent as Agent, {
      ...wire,
      headers: { ...wire.headers, ...(auth !== undefined && { authorization: auth }) },
    });
  };

  for (const { kind, service } of KINDS) {
    test(`${service}: ${COUNT} smuggling requests of seed ${SEED} without credentials never get cities out`, async (t) => {
      if (!requirePeer(t, 'mapserver')) return;
      const requests = sampleMapRequests(kind, SEED, COUNT);
      const answers = await mapConcurrent(requests, CONCURRENCY, (r) => send(kind, service, r));
      const statuses: Record<string, number> = {};
      for (const a of answers)
        statuses[a.error ? 'error' : a.status] = (statuses[a.error ? 'error' : a.status] ?? 0) + 1;
      t.diagnostic(`${service}: ${COUNT} sent, answers ${JSON.stringify(statuses)}`);
      const offenders = requests.flatMap((request, index) =>
        leaksForbiddenLayer(kind, answers[index] as WireAnswer) ? [{ request, index }] : [],
      );
      if (offenders.length === 0) return;
      const seen = new Set<string>();
      const shrunk = await mapConcurrent(offenders.slice(0, MINIMISE), CONCURRENCY, ({ request }) =>
        minimise(request, MAP_SIMPLER, async (c) => leaksForbiddenLayer(kind, await send(kind, service, c))),
      );
      const classes = shrunk.filter((r) => {
        const key = describeMapRequest(r);
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
      assert.fail(
        `${offenders.length} of ${COUNT} requests of seed ${SEED} without credentials got the forbidden layer ` +
          `out of MapServer through ${service} (replay: TWITCHER_FUZZ_SEED=${SEED} TWITCHER_FUZZ_COUNT=${COUNT}).\n` +
          `Smallest offending requests ({service} = /ows/proxy/${service}):\n` +
          classes.map((r) => `  ${describeMapRequest(r)}\n      ${JSON.stringify(r)}`).join('\n') +
          `\nFirst offenders as generated:\n` +
          offenders
            .slice(0, 10)
            .map(
              (o) =>
                `  #${o.index} (Twitcher answered ${answers[o.index]?.status}): ${describeMapRequest(o.request)}`,
            )
            .join('\n'),
      );
    });

    test(`${service}: MapServer's CGI mode (no service=, mode=map) never draws cities through Twitcher`, async (t) => {
      if (!requirePeer(t, 'mapserver')) return;
      // found by a red-team pass: without SERVICE MapServer does not dispatch the OWS request but runs
      // mode=map, drawing the layers named, while Twitcher judged a public DescribeFeatureType
      const queries = [
        'request=GetCapabilities&mode=map&layers=cities',
        'request=DescribeFeatureType&version=1.1.0&typename=regions&mode=map&layers=cities',
        'request=DescribeLayer&version=1.1.1&layers=regions&mode=map&layer=cities',
        'request=GetMap&version=1.1.1&layers=regions&styles=&srs=EPSG:4326&bbox=-180,-90,180,90&width=64&height=64&format=image/png&mode=map',
      ];
      const upstream = new URL(map?.url ?? '');
      for (const query of queries) {
        const direct = new URL(upstream);
        for (const [k, v] of new URLSearchParams(query)) direct.searchParams.append(k, v);
        const straight = Buffer.from(await (await fetch(direct)).arrayBuffer());
        const res = await fetch(`${app.url}/ows/proxy/${service}?${query}`);
        const body = Buffer.from(await res.arrayBuffer());
        assert.notEqual(
          body.subarray(1, 4).toString('latin1'),
          'PNG',
          `${query} drew a map through Twitcher`,
        );
        assert.ok(res.status === 401 || res.status === 400, `${query}: ${res.status}`);
        if (query.includes('cities')) {
          assert.equal(
            straight.subarray(1, 4).toString('latin1'),
            'PNG',
            `${query}: MapServer itself draws it`,
          );
        }
      }
    });

    if (kind === 'wfs') {
      test(`${service}: a resource id naming cities beside TYPENAMES=regions never gets cities out`, async (t) => {
        if (!requirePeer(t, 'mapserver')) return;
        // found by a red-team pass: MapServer serves cities.C01 whatever TYPENAMES says
        for (const query of [
          'SERVICE=WFS&REQUEST=GetFeature&VERSION=2.0.0&TYPENAMES=regions&RESOURCEID=cities.C01',
          'SERVICE=WFS&REQUEST=GetFeature&VERSION=1.1.0&TYPENAME=regions&FEATUREID=cities.C01',
        ]) {
          const direct = new URL(map?.url ?? '');
          for (const [k, v] of new URLSearchParams(query)) direct.searchParams.append(k, v);
          const straight = await (await fetch(direct)).text();
          assert.ok(
            leaksForbiddenLayer('wfs', answerOf(straight)),
            `${query}: MapServer itself serves the city`,
          );
          const res = await fetch(`${app.url}/ows/proxy/${service}?${query}`);
          const body = await res.text();
          assert.ok(!leaksForbiddenLayer('wfs', answerOf(body)), `${query} got cities through Twitcher`);
          assert.equal(res.status, 401, query);
        }
      });
    }

    test(`${service}: the same generator with a credential for every layer does get cities out`, async (t) => {
      if (!requirePeer(t, 'mapserver')) return;
      // the oracle itself: the plainest request for the forbidden layer, with the credential
      const plain = sampleMapRequests(kind, SEED, 1)[0] as MapFuzzRequest;
      const control = { ...plain, ...MAP_PLAIN[kind] };
      assert.ok(leaksForbiddenLayer(kind, await send(kind, service, control, credential)), 'plain request');
      const requests = sampleMapRequests(kind, SEED, ALLOWED_COUNT);
      const answers = await mapConcurrent(requests, CONCURRENCY, (r) => send(kind, service, r, credential));
      const leaked = answers.filter((a) => leaksForbiddenLayer(kind, a)).length;
      t.diagnostic(`${service} with a credential: ${leaked} of ${ALLOWED_COUNT} got cities`);
      assert.ok(leaked > 0, 'the oracle never saw the forbidden layer, even with a credential');
    });
  }
});
