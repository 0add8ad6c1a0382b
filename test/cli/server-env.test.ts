import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_SERVER_URL, readGlobalOptions } from '../../src/cli/global-options.js';
import { runTwitcherctl } from '../helpers/twitcherctl.js';

// twitcherctl's server: -s, then TWITCHER_SERVER, then TWITCHER_URL (the server's own public URL,
// read for the scripts written before TWITCHER_SERVER), then http://localhost:8000.

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const ctl = (args: string[], env: Record<string, string>): Promise<Run> => runTwitcherctl(args, env);

/** A stand-in Twitcher whose one service is named after it, so the output says which one was asked. */
async function startNamed(
  name: string,
): Promise<{ url: string; hits: () => number; close: () => Promise<void> }> {
  let hits = 0;
  const server = createServer((req, res) => {
    hits += 1;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(req.url === '/services' ? [{ name }] : { error: 'not_found' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits: () => hits,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('twitcherctl: which server', () => {
  let option: Awaited<ReturnType<typeof startNamed>>;
  let server: Awaited<ReturnType<typeof startNamed>>;
  let legacy: Awaited<ReturnType<typeof startNamed>>;
  before(async () => {
    [option, server, legacy] = await Promise.all([
      startNamed('from-option'),
      startNamed('from-server'),
      startNamed('from-url'),
    ]);
  });
  after(async () => {
    await Promise.all([option.close(), server.close(), legacy.close()]);
  });

  const listed = (run: Run): string => {
    assert.equal(run.code, 0, run.stderr);
    return (JSON.parse(run.stdout) as { name: string }[]).map((s) => s.name).join();
  };
  const token = { TWITCHER_TOKEN: 'a-token' };

  test('-s wins over TWITCHER_SERVER and TWITCHER_URL, and no variable is warned about', async () => {
    const before = [server.hits(), legacy.hits()];
    const run = await ctl(['-s', option.url, 'list'], {
      ...token,
      TWITCHER_SERVER: server.url,
      TWITCHER_URL: legacy.url,
    });
    assert.equal(listed(run), 'from-option');
    assert.deepEqual([server.hits(), legacy.hits()], before);
    assert.equal(run.stderr, '');
  });

  test('TWITCHER_SERVER wins over TWITCHER_URL (the server that TWITCHER_URL names is not asked)', async () => {
    const before = legacy.hits();
    const run = await ctl(['list'], { ...token, TWITCHER_SERVER: server.url, TWITCHER_URL: legacy.url });
    assert.equal(listed(run), 'from-server');
    assert.equal(legacy.hits(), before);
  });

  test('TWITCHER_URL alone still works (scripts written before TWITCHER_SERVER)', async () => {
    const run = await ctl(['list'], { ...token, TWITCHER_URL: legacy.url });
    assert.equal(listed(run), 'from-url');
  });

  test('an empty TWITCHER_SERVER is unset: TWITCHER_URL is used', async () => {
    const run = await ctl(['list'], { ...token, TWITCHER_SERVER: '', TWITCHER_URL: legacy.url });
    assert.equal(listed(run), 'from-url');
  });

  test('a malformed TWITCHER_SERVER is a usage error naming the variables', async () => {
    const run = await ctl(['list'], { ...token, TWITCHER_SERVER: 'nonsense', TWITCHER_URL: legacy.url });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /TWITCHER_SERVER/);
    assert.equal(run.stdout, '');
  });

  test('the warnings reach stderr, the JSON on stdout stays whole', async () => {
    const both = await ctl(['list'], { ...token, TWITCHER_SERVER: server.url, TWITCHER_URL: legacy.url });
    assert.equal(listed(both), 'from-server');
    assert.match(both.stderr, /^twitcherctl: TWITCHER_SERVER .* is used, not TWITCHER_URL/m);
    const old = await ctl(['list'], { ...token, TWITCHER_URL: legacy.url });
    assert.equal(listed(old), 'from-url');
    assert.match(old.stderr, /set TWITCHER_SERVER instead/);
  });
});

describe('readGlobalOptions: the server URL and its warnings', () => {
  const read = (argv: string[], env: Record<string, string>) => readGlobalOptions(argv, env);

  test('nothing set: the default, no warning', () => {
    assert.deepEqual(read([], {}), { ...read([], {}), serverURL: DEFAULT_SERVER_URL, warnings: [] });
  });

  test('both set and different: TWITCHER_SERVER, with a warning naming both values', () => {
    const s = read([], { TWITCHER_SERVER: 'http://a:1', TWITCHER_URL: 'http://b:2' });
    assert.equal(s.serverURL, 'http://a:1');
    assert.equal(s.warnings.length, 1);
    assert.match(
      s.warnings[0] ?? '',
      /TWITCHER_SERVER \(http:\/\/a:1\) is used, not TWITCHER_URL \(http:\/\/b:2\)/,
    );
  });

  test('both set to the same URL: no warning', () => {
    const s = read([], { TWITCHER_SERVER: 'http://a:1', TWITCHER_URL: 'http://a:1' });
    assert.deepEqual([s.serverURL, s.warnings], ['http://a:1', []]);
  });

  test('TWITCHER_URL alone: used, with a hint to set TWITCHER_SERVER', () => {
    const s = read([], { TWITCHER_URL: 'http://b:2' });
    assert.equal(s.serverURL, 'http://b:2');
    assert.match(s.warnings.join(), /set TWITCHER_SERVER instead/);
  });

  test('TWITCHER_SERVER alone, or -s with both: no warning', () => {
    assert.deepEqual(read([], { TWITCHER_SERVER: 'http://a:1' }).warnings, []);
    const s = read(['-s', 'http://c:3'], { TWITCHER_SERVER: 'http://a:1', TWITCHER_URL: 'http://b:2' });
    assert.deepEqual([s.serverURL, s.warnings], ['http://c:3', []]);
  });
});
