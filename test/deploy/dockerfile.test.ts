/**
 * The Dockerfile: its stages and instructions, what its build context holds, and its image run
 * outside a container. No daemon can pull a base image here, so the image's last stage is laid out
 * in a temporary directory from what it copies (dist/ compiled from this checkout, package.json,
 * the production node_modules), and its CMD and HEALTHCHECK run there with docker-compose.yml's
 * environment for twitcher-1, as the container would.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:http';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { freePort } from '../helpers/ports.js';
import {
  copiesOf,
  type Dockerfile,
  dockerIgnored,
  envOf,
  execForm,
  instructionsOf,
  lastInstruction,
  parseDockerfile,
  type Stage,
  splitOptions,
} from './dockerfile.js';
import {
  COMPOSE_SECRETS,
  cleanEnv,
  composeServiceEnv,
  configOf,
  ROOT,
  readCompose,
  readRecipe,
  recipeExists,
  twitcherVariablesIn,
  unknownVariables,
} from './recipes.js';
import { builtDist, filesOf, runToEnd, startServer, until } from './run-recipe.js';

const dockerfile: Dockerfile = parseDockerfile(readRecipe('Dockerfile'));
const runtime: Stage = dockerfile.stages.at(-1)!;
const ignore = readRecipe('.dockerignore');

function stageNamed(name: string): Stage {
  const stage = dockerfile.stages.find((s) => s.name === name);
  assert.ok(stage, `no stage named ${name}`);
  return stage;
}

function workdirOf(stage: Stage): string {
  const own = lastInstruction(stage, 'WORKDIR')?.args;
  if (own) return own;
  const parent = dockerfile.stages.find((s) => s.name === stage.from);
  assert.ok(parent, `stage ${stage.name ?? stage.from} has no WORKDIR`);
  return workdirOf(parent);
}

/** The RUN lines of a stage and of the stages it is built on. */
function runsOf(stage: Stage): string[] {
  const parent = dockerfile.stages.find((s) => s.name === stage.from);
  return [...(parent ? runsOf(parent) : []), ...instructionsOf(stage, 'RUN').map((i) => i.args)];
}

function healthcheckCommand(): string[] {
  const hc = lastInstruction(runtime, 'HEALTHCHECK');
  assert.ok(hc, 'the image has a HEALTHCHECK');
  const { rest } = splitOptions(hc.args);
  assert.match(rest, /^CMD\s+\[/, 'HEALTHCHECK CMD in exec form (no shell needed)');
  return execForm(rest.replace(/^CMD\s+/, ''))!;
}

describe('Dockerfile', () => {
  test('multi-stage: the runtime starts from a Node LTS slim image again, without the build tools', () => {
    assert.ok(dockerfile.stages.length >= 2);
    const base = /^node:(\d+)-[a-z]+-slim$/.exec(runtime.from);
    assert.ok(base, `runtime base ${runtime.from} is node:N-DIST-slim`);
    assert.equal(Number(base[1]) % 2, 0, 'an even Node major: an LTS line');
    assert.ok(Number(base[1]) >= 22, 'the engines field asks for Node ^22.12 or >= 24');
    assert.equal(
      runsOf(runtime).some((r) => /apt-get install|g\+\+|python3/.test(r)),
      false,
      'the runtime stage installs no compiler',
    );
    for (const stage of dockerfile.stages) {
      const known = dockerfile.stages.slice(0, dockerfile.stages.indexOf(stage)).map((s) => s.name);
      assert.ok(known.includes(stage.from) || /^node:/.test(stage.from), `FROM ${stage.from}`);
    }
  });

  test('the build stage compiles with the dev dependencies; the runtime gets `npm ci --omit=dev`', () => {
    const build = stageNamed('build');
    assert.ok(runsOf(build).some((r) => /\bnpm ci\b/.test(r) && !/--omit=dev/.test(r)));
    assert.ok(runsOf(build).some((r) => /\bnpm run build\b/.test(r)));
    const modules = copiesOf(runtime).find((c) => c.sources.some((s) => s.endsWith('/node_modules')));
    assert.ok(modules?.from, 'node_modules comes from a stage');
    const deps = stageNamed(modules.from);
    assert.ok(runsOf(deps).some((r) => /\bnpm ci\b.*--omit=dev/.test(r)));
    assert.ok(
      runsOf(deps).some((r) => /npm rebuild better-sqlite3/.test(r)),
      'the native addon is built where the compiler is',
    );
    const dist = copiesOf(runtime).find((c) => c.sources.some((s) => s.endsWith('/dist')));
    assert.equal(dist?.from, 'build');
  });

  test('the runtime: non-root user, var/ a volume, the port exposed, exec-form CMD and HEALTHCHECK', () => {
    const user = lastInstruction(runtime, 'USER')?.args ?? 'root';
    assert.match(user, /^[1-9]\d*(:\d+)?$/, 'a numeric non-root user (Kubernetes runAsNonRoot checks it)');
    const workdir = workdirOf(runtime);
    assert.match(workdir, /^\//);
    const volumes = instructionsOf(runtime, 'VOLUME').flatMap((v) => execForm(v.args) ?? v.args.split(/\s+/));
    assert.deepEqual(volumes, [`${workdir}/var`]);
    const env = envOf(runtime);
    assert.equal(env['TWITCHER_HOST'], '0.0.0.0', 'reachable from outside the container');
    const exposed = instructionsOf(runtime, 'EXPOSE').flatMap((e) => e.args.split(/\s+/));
    assert.ok(exposed.includes(env['TWITCHER_PORT'] ?? '8000'));
    const cmd = execForm(lastInstruction(runtime, 'CMD')?.args ?? '');
    assert.ok(cmd, 'CMD in exec form: node is PID 1 and gets SIGTERM itself');
    assert.equal(cmd[0], 'node');
    assert.ok(cmd.includes('--max-semi-space-size=4'), 'the flags of `npm start`');
    assert.deepEqual(cmd.slice(-2), ['dist/bin/twitcher.js', 'serve']);
    assert.equal(instructionsOf(runtime, 'ENTRYPOINT').length, 0);
    const hc = healthcheckCommand();
    assert.equal(hc[0], 'node', 'no curl in the slim image');
    assert.ok(hc.join(' ').includes('/health/ready'));
    assert.deepEqual(unknownVariables(twitcherVariablesIn(readRecipe('Dockerfile'))), []);
  });

  test('what the stages copy from the context is there, and .dockerignore lets it through', () => {
    const sources = dockerfile.stages.flatMap((s) => copiesOf(s).filter((c) => c.from === undefined));
    assert.ok(sources.length > 0);
    for (const copy of sources) {
      for (const src of copy.sources) {
        assert.ok(recipeExists(src), `COPY ${src} (line ${copy.line}) exists`);
        assert.equal(dockerIgnored(ignore, src), false, `COPY ${src} is in the build context`);
      }
    }
    for (const copy of dockerfile.stages.flatMap(copiesOf).filter((c) => c.from !== undefined)) {
      assert.ok(
        dockerfile.stages.some((s) => s.name === copy.from),
        `COPY --from=${copy.from}`,
      );
    }
  });

  test('.dockerignore keeps secrets, state and build output out of the context', () => {
    for (const path of [
      'node_modules/fastify/package.json',
      'dist/bin/twitcher.js',
      'var/twitcher.sqlite',
      'var/keys/token-signing-key.pem',
      '.git/config',
      '.env',
      'deploy/compose/example.env',
      'test/deploy/dockerfile.test.ts',
      'bench/results/x.json',
      'coverage/lcov.info',
    ]) {
      assert.equal(dockerIgnored(ignore, path), true, `${path} stays out`);
    }
    assert.equal(dockerIgnored(ignore, 'src/bin/twitcher.ts'), false);
  });
});

// ------------------------------------------------------------------------------ the image, run

/**
 * The image's last stage as a directory: what each COPY --from puts under WORKDIR, taken from this
 * checkout (dist/ from the build; node_modules linked, as it is big), and the var/ volume, empty.
 */
async function layOutImage(dir: string, buildDir: string): Promise<void> {
  const workdir = workdirOf(runtime);
  for (const copy of copiesOf(runtime)) {
    assert.ok(copy.from, `COPY line ${copy.line}: the runtime stage copies from the build stages only`);
    const fromWorkdir = workdirOf(stageNamed(copy.from));
    for (const src of copy.sources) {
      const rel = relative(fromWorkdir, src);
      const dest = join(
        dir,
        relative(workdir, join(workdir, copy.dest)),
        copy.dest.endsWith('/') ? basename(src) : '',
      );
      if (rel === 'node_modules') symlinkSync(join(ROOT, 'node_modules'), dest);
      else if (rel === 'dist') cpSync(await builtDist(buildDir), dest, { recursive: true });
      else cpSync(join(ROOT, rel), dest, { recursive: true });
    }
  }
  mkdirSync(join(dir, 'var'));
}

/** Packages the compiled code loads (import, dynamic import, createRequire), comments left out. */
function packagesLoadedBy(distDir: string): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.js') ? [join(dir, e.name)] : [],
    );
  for (const file of walk(distDir)) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (/^\s*(\*|\/\/|\/\*)/.test(line)) continue;
      for (const m of line.matchAll(
        /(?:(?<![\w'"])from\s*|\bimport\s*\(\s*|createRequire\([^)]*\)\(\s*)['"]([^'"./][^'"]*)['"]/g,
      )) {
        const spec = m[1]!;
        if (spec.startsWith('node:') || builtinModules.includes(spec)) continue;
        names.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
      }
    }
  }
  return names;
}

/** The names among `names` that `npm ci --omit=dev` does not install. */
function notProductionDependencies(names: Iterable<string>): string[] {
  const pkg = JSON.parse(readRecipe('package.json')) as { dependencies: Record<string, string> };
  return [...names].filter((n) => !Object.hasOwn(pkg.dependencies, n)).sort();
}

/** Runs the HEALTHCHECK command as Docker does (in WORKDIR, with the container's environment). */
async function healthcheck(cwd: string, env: Record<string, string>): Promise<number | null> {
  const [cmd, ...args] = healthcheckCommand();
  return (await runToEnd(cmd === 'node' ? process.execPath : cmd!, args, { cwd, env }, 30_000)).code;
}

describe('the image run outside a container', () => {
  test("CMD with twitcher-1's compose environment: healthy once ready, exits 0 on SIGTERM", async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'twitcher-image-'));
    const buildDir = mkdtempSync(join(tmpdir(), 'twitcher-image-build-'));
    t.after(() => {
      rmSync(dir, { recursive: true, force: true });
      rmSync(buildDir, { recursive: true, force: true });
    });
    await layOutImage(dir, buildDir);
    const before = filesOf(dir, ['var']);
    // node_modules is this checkout's, dev dependencies included: what the code loads must not need them
    const loaded = packagesLoadedBy(join(dir, 'dist'));
    assert.ok(loaded.has('fastify') && loaded.has('yaml'), [...loaded].join(', '));
    assert.deepEqual(notProductionDependencies(loaded), [], 'loaded at run time, absent from the image');
    assert.deepEqual(notProductionDependencies(['fastify', 'typescript']), ['typescript'], 'the check bites');

    const port = String(await freePort());
    const metricsPort = String(await freePort());
    const composeEnv = composeServiceEnv(readCompose(COMPOSE_SECRETS).services['twitcher-1']!);
    const containerEnv = { ...envOf(runtime), ...composeEnv };
    // what differs outside the container: loopback, free ports, no postgres/redis host names
    const outside: Record<string, string> = {
      TWITCHER_HOST: '127.0.0.1',
      TWITCHER_PORT: port,
      TWITCHER_METRICS_HOST: '127.0.0.1',
      TWITCHER_METRICS_PORT: metricsPort,
      TWITCHER_DATABASE_URL: 'sqlite:var/twitcher.sqlite',
      TWITCHER_RATELIMIT_REDIS_URL: 'redis://127.0.0.1:6379',
    };
    for (const k of Object.keys(outside)) assert.ok(k in containerEnv, `${k} is set in the image or compose`);
    const env = cleanEnv({ ...containerEnv, ...outside, TWITCHER_LOG_LEVEL: 'warn' });
    configOf(env);

    // denied twins of the health check: nothing listening, then a server answering 503
    assert.notEqual(await healthcheck(dir, env), 0, 'no server: unhealthy');
    const unready = createServer((_, res) => res.writeHead(503).end()).listen(Number(port), '127.0.0.1');
    await new Promise((r) => unready.once('listening', r));
    try {
      assert.notEqual(await healthcheck(dir, env), 0, '503: unhealthy');
    } finally {
      await new Promise((r) => unready.close(r));
    }

    const server = startServer(t, execForm(lastInstruction(runtime, 'CMD')!.args)!, { cwd: dir, env });
    await until('the HEALTHCHECK passes', 90_000, async () => {
      if (server.gone()) throw new Error(`the server exited before it was healthy:\n${server.output()}`);
      return (await healthcheck(dir, env)) === 0 ? true : undefined;
    });
    const front = await fetch(`http://127.0.0.1:${port}/`);
    assert.equal(front.status, 200);
    assert.equal(
      ((await front.json()) as { token_uri: string }).token_uri,
      `${env['TWITCHER_URL']}/oauth/token`,
    );
    assert.ok(readdirSync(join(dir, 'var')).includes('twitcher.sqlite'), 'state goes to the var/ volume');

    server.signal('SIGTERM');
    assert.deepEqual(await server.ended(60_000), { code: 0, signal: null }, server.output());
    assert.notEqual(await healthcheck(dir, env), 0, 'stopped: unhealthy');
    assert.deepEqual(
      filesOf(dir, ['var']),
      before,
      'nothing written outside var/ (a read-only root file system holds)',
    );
  });
});
