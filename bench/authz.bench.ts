/**
 * What fine-grained authorization adds to a GetCapabilities: a 5,000-layer WMS capabilities document
 * (50 named categories of 100 layers under one root, ~2 MB) fetched through Twitcher from an
 * in-process upstream, for a user in 20 groups, on an `auth: acl` service (decision, streamed filter,
 * URL rewrite) against the same service `auth: public` (URL rewrite only). Also the filter alone.
 * The target (issues 7 and 12): at most 50 ms added (median).
 * Run: npx tsx bench/authz.bench.ts (part of `npm run bench`)
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { assembleDeps } from '../src/app/assemble-deps.js';
import { loadConfig } from '../src/config/load.js';
import { buildApp } from '../src/http/build-app.js';
import { filterCapabilities } from '../src/ows/capabilities/filter-stream.js';

const CATEGORIES = 50;
const PER_CATEGORY = 100;
const GROUPS = 20;
const ROUNDS = 40;
const TARGET_MS = 50;

function capabilities(base: string): Buffer {
  const layer = (name: string, inner = '') =>
    `<Layer queryable="1"><Name>${name}</Name><Title>Layer ${name} with a realistic title</Title>` +
    `<Abstract>Some words about ${name}.</Abstract><CRS>EPSG:4326</CRS>` +
    `<EX_GeographicBoundingBox><westBoundLongitude>-180</westBoundLongitude><eastBoundLongitude>180</eastBoundLongitude>` +
    `<southBoundLatitude>-90</southBoundLatitude><northBoundLatitude>90</northBoundLatitude></EX_GeographicBoundingBox>` +
    `<Style><Name>default</Name><Title>default</Title><LegendURL width="20" height="20"><Format>image/png</Format>` +
    `<OnlineResource xlink:href="${base}/ows?service=WMS&amp;request=GetLegendGraphic&amp;layer=${name}"/></LegendURL></Style>${inner}</Layer>\n`;
  let body = '';
  for (let c = 0; c < CATEGORIES; c++) {
    let leaves = '';
    for (let l = 0; l < PER_CATEGORY; l++) leaves += layer(`c${c}_l${l}`);
    body += layer(`c${c}`, leaves);
  }
  return Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?>\n<WMS_Capabilities version="1.3.0" xmlns="http://www.opengis.net/wms" xmlns:xlink="http://www.w3.org/1999/xlink">` +
      `<Service><Name>WMS</Name><OnlineResource xlink:href="${base}/ows"/></Service><Capability>` +
      `<Request><GetMap><Format>image/png</Format><DCPType><HTTP><Get><OnlineResource xlink:href="${base}/ows?"/></Get></HTTP></DCPType></GetMap></Request>` +
      `${layer('world', body)}</Capability></WMS_Capabilities>`,
  );
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

const upstream = createServer((_req, res) => {
  res.setHeader('content-type', 'text/xml; charset=utf-8');
  res.end(doc);
});
await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
const upstreamURL = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
const doc = capabilities(upstreamURL);

const config = loadConfig({
  env: {},
  overrides: {
    'database.url': 'sqlite::memory:',
    'server.port': 0,
    'admin.password': 'bench-admin-password',
    'log.level': 'silent',
  },
});
const deps = await assembleDeps(config, { certificateAuthority: 'none' });
const { store, tokens } = deps;
const app = await buildApp(config, deps);
await app.listen({ host: '127.0.0.1', port: 0 });
const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

// The same upstream twice: public (rewrite only) and acl (decision + filter + rewrite).
const service = {
  url: `${upstreamURL}/ows`,
  type: 'wms' as const,
  purl: '',
  verify: true,
  passTokenData: false,
  certSubjects: [],
  limits: {},
};
await store.services.create({ ...service, name: 'open', auth: 'public' });
await store.services.create({ ...service, name: 'acl', auth: 'acl' });

// alice in 20 groups of different priorities; every layer registered (5,051 resources); each group
// allowed two categories, some denying single layers; anonymous may GetCapabilities.
await store.users.create({ username: 'alice', passwordHash: 'x', isAdmin: false });
const world = await store.resources.create({ service: 'acl', kind: 'layer', name: 'world' });
const categories: number[] = [];
for (let c = 0; c < CATEGORIES; c++) {
  const cat = await store.resources.create({
    service: 'acl',
    kind: 'layer',
    name: `c${c}`,
    parentId: world.id,
  });
  categories.push(cat.id);
  for (let l = 0; l < PER_CATEGORY; l++) {
    await store.resources.create({ service: 'acl', kind: 'layer', name: `c${c}_l${l}`, parentId: cat.id });
  }
}
const grant = (
  grantee: { user: string } | { group: string },
  resourceId: number | undefined,
  permission: string,
  access: 'allow' | 'deny',
  scope: 'match' | 'recursive',
) => store.permissions.grant({ grantee, service: 'acl', resourceId, permission, access, scope });
await grant({ group: 'anonymous' }, undefined, 'getcapabilities', 'allow', 'match');
for (let g = 0; g < GROUPS; g++) {
  await store.groups.create({ name: `g${g}`, priority: g % 4, description: '' });
  await store.groups.addMember(`g${g}`, 'alice');
  await grant({ group: `g${g}` }, categories[(g * 2) % CATEGORIES], 'getmap', 'allow', 'recursive');
  await grant({ group: `g${g}` }, categories[(g * 2 + 1) % CATEGORIES], 'getmap', 'allow', 'recursive');
  const leaf = (await store.resources.list('acl')).find((r) => r.name === `c${(g * 2) % CATEGORIES}_l${g}`);
  await grant({ group: `g${g}` }, leaf?.id, 'getfeatureinfo', 'deny', 'match');
}
const cat45 = (await store.resources.list('acl')).find((r) => r.name === 'c45_l7');
await grant({ user: 'alice' }, cat45?.id, 'getmap', 'allow', 'match');
const client = await store.clients.create({
  clientId: 'bench',
  name: 'bench',
  secretHash: 'x',
  redirectURI: '',
  scopes: ['compute'],
  data: {},
  createdAt: Date.now(),
  owner: 'alice',
});
const token = (await tokens.issue(client, ['compute'])).accessToken;

async function fetchCaps(name: string): Promise<{ ms: number; bytes: number; layers: number }> {
  const start = process.hrtime.bigint();
  const res = await fetch(`${url}/ows/proxy/${name}?SERVICE=WMS&REQUEST=GetCapabilities&VERSION=1.3.0`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const body = await res.text();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (res.status !== 200) throw new Error(`${name}: ${res.status} ${body.slice(0, 300)}`);
  return { ms, bytes: body.length, layers: (body.match(/<Layer /g) ?? []).length };
}

// warm up: connections, JIT, the ACL index and the principal
for (let i = 0; i < 5; i++) {
  await fetchCaps('open');
  await fetchCaps('acl');
}
const open: number[] = [];
const acl: number[] = [];
let shapes = { open: 0, acl: 0, openBytes: 0, aclBytes: 0 };
for (let i = 0; i < ROUNDS; i++) {
  const a = await fetchCaps('open');
  const b = await fetchCaps('acl');
  open.push(a.ms);
  acl.push(b.ms);
  shapes = { open: a.layers, acl: b.layers, openBytes: a.bytes, aclBytes: b.bytes };
}

// the filter alone, on the whole document in one buffer, with a visibility answering from a set
const visible = new Set<string>();
for (let c = 0; c < CATEGORIES; c += 2) for (let l = 0; l < PER_CATEGORY; l++) visible.add(`c${c}_l${l}`);
// (CPU time too: on a shared machine it says more than the wall clock)
const filterTimes: number[] = [];
const filterCPU: number[] = [];
for (let i = 0; i < 30; i++) {
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  await filterCapabilities(doc, { visible: (n) => visible.has(n) });
  const used = process.cpuUsage(cpu);
  filterTimes.push(Number(process.hrtime.bigint() - start) / 1e6);
  filterCPU.push((used.user + used.system) / 1e3);
}

const added = median(acl) - median(open);
console.log('authz bench: GetCapabilities of a 5,000-layer WMS, user in 20 groups');
console.log(
  `  document: ${(doc.length / 1048576).toFixed(2)} MB, ${shapes.open} layers; filtered for the user: ${shapes.acl} layers, ${(shapes.aclBytes / 1048576).toFixed(2)} MB`,
);
console.log(`  public (rewrite only)         median ${median(open).toFixed(1)} ms over ${ROUNDS}`);
console.log(`  acl (decide, filter, rewrite) median ${median(acl).toFixed(1)} ms over ${ROUNDS}`);
console.log(`  added by authorization        ${added.toFixed(1)} ms (target <= ${TARGET_MS} ms)`);
console.log(
  `  filter alone, whole document  median ${median(filterTimes).toFixed(1)} ms (CPU ${median(filterCPU).toFixed(1)} ms)`,
);
console.log(
  `  load average                  ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);

await app.close();
await deps.close();
upstream.close();
if (added > TARGET_MS) {
  console.log(`authz bench: FAILED: ${added.toFixed(1)} ms added is over the ${TARGET_MS} ms target`);
  process.exit(1);
}
