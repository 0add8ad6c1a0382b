/**
 * deploy/kubernetes/: every manifest validates against the Kubernetes OpenAPI schema of its kind
 * (kubernetes-models), with no field the schema does not know (as `kubectl apply --validate=strict`);
 * the pieces agree (selectors, ports, ConfigMap and Secret names, the image's user and volume); the
 * probes name routes a running Twitcher answers; the grace period outlasts preStop and the drain.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { startTestApp } from '../helpers/app.js';
import { instructionsOf, lastInstruction, parseDockerfile } from './dockerfile.js';
import {
  configOf,
  ROOT,
  readRecipe,
  readYAML,
  readYAMLDocuments,
  twitcherVariablesIn,
  unknownVariables,
} from './recipes.js';

const DIR = 'deploy/kubernetes';

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  // biome-ignore lint/suspicious/noExplicitAny: a manifest is checked by its schema, then read by path
  spec?: any;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

/** Every manifest of the directory, by file (kustomization.yaml is kustomize's, not the API's). */
const files = readdirSync(join(ROOT, DIR))
  .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
  .sort();
const manifests = files.flatMap((f) =>
  readYAMLDocuments(`${DIR}/${f}`).map((m) => ({ file: f, m: m as Manifest })),
);

function one(kind: string): Manifest {
  const found = manifests.filter(({ m }) => m.kind === kind);
  assert.equal(found.length, 1, `one ${kind}`);
  return found[0]!.m;
}

/** A proxy that notes every property path the schema's validator reads. */
function tracked(value: unknown, path: string, read: Set<string>): unknown {
  if (value === null || typeof value !== 'object') return value;
  return new Proxy(value, {
    get(target, key, receiver) {
      const v: unknown = Reflect.get(target, key, receiver);
      if (typeof key !== 'string') return v;
      read.add(`${path}/${key}`);
      return tracked(v, `${path}/${key}`, read);
    },
  });
}

function propertyPaths(value: unknown, path = ''): string[] {
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => [`${path}/${k}`, ...propertyPaths(v, `${path}/${k}`)]);
}

/**
 * Validates a manifest with the schema of its apiVersion and kind; throws on a schema error, or on
 * a field the validator never looked at (one the schema does not have: a typo, a misplaced key).
 */
async function validateManifest(m: Manifest): Promise<void> {
  const module = (await import(`kubernetes-models/${m.apiVersion}`)) as Record<
    string,
    { prototype: { validate(): void } } | undefined
  >;
  const model = module[m.kind];
  assert.ok(model, `kubernetes-models knows ${m.apiVersion} ${m.kind}`);
  const read = new Set<string>();
  model.prototype.validate.call(tracked(m, '', read));
  const unknown = propertyPaths(m).filter((p) => !read.has(p));
  assert.deepEqual(unknown, [], `${m.kind} ${m.metadata.name}: fields the schema does not know`);
}

const deployment = one('Deployment');
const pod = deployment.spec.template;
const container = pod.spec.containers[0];
const configMap = one('ConfigMap');
const secret = one('Secret');
const runtime = parseDockerfile(readRecipe('Dockerfile')).stages.at(-1)!;

/** The values of a Secret as the pod sees them, placeholders replaced as an operator would. */
const FILLED_SECRET: Record<string, string> = {
  TWITCHER_ADMIN_PASSWORD: 'k8s-test-admin-password',
  TWITCHER_DATABASE_URL: 'postgres://twitcher:secret@postgres.example.org:5432/twitcher',
  TWITCHER_RATELIMIT_REDIS_URL: 'redis://redis.example.org:6379',
};

function podEnv(secretValues: Record<string, string>): Record<string, string> {
  return { ...configMap.data, ...secretValues };
}

describe('Kubernetes manifests', () => {
  test('every manifest validates against its kind’s OpenAPI schema, with no unknown field', async () => {
    assert.deepEqual(manifests.map(({ m }) => m.kind).sort(), [
      'ConfigMap',
      'Deployment',
      'PodDisruptionBudget',
      'Secret',
      'Service',
    ]);
    for (const { m } of manifests) await validateManifest(m);
  });

  test('denied: a misspelt field, a wrong type and an unknown kind are refused', async () => {
    const typo = structuredClone(deployment);
    typo.spec.template.spec.containers[0].readinessProbee =
      typo.spec.template.spec.containers[0].readinessProbe;
    await assert.rejects(validateManifest(typo), /readinessProbee/);
    const wrongType = structuredClone(deployment);
    wrongType.spec.replicas = 'two';
    await assert.rejects(validateManifest(wrongType), /replicas must be integer/);
    await assert.rejects(
      validateManifest({ ...deployment, kind: 'Deploiement' }),
      /knows apps\/v1 Deploiement/,
    );
  });

  test('kustomization.yaml names files that exist, and never the Secret (an apply must not overwrite it)', () => {
    const k = readYAML(`${DIR}/kustomization.yaml`) as { resources: string[] };
    assert.deepEqual(
      [...k.resources].sort(),
      files.filter((f) => f !== 'secret.yaml'),
    );
  });

  test('two replicas; the Service and the PodDisruptionBudget select its pods; one pod always serves', () => {
    assert.equal(deployment.spec.replicas, 2);
    const labels = pod.metadata.labels as Record<string, string>;
    const selects = (sel: Record<string, string>) => Object.entries(sel).every(([k, v]) => labels[k] === v);
    assert.ok(selects(deployment.spec.selector.matchLabels));
    assert.ok(selects(one('Service').spec.selector));
    const pdb = one('PodDisruptionBudget');
    assert.ok(selects(pdb.spec.selector.matchLabels));
    assert.ok(pdb.spec.minAvailable >= 1 && pdb.spec.minAvailable < deployment.spec.replicas);
    assert.equal(deployment.spec.strategy.rollingUpdate.maxUnavailable, 0);
    const ports = (container.ports as { name: string }[]).map((p) => p.name);
    for (const p of one('Service').spec.ports)
      assert.ok(ports.includes(p.targetPort), `Service → ${p.targetPort}`);
  });

  test('probes: readiness on /health/ready, liveness and startup on /health/live, at the HTTP port', () => {
    assert.equal(container.readinessProbe.httpGet.path, '/health/ready');
    assert.equal(container.livenessProbe.httpGet.path, '/health/live');
    assert.equal(container.startupProbe.httpGet.path, '/health/live');
    const http = (container.ports as { name: string; containerPort: number }[]).find(
      (p) => p.name === 'http',
    );
    assert.equal(String(http?.containerPort), configMap.data!['TWITCHER_PORT']);
    for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
      assert.equal(container[probe].httpGet.port, 'http', `${probe} port`);
    }
  });

  test('the probe paths answer 200 on a running Twitcher; a path that is no route does not', async (t) => {
    const app = await startTestApp(t);
    for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
      const res = await fetch(`${app.url}${container[probe].httpGet.path}`);
      assert.equal(res.status, 200, `${probe} ${container[probe].httpGet.path}`);
    }
    assert.equal((await fetch(`${app.url}/health/readyz`)).status, 404);
  });

  test('the grace period outlasts preStop and the drain: SIGKILL never cuts requests in flight', () => {
    const preStop = container.lifecycle.preStop.exec.command as string[];
    assert.equal(preStop[0], 'sleep', 'the image has /bin/sleep (Debian slim)');
    const drainMs = configOf(podEnv(FILLED_SECRET)).server.drainTimeout;
    assert.ok(pod.spec.terminationGracePeriodSeconds * 1000 > Number(preStop[1]) * 1000 + drainMs);
  });

  test("non-root with a read-only root file system; var/ on a volume at the image's VOLUME", () => {
    const uid = Number(lastInstruction(runtime, 'USER')?.args.split(':')[0]);
    assert.equal(pod.spec.securityContext.runAsNonRoot, true);
    assert.equal(pod.spec.securityContext.runAsUser, uid, "the image's user");
    assert.equal(container.securityContext.readOnlyRootFilesystem, true);
    assert.equal(container.securityContext.allowPrivilegeEscalation, false);
    assert.deepEqual(container.securityContext.capabilities.drop, ['ALL']);
    const volume = instructionsOf(runtime, 'VOLUME').flatMap((v) => JSON.parse(v.args) as string[])[0];
    const mount = (container.volumeMounts as { name: string; mountPath: string }[]).find(
      (m) => m.mountPath === volume,
    );
    assert.ok(mount, `a volume mounted at ${volume}`);
    const backing = (
      pod.spec.volumes as { name: string; emptyDir?: object; persistentVolumeClaim?: object }[]
    ).find((v) => v.name === mount.name);
    assert.ok(backing?.emptyDir ?? backing?.persistentVolumeClaim);
    assert.ok(container.resources.requests.cpu && container.resources.limits.memory);
  });

  test('settings: the ConfigMap and the Secret the pod reads, real variables, and a configuration that loads', () => {
    const refs = container.envFrom as { configMapRef?: { name: string }; secretRef?: { name: string } }[];
    assert.deepEqual(
      refs.map((r) => r.configMapRef?.name ?? r.secretRef?.name),
      [configMap.metadata.name, secret.metadata.name],
    );
    for (const f of files)
      assert.deepEqual(unknownVariables(twitcherVariablesIn(readRecipe(`${DIR}/${f}`))), [], f);
    assert.deepEqual(Object.keys(secret.stringData ?? {}).sort(), Object.keys(FILLED_SECRET).sort());
    const config = configOf(podEnv(FILLED_SECRET));
    assert.equal(config.server.host, '0.0.0.0');
    const annotations = pod.metadata.annotations as Record<string, string>;
    assert.equal(annotations['prometheus.io/port'], String(config.metrics.port));
    assert.ok(
      (container.ports as { containerPort: number }[]).some((p) => p.containerPort === config.metrics.port),
    );
  });

  test('denied: the Secret as shipped (placeholders) does not start a pod, naming what to fill in', () => {
    assert.throws(
      () => configOf(podEnv(secret.stringData!)),
      (err: Error) =>
        /TWITCHER_ADMIN_PASSWORD/.test(err.message) && /TWITCHER_DATABASE_URL/.test(err.message),
    );
  });
});
