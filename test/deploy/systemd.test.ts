/**
 * deploy/systemd/twitcher.service: hardened, stopped by SIGTERM with more time than the drain, its
 * environment made of real settings that write only into its state directory; `systemd-analyze
 * verify` finds nothing to say about it, and `systemd-analyze security` rates it well.
 * verify needs the ExecStart binary to exist: it checks a copy pointing at this checkout's node and
 * dist/.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, type TestContext, test } from 'node:test';
import { requirePeer } from '../helpers/peers.js';
import { freePort } from '../helpers/ports.js';
import {
  cleanEnv,
  configOf,
  parseEnvFile,
  ROOT,
  readRecipe,
  twitcherVariablesIn,
  unknownVariables,
} from './recipes.js';
import { builtDist, filesOf, startServer, until } from './run-recipe.js';

const UNIT = 'deploy/systemd/twitcher.service';
const ENV_FILE = 'deploy/systemd/twitcher.env';
const unitText = readRecipe(UNIT);

/** The unit's settings per section; a key given several times keeps every value (Environment=). */
function parseUnit(text: string): Record<string, Record<string, string[]>> {
  const sections: Record<string, Record<string, string[]>> = {};
  let current: Record<string, string[]> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      current = sections[header[1]!] ??= {};
      continue;
    }
    const eq = line.indexOf('=');
    assert.ok(current && eq > 0, `not Key=Value in a section: ${line}`);
    const key = line.slice(0, eq).trim();
    current[key] = [...(current[key] ?? []), line.slice(eq + 1).trim()];
  }
  return sections;
}

const unit = parseUnit(unitText);
const service = unit['Service'] ?? {};
const one = (key: string): string | undefined => service[key]?.at(-1);

/** Environment= of the unit, then the example EnvironmentFile (as systemd applies them). */
function unitEnv(of = service): Record<string, string> {
  const env: Record<string, string> = {};
  for (const assignment of of['Environment'] ?? []) {
    for (const m of assignment.matchAll(/(?:"([^"]*)"|(\S+))/g)) {
      const kv = m[1] ?? m[2]!;
      env[kv.slice(0, kv.indexOf('='))] = kv.slice(kv.indexOf('=') + 1);
    }
  }
  return { ...env, ...parseEnvFile(readRecipe(ENV_FILE)) };
}

/** systemd's time spans as the unit writes them (`45s`, `2min`, `1m 30s`), in milliseconds. */
function timespanMs(raw: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, sec: 1000, min: 60_000, m: 60_000, h: 3_600_000 };
  let total = 0;
  for (const m of raw.matchAll(/(\d+)\s*([a-z]*)/g))
    total += Number(m[1]) * (units[m[2] || 's'] ?? Number.NaN);
  assert.ok(Number.isFinite(total), `time span ${raw}`);
  return total;
}

/** The unit pointed at this checkout's node and dist/, in a temporary directory. */
function localCopy(t: TestContext, text = unitText): string {
  const dir = mkdtempSync(join(tmpdir(), 'twitcher-systemd-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'twitcher.service');
  writeFileSync(path, text.replaceAll('/usr/bin/node', process.execPath).replaceAll('/opt/twitcher', ROOT));
  return path;
}

function analyze(args: string[]): { status: number | null; output: string } {
  const r = spawnSync('systemd-analyze', args, { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/** What `systemd-analyze verify` says about the file itself (not about other units of the machine). */
function verify(path: string): { status: number | null; about: string[] } {
  const r = analyze(['verify', path]);
  return { status: r.status, about: r.output.split('\n').filter((l) => l.includes('twitcher.service')) };
}

describe('the systemd unit', () => {
  test('hardened: its own user, a read-only system but for its state directory, no new privileges', () => {
    assert.ok(one('DynamicUser') === 'yes' || one('User'), 'DynamicUser or a dedicated User');
    assert.equal(one('ProtectSystem'), 'strict');
    assert.ok(one('StateDirectory') || one('ReadWritePaths'), 'somewhere to write');
    assert.equal(one('NoNewPrivileges'), 'yes');
    assert.equal(one('PrivateTmp'), 'yes');
    assert.equal(one('CapabilityBoundingSet'), '');
    assert.equal(one('MemoryDenyWriteExecute'), undefined, "V8's JIT needs writable code pages");
  });

  test('stopped by SIGTERM with more time than the drain; restarted on failure; reloaded by SIGHUP', () => {
    assert.equal(one('KillSignal'), 'SIGTERM');
    assert.equal(one('Restart'), 'on-failure');
    assert.match(one('ExecReload') ?? '', /^\/bin\/kill -HUP \$MAINPID$/);
    const drain = configOf(unitEnv()).server.drainTimeout;
    assert.ok(timespanMs(one('TimeoutStopSec') ?? '90s') > drain, 'TimeoutStopSec above server.drainTimeout');
    assert.ok(timespanMs(one('TimeoutStopSec') ?? '90s') > 30_000, 'and above its default');
  });

  test("ExecStart is `npm start`'s command, from the installed checkout", () => {
    const argv = (one('ExecStart') ?? '').split(/\s+/);
    assert.equal(argv[0], '/usr/bin/node');
    assert.ok(argv.includes('--max-semi-space-size=4'));
    assert.deepEqual(argv.slice(-2), [`${one('WorkingDirectory')}/dist/bin/twitcher.js`, 'serve']);
  });

  test('its environment: real settings, every path Twitcher writes inside the state directory', () => {
    assert.deepEqual(unknownVariables(twitcherVariablesIn(unitText)), []);
    assert.deepEqual(unknownVariables(twitcherVariablesIn(readRecipe(ENV_FILE))), []);
    assert.ok((service['EnvironmentFile'] ?? []).includes('-/etc/twitcher/twitcher.env'));
    const config = configOf(unitEnv());
    const state = `/var/lib/${one('StateDirectory')}/`;
    assert.ok(config.database.url.startsWith(`sqlite:${state}`), config.database.url);
    assert.ok(config.token.keyDir.startsWith(state), config.token.keyDir);
    assert.ok(config.certs.caDir.startsWith(state), config.certs.caDir);
  });

  test('systemd-analyze verify: nothing to say', (t) => {
    if (!requirePeer(t, 'systemd-analyze')) return;
    const r = verify(localCopy(t));
    assert.deepEqual(r.about, []);
    assert.equal(r.status, 0);
  });

  test('denied: verify speaks up about a misspelt directive and a bad value', (t) => {
    if (!requirePeer(t, 'systemd-analyze')) return;
    const broken = unitText
      .replace('ProtectSystem=strict', 'ProtectSystem=strictly')
      .replace('Restart=', 'Restrat=');
    const r = verify(localCopy(t, broken));
    assert.ok(
      r.about.some((l) => /ProtectSystem|protect system/i.test(l)),
      r.about.join('\n'),
    );
    assert.ok(
      r.about.some((l) => /Restrat/.test(l)),
      r.about.join('\n'),
    );
  });

  // exposure 0 (safe) … 10 (unsafe); --threshold is in tenths
  test('systemd-analyze security: exposure at most 3 of 10', (t) => {
    if (!requirePeer(t, 'systemd-analyze')) return;
    const r = analyze(['security', '--offline=yes', '--threshold=30', localCopy(t)]);
    assert.equal(r.status, 0, r.output.split('\n').slice(-3).join('\n'));
  });

  test('denied: the same service without its hardening is rated worse than that', (t) => {
    if (!requirePeer(t, 'systemd-analyze')) return;
    const bare = unitText.split('# Hardening:')[0]!.replace(/^DynamicUser=yes$/m, '');
    const r = analyze(['security', '--offline=yes', '--threshold=30', localCopy(t, `${bare}\n[Install]\n`)]);
    assert.notEqual(r.status, 0, r.output.split('\n').slice(-3).join('\n'));
  });
});

describe("the unit's ExecStart, run outside systemd", () => {
  test('with its environment: serves, writes only its state directory, survives reload, exits 0 on stop', async (t) => {
    const [app, state, build] = ['opt', 'state', 'build'].map((n) =>
      mkdtempSync(join(tmpdir(), `twitcher-${n}-`)),
    );
    t.after(() => {
      for (const dir of [app, state, build]) rmSync(dir!, { recursive: true, force: true });
    });
    // /opt/twitcher as the unit's comment installs it: dist/ built, package.json, node_modules
    cpSync(await builtDist(build!), join(app!, 'dist'), { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(app!, 'package.json'));
    symlinkSync(join(ROOT, 'node_modules'), join(app!, 'node_modules'));
    const before = filesOf(app!);

    const local = parseUnit(
      unitText
        .replaceAll('/usr/bin/node', process.execPath)
        .replaceAll('/opt/twitcher', app!)
        .replaceAll(`/var/lib/${one('StateDirectory')}`, state!),
    )['Service']!;
    const port = await freePort();
    const env = cleanEnv({
      ...unitEnv(local),
      TWITCHER_PORT: String(port),
      TWITCHER_METRICS_PORT: String(await freePort()),
    });
    assert.equal(env['TWITCHER_HOST'], '127.0.0.1');
    const server = startServer(t, local['ExecStart']!.at(-1)!.split(/\s+/), {
      cwd: local['WorkingDirectory']!.at(-1)!,
      env,
    });
    const ready = async () => {
      if (server.gone()) throw new Error(`exited:\n${server.output()}`);
      const res = await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => undefined);
      return res?.status === 200 ? true : undefined;
    };
    await until('/health/ready answers 200', 90_000, ready);
    assert.ok(readdirSync(state!).includes('twitcher.sqlite'), 'the database is in the state directory');

    // ExecReload on a lone process: logged, and it goes on serving
    assert.match(one('ExecReload')!, /kill -HUP/);
    server.signal('SIGHUP');
    await until('SIGHUP is logged', 30_000, async () => (/SIGHUP/.test(server.output()) ? true : undefined));
    assert.equal(await ready(), true);

    server.signal('SIGTERM'); // KillSignal
    assert.deepEqual(await server.ended(60_000), { code: 0, signal: null }, server.output());
    assert.deepEqual(
      filesOf(app!),
      before,
      'nothing written in the installation (ProtectSystem=strict holds)',
    );
  });
});
