/**
 * docker-compose.yml: it parses, names only files, services, volumes and settings that exist, and its
 * pieces agree (depends_on, health checks, nginx's upstreams, the trusted proxy, the grace period).
 * With Debian's docker-compose installed, compose itself reads the file too (`config`, no daemon).
 * The image's command run with this environment: dockerfile.test.ts.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { requirePeer } from '../helpers/peers.js';
import { envOf, lastInstruction, parseDockerfile } from './dockerfile.js';
import {
  COMPOSE_SECRETS,
  type ComposeService,
  composeServiceEnv,
  configOf,
  durationMs,
  envFilesOf,
  parseEnvFile,
  ROOT,
  readCompose,
  readRecipe,
  recipeExists,
  twitcherVariablesIn,
  unknownVariables,
} from './recipes.js';

const compose = readCompose(COMPOSE_SECRETS);
const services = compose.services;
const INSTANCES = ['twitcher-1', 'twitcher-2'];
const runtime = parseDockerfile(readRecipe('Dockerfile')).stages.at(-1)!;

function dependsOn(service: ComposeService): Record<string, { condition?: string }> {
  const d = service.depends_on ?? {};
  return Array.isArray(d) ? Object.fromEntries(d.map((n) => [n, {}])) : d;
}

/** Whether the service has a health check: its own, or the HEALTHCHECK of the image built here. */
function hasHealthcheck(service: ComposeService): boolean {
  if (service.healthcheck) return service.healthcheck.disable !== true;
  return service.build !== undefined && lastInstruction(runtime, 'HEALTHCHECK') !== undefined;
}

function bindSources(service: ComposeService): string[] {
  return (service.volumes ?? [])
    .map((v) => (typeof v === 'string' ? v.split(':')[0]! : (v.source ?? '')))
    .filter((src) => src.startsWith('.') || src.startsWith('/'));
}

function namedVolumes(service: ComposeService): string[] {
  return (service.volumes ?? [])
    .map((v) => (typeof v === 'string' ? v.split(':')[0]! : (v.source ?? '')))
    .filter((src) => src !== '' && !src.startsWith('.') && !src.startsWith('/'));
}

describe('docker-compose.yml', () => {
  test('PostgreSQL, Redis, two Twitcher instances of one image, nginx in front', () => {
    assert.deepEqual(Object.keys(services).sort(), [
      'nginx',
      'postgres',
      'redis',
      'twitcher-1',
      'twitcher-2',
    ]);
    const [one, two] = INSTANCES.map((n) => services[n]!);
    assert.equal(one!.image, two!.image);
    assert.deepEqual(one!.build, two!.build);
    assert.notDeepEqual(namedVolumes(one!), namedVolumes(two!), 'each instance has its own var/');
    for (const name of INSTANCES) {
      assert.deepEqual(
        (services[name]!.volumes ?? []).map((v) => (typeof v === 'string' ? v.split(':')[1] : v.target)),
        [`${lastInstruction(runtime, 'WORKDIR')!.args}/var`],
        `${name} mounts a volume on the image's VOLUME`,
      );
    }
  });

  test('every file it names exists', () => {
    const named = new Set<string>();
    for (const service of Object.values(services)) {
      for (const f of envFilesOf(service)) named.add(f);
      for (const src of bindSources(service)) named.add(src);
      if (service.build !== undefined) {
        const build = typeof service.build === 'string' ? { context: service.build } : service.build;
        named.add(`${build.context ?? '.'}/${build.dockerfile ?? 'Dockerfile'}`);
      }
    }
    // files its comments and messages point to
    for (const m of readRecipe('docker-compose.yml').matchAll(/(?<![\w/])deploy\/[\w./-]+\w/g))
      named.add(m[0]);
    assert.ok(named.size >= 4);
    for (const path of named) assert.ok(recipeExists(path), `${path} exists`);
  });

  test('named volumes are declared; depends_on names services, waits on health checks, has no cycle', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const v of namedVolumes(service)) assert.ok(v in (compose.volumes ?? {}), `${name}: volume ${v}`);
      for (const [dep, { condition }] of Object.entries(dependsOn(service))) {
        assert.ok(dep in services, `${name} depends on ${dep}, a service`);
        assert.equal(condition, 'service_healthy', `${name} waits for ${dep} to be healthy`);
        assert.ok(hasHealthcheck(services[dep]!), `${dep} has a health check`);
      }
    }
    const visiting = new Set<string>();
    const done = new Set<string>();
    const visit = (name: string): void => {
      assert.ok(!visiting.has(name), `depends_on cycle through ${name}`);
      if (done.has(name)) return;
      visiting.add(name);
      for (const dep of Object.keys(dependsOn(services[name]!))) visit(dep);
      visiting.delete(name);
      done.add(name);
    };
    for (const name of Object.keys(services)) visit(name);
    assert.deepEqual(Object.keys(dependsOn(services['nginx']!)).sort(), INSTANCES);
  });

  test('every TWITCHER_* variable is a setting, and each instance loads its configuration', () => {
    for (const file of ['docker-compose.yml', 'deploy/compose/twitcher.env', 'deploy/compose/example.env']) {
      assert.deepEqual(unknownVariables(twitcherVariablesIn(readRecipe(file))), [], file);
    }
    for (const name of INSTANCES) {
      const env = { ...envOf(runtime), ...composeServiceEnv(services[name]!) };
      const config = configOf(env);
      assert.equal(
        new URL(config.database.url).hostname,
        'postgres',
        `${name}: the store is the postgres service`,
      );
      assert.equal(new URL(env['TWITCHER_RATELIMIT_REDIS_URL']!).hostname, 'redis');
      assert.equal(config.admin.password, COMPOSE_SECRETS['TWITCHER_ADMIN_PASSWORD']);
      assert.equal(
        decodeURIComponent(new URL(config.database.url).password),
        composeServiceEnv(services['postgres']!)['POSTGRES_PASSWORD'],
        'the password postgres is given is the one in the URL',
      );
    }
  });

  test('denied: a misspelt variable is caught, and so is the name of no setting', () => {
    assert.deepEqual(unknownVariables(['TWITCHER_DRAIN_TIMOUT', 'TWITCHER_DRAIN_TIMEOUT']), [
      'TWITCHER_DRAIN_TIMOUT',
    ]);
  });

  test('denied: without its secrets compose refuses to start, and the example ships none', () => {
    assert.throws(
      () => readCompose({ ...COMPOSE_SECRETS, TWITCHER_ADMIN_PASSWORD: '' }),
      /TWITCHER_ADMIN_PASSWORD/,
    );
    assert.throws(() => readCompose({ TWITCHER_ADMIN_PASSWORD: 'x'.repeat(16) }), /POSTGRES_PASSWORD/);
    const example = parseEnvFile(readRecipe('deploy/compose/example.env'));
    for (const secret of Object.keys(COMPOSE_SECRETS)) {
      assert.equal(example[secret], '', `${secret} is empty in the example: an unedited copy cannot start`);
    }
  });

  test('Docker waits longer than the drain before SIGKILL', () => {
    for (const name of INSTANCES) {
      const env = composeServiceEnv(services[name]!);
      const drain = configOf(env).server.drainTimeout;
      assert.ok(env['TWITCHER_DRAIN_TIMEOUT'], 'the drain is set where the grace period is');
      assert.ok(durationMs(services[name]!.stop_grace_period ?? '10s') > drain, `${name}: stop_grace_period`);
    }
  });

  test("nginx: its upstreams are the instances' ports, and the instances trust its fixed address", () => {
    const conf = readRecipe(bindSources(services['nginx']!)[0]!);
    const upstreams = [...conf.matchAll(/^\s*server\s+([\w.-]+):(\d+)/gm)].map((m) => `${m[1]}:${m[2]}`);
    const port = envOf(runtime)['TWITCHER_PORT'] ?? '8000';
    assert.deepEqual(upstreams.sort(), INSTANCES.map((n) => `${n}:${port}`).sort());
    const nets = services['nginx']!.networks as Record<string, { ipv4_address?: string }>;
    const [net, { ipv4_address: address } = {}] = Object.entries(nets)[0]!;
    assert.ok(address, 'nginx has a fixed address');
    const subnet = compose.networks?.[net]?.ipam?.config?.[0]?.subnet ?? '';
    assert.ok(address.startsWith(subnet.replace(/\.0\/24$/, '.')), `${address} is in ${subnet}`);
    for (const name of INSTANCES) {
      assert.deepEqual(configOf(composeServiceEnv(services[name]!)).server.trustProxy, [address]);
    }
  });
});

describe('docker-compose config (compose reads the file itself)', () => {
  const run = (env: Record<string, string>) =>
    spawnSync('docker-compose', ['-f', 'docker-compose.yml', 'config'], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'] ?? '', ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });

  test("valid, and twitcher-1's environment is what the other checks read", (t) => {
    if (!requirePeer(t, 'docker-compose')) return;
    const r = run(COMPOSE_SECRETS);
    assert.equal(r.status, 0, r.stderr);
    const resolved = parse(r.stdout) as { services: Record<string, { environment: Record<string, string> }> };
    for (const name of INSTANCES) {
      assert.deepEqual(resolved.services[name]!.environment, composeServiceEnv(services[name]!));
    }
  });

  test('denied: a secret left empty', (t) => {
    if (!requirePeer(t, 'docker-compose')) return;
    const r = run({ ...COMPOSE_SECRETS, POSTGRES_PASSWORD: '' });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /POSTGRES_PASSWORD/);
  });
});
