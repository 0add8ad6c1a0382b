import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ADMIN_PASSWORD, startTestApp, type TestApp } from '../helpers/app.js';
import { CLIENT_ID, CLIENT_SECRET, startProvider } from '../helpers/oidc-provider.js';
import { requirePeer, startPyWPS } from '../helpers/peers.js';
import { freePort } from '../helpers/ports.js';
import { runTwitcherctl } from '../helpers/twitcherctl.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = fileURLToPath(new URL('../../src/bin/twitcherctl.ts', import.meta.url));
/** A subprocess is killed after this: a bound for a hang, not a measure (a loaded machine starts tsx slowly). */
const HANG_MS = 90_000;
const BASE_ENV = { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp' };

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `twitcherctl ARGS` run in-process by main(), with only the given environment, stdin not a terminal. */
const ctl = (args: string[], env: Record<string, string> = {}): Promise<Run> => runTwitcherctl(args, env);

/**
 * `twitcherctl ARGS` as a real subprocess (through tsx), with only the given environment, stdin not a
 * terminal: for the few end-to-end cases (the bin's exit code, its streams, process.env).
 */
function ctlProcess(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', BIN, ...args], {
      cwd: ROOT,
      env: { ...BASE_ENV, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), HANG_MS);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const EXECUTE = 'service=WPS&version=1.0.0&request=Execute&identifier=hello&DataInputs=name=tux';

/** A command's standard output (asynchronously: a sync spawn would block the in-process server). */
function exec(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}

/** Asserts the exit code, and for failures a single line on stderr and no stack trace. */
function exits(run: Run, code: number, stderr?: RegExp): void {
  const detail = `exit ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`;
  assert.equal(run.code, code, detail);
  if (code !== 0) {
    assert.equal(run.stderr.trimEnd().split('\n').length, 1, `not one line: ${detail}`);
    assert.match(run.stderr, /^twitcherctl: /);
    assert.doesNotMatch(run.stderr, /\n\s+at /, 'a stack trace');
    assert.equal(run.stdout, '');
  }
  if (stderr) assert.match(run.stderr, stderr, detail);
}

function json<T>(run: Run): T {
  assert.equal(run.code, 0, `exit ${run.code}: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

let app: TestApp;
/** Global options of the administrator on the test server. */
let asAdmin: string[];

before(async () => {
  app = await startTestApp(undefined);
  asAdmin = ['-s', app.url, '-u', 'admin', '-p', ADMIN_PASSWORD];
});
after(() => app.close());

describe('twitcherctl --help', () => {
  test('the overview lists every command, says where global options go and the exit codes', async () => {
    // the real bin, once: its exit code and standard output as a process
    const run = await ctlProcess(['--help']);
    exits(run, 0);
    for (const words of [
      'add',
      'gentoken',
      'list',
      'get NAME',
      'register URL',
      'update NAME',
      'unregister NAME',
      'clear',
    ]) {
      assert.match(run.stdout, new RegExp(`\\n  ${words} `), words);
    }
    for (const words of ['clients list', 'clients get ID', 'clients delete ID', 'tokens issue CLIENT_ID']) {
      assert.ok(run.stdout.includes(words), words);
    }
    assert.match(run.stdout, /Global options go BEFORE the command/);
    assert.match(
      run.stdout,
      /Exit codes: 0 done, 1 refused by the server, 2 usage error, 3 server unreachable/,
    );
    exits(await ctl(['help']), 0);
    exits(await ctl(['--version']), 0);
  });

  test('every command has --help with an example', async () => {
    const commands = [
      ['add'],
      ['gentoken'],
      ['list'],
      ['get'],
      ['register'],
      ['update'],
      ['unregister'],
      ['clear'],
      ['clients', 'list'],
      ['clients', 'get'],
      ['clients', 'delete'],
      ['tokens', 'issue'],
      ['tokens', 'revoke'],
      ['tokens', 'introspect'],
    ];
    const runs = await Promise.all(commands.map((c) => ctl([...c, '--help'])));
    runs.forEach((run, i) => {
      const words = commands[i]?.join(' ') ?? '';
      exits(run, 0);
      assert.match(run.stdout, new RegExp(`^Usage: twitcherctl \\[GLOBAL OPTIONS\\] ${words}`), words);
      assert.match(run.stdout, /\nExamples?:\n {2}twitcherctl /, words);
    });
    const gentoken = runs[1]?.stdout ?? '';
    assert.match(gentoken, /-s, --client-secret SECRET/);
    assert.match(gentoken, /Here -s is the CLIENT SECRET/);
    exits(await ctl(['clients', '--help']), 0);
    exits(await ctl(['help', 'register']), 0);
  });
});

describe('twitcherctl against a real Twitcher', () => {
  test('register, list, get, unregister, clear (JSON and table)', async () => {
    const registered = json<{ name: string; url: string; auth: string; verify: boolean; type: string }>(
      await ctl([...asAdmin, 'register', 'http://127.0.0.1:5000/wps', '--name', 'emu']),
    );
    assert.deepEqual(
      { name: registered.name, url: registered.url, auth: registered.auth, type: registered.type },
      { name: 'emu', url: 'http://127.0.0.1:5000/wps', auth: 'token', type: 'wps' },
    );
    const maps = json<{
      name: string;
      type: string;
      auth: string;
      verify: boolean;
      purl: string;
      passTokenData: boolean;
    }>(
      await ctl([
        ...asAdmin,
        'register',
        'https://maps.example.org/ows',
        '--name',
        'maps',
        '--type',
        'wms',
        '--auth',
        'public',
        '--purl',
        'https://public.example.org/maps',
        '--verify',
        'false',
        '--pass-token-data',
      ]),
    );
    assert.deepEqual(maps, {
      name: 'maps',
      url: 'https://maps.example.org/ows',
      type: 'wms',
      purl: 'https://public.example.org/maps',
      auth: 'public',
      public: true,
      verify: false,
      passTokenData: true,
      certSubjects: [],
      limits: {},
    });
    const esgf = json<{ auth: string; certSubjects: string[] }>(
      await ctl([
        ...asAdmin,
        'register',
        'https://esgf.example.org/wps',
        '--name',
        'esgf',
        '--auth',
        'cert',
        '--cert-subject',
        '/O=ESGF/OU=*',
        '--cert-subject',
        'CN=*,OU=Users,O=Twitcher',
      ]),
    );
    assert.deepEqual(esgf.certSubjects, ['/O=ESGF/OU=*', 'CN=*,OU=Users,O=Twitcher']);
    exits(await ctl([...asAdmin, 'unregister', 'esgf']), 0);
    const noVerify = json<{ verify: boolean; name: string }>(
      await ctl([...asAdmin, 'register', 'https://x.example.org/wps', '--no-verify']),
    );
    assert.equal(noVerify.verify, false);
    assert.match(noVerify.name, /^[a-z]+_[a-z]+/, 'a generated name');

    const listed = json<{ name: string }[]>(await ctl([...asAdmin, 'list']));
    assert.deepEqual(listed.map((s) => s.name).sort(), ['emu', 'maps', noVerify.name].sort());
    const table = await ctl(['-o', 'table', ...asAdmin, 'list']);
    exits(table, 0);
    assert.match(table.stdout, /^NAME\s+URL\s+TYPE\s+PURL\s+AUTH\s+PUBLIC\s+VERIFY/);
    assert.match(table.stdout, /\nemu\s+http:\/\/127\.0\.0\.1:5000\/wps\s+wps\s+token\s+false\s+true/);

    assert.equal(json<{ name: string }>(await ctl([...asAdmin, 'get', 'emu'])).name, 'emu');
    const oneTable = await ctl([...asAdmin, '--output', 'table', 'get', 'emu']);
    assert.match(oneTable.stdout, /^name\s+emu\nurl\s+http:/);
    assert.deepEqual(json(await ctl([...asAdmin, 'unregister', 'emu'])), { name: 'emu', unregistered: true });
    exits(await ctl([...asAdmin, 'get', 'emu']), 1, /No service "emu"|emu.*\(service_not_found, HTTP 404\)/);

    exits(await ctl([...asAdmin, 'clear']), 2, /add --yes/);
    assert.deepEqual(json(await ctl([...asAdmin, 'clear', '--yes'])), { cleared: true });
    assert.deepEqual(json(await ctl([...asAdmin, 'list'])), []);
    assert.equal((await ctl(['-o', 'table', ...asAdmin, 'list'])).stdout, '(none)\n');
  });

  test('per-service limits: set by register, changed and cleared by update, shown by get (JSON and table)', async () => {
    type Limits = { limits: Record<string, number> };
    const registered = json<Limits>(
      await ctl([
        ...asAdmin,
        'register',
        'http://127.0.0.1:5000/wps',
        '--name',
        'busy',
        '--max-concurrent',
        '8',
        '--connect-timeout',
        '10s',
        '--headers-timeout',
        '5m',
        '--body-timeout',
        '1500',
      ]),
    );
    const all = { maxConcurrent: 8, connectTimeout: 10_000, headersTimeout: 300_000, bodyTimeout: 1500 };
    assert.deepEqual(registered.limits, all);
    assert.deepEqual(json<Limits>(await ctl([...asAdmin, 'get', 'busy'])).limits, all);
    const table = await ctl([...asAdmin, '-o', 'table', 'get', 'busy']);
    assert.match(
      table.stdout,
      /\nlimits\s+maxConcurrent=8 connectTimeout=10000 headersTimeout=300000 bodyTimeout=1500\n/,
    );

    // the limits not named are kept; none drops one; the other fields stay as they were
    const updated = json<Limits & { url: string; auth: string }>(
      await ctl([...asAdmin, 'update', 'busy', '--max-concurrent', '2', '--body-timeout', 'none']),
    );
    assert.deepEqual(updated.limits, { maxConcurrent: 2, connectTimeout: 10_000, headersTimeout: 300_000 });
    assert.equal(updated.url, 'http://127.0.0.1:5000/wps');
    assert.equal(updated.auth, 'token');
    assert.deepEqual(
      json<Limits>(await ctl([...asAdmin, 'update', 'busy', '--no-limits', '--headers-timeout', '2h']))
        .limits,
      { headersTimeout: 7_200_000 },
    );
    assert.deepEqual(json<Limits>(await ctl([...asAdmin, 'update', 'busy', '--no-limits'])).limits, {});
    assert.deepEqual(json<Limits>(await ctl([...asAdmin, 'get', 'busy'])).limits, {});

    // bad values: the server names the limit (1); not a number, or no change at all, is a usage error (2)
    exits(
      await ctl([...asAdmin, 'update', 'busy', '--headers-timeout', '25h']),
      1,
      /limits\.headersTimeout must be from 1 ms to 24 h/,
    );
    exits(
      await ctl([...asAdmin, 'update', 'busy', '--connect-timeout', 'soon']),
      1,
      /limits\.connectTimeout must be a duration/,
    );
    exits(await ctl([...asAdmin, 'update', 'busy', '--max-concurrent', '0']), 1, /limits\.maxConcurrent/);
    exits(
      await ctl([...asAdmin, 'register', 'http://127.0.0.1:5000/wps', '--max-concurrent', '100001']),
      1,
      /limits\.maxConcurrent must be an integer from 1 to 100000/,
    );
    exits(await ctl([...asAdmin, 'update', 'busy', '--max-concurrent', 'many']), 2, /whole number/);
    exits(
      await ctl([...asAdmin, 'update', 'busy', '--max-concurrent', 'none', '--body-timeout']),
      2,
      /needs a value/,
    );
    exits(await ctl([...asAdmin, 'update', 'busy']), 2, /update needs a change/);
    exits(await ctl([...asAdmin, 'update', 'nope', '--no-limits']), 1, /service_not_found/);
    assert.deepEqual(json<Limits>(await ctl([...asAdmin, 'get', 'busy'])).limits, {});
    exits(await ctl([...asAdmin, 'unregister', 'busy']), 0);
  });

  test('the environment: TWITCHER_SERVER, TWITCHER_USERNAME, TWITCHER_PASSWORD, TWITCHER_TOKEN', async () => {
    const env = { TWITCHER_SERVER: app.url, TWITCHER_USERNAME: 'admin', TWITCHER_PASSWORD: ADMIN_PASSWORD };
    // the real bin reads process.env
    assert.deepEqual(json(await ctlProcess(['list'], env)), []);
    // an option wins over the environment
    exits(await ctl(['-p', 'wrong-password', 'list'], env), 1, /invalid_credentials/);
    const client = json<{ client_id: string; client_secret: string }>(
      await ctl(['add', '--name', 'ops', '--scope', 'compute', 'register'], env),
    );
    const token = json<{ access_token: string; scope: string }>(
      await ctl([
        '-s',
        app.url,
        'gentoken',
        '-i',
        client.client_id,
        '-s',
        client.client_secret,
        '-S',
        'register',
      ]),
    );
    assert.equal(token.scope, 'register');
    // the seeds' `twitcherctl -t TOKEN register`: a register token instead of the password
    const byToken = { TWITCHER_SERVER: app.url, TWITCHER_TOKEN: token.access_token };
    assert.equal(
      json<{ name: string }>(await ctl(['register', 'http://127.0.0.1:5000/wps', '--name', 'tok'], byToken))
        .name,
      'tok',
    );
    assert.equal(json<unknown[]>(await ctl(['-s', app.url, '-t', token.access_token, 'list'])).length, 1);
    // ... which opens the registry only
    exits(await ctl(['clients', 'list'], byToken), 1, /authentication_required, HTTP 401/);
    json(await ctl(['unregister', 'tok'], byToken));
  });

  test('add, gentoken (scopes as in the seeds), clients list/get/delete', async () => {
    const added = json<{
      name: string;
      client_id: string;
      client_secret: string;
      redirect_uri: string;
      scope: string[];
    }>(await ctl([...asAdmin, 'add', '-n', 'demo', '-r', 'https://demo.example.org/cb']));
    assert.equal(added.name, 'demo');
    assert.equal(added.redirect_uri, 'https://demo.example.org/cb');
    assert.deepEqual(added.scope, ['compute']);
    const token = json<{ access_token: string; token_type: string; scope: string; expires_in: number }>(
      await ctl([
        '-s',
        app.url,
        'gentoken',
        '-i',
        added.client_id,
        '-s',
        added.client_secret,
        '--scope',
        'compute',
      ]),
    );
    assert.equal(token.token_type, 'Bearer');
    assert.equal(token.scope, 'compute');
    assert.ok(token.expires_in > 0);
    exits(
      await ctl(['-s', app.url, 'gentoken', '-i', added.client_id, '-s', 'wrong-secret']),
      1,
      /\(invalid_client, HTTP 401\); check the client id and secret/,
    );
    exits(
      await ctl([
        '-s',
        app.url,
        'gentoken',
        '-i',
        added.client_id,
        '-s',
        added.client_secret,
        '-S',
        'register',
      ]),
      1,
      /invalid_scope, HTTP 400/,
    );

    const listed = json<{ client_id: string; name: string }[]>(await ctl([...asAdmin, 'clients', 'list']));
    assert.ok(listed.some((c) => c.client_id === added.client_id && c.name === 'demo'));
    assert.ok(!JSON.stringify(listed).includes(added.client_secret), 'a secret was listed');
    assert.equal(
      json<{ name: string }>(await ctl([...asAdmin, 'clients', 'get', added.client_id])).name,
      'demo',
    );
    assert.deepEqual(json(await ctl([...asAdmin, 'clients', 'delete', added.client_id])), {
      client_id: added.client_id,
      deleted: true,
    });
    exits(await ctl([...asAdmin, 'clients', 'get', added.client_id]), 1, /\(not_found, HTTP 404\)/);
    exits(await ctl([...asAdmin, 'clients', 'delete', added.client_id]), 1, /\(not_found, HTTP 404\)/);
  });

  test('tokens issue (with data), introspect, revoke', async () => {
    const added = json<{ client_id: string }>(await ctl([...asAdmin, 'add', '--name', 'workflow']));
    const issued = json<{ access_token: string; scope: string }>(
      await ctl([
        ...asAdmin,
        'tokens',
        'issue',
        added.client_id,
        '--scope',
        'compute',
        '--data',
        'project=cmip6',
      ]),
    );
    assert.equal(issued.scope, 'compute');
    const info = json<{ active: boolean; client_id: string; scope: string }>(
      await ctl([...asAdmin, 'tokens', 'introspect', issued.access_token]),
    );
    assert.deepEqual([info.active, info.client_id, info.scope], [true, added.client_id, 'compute']);
    assert.deepEqual(json(await ctl([...asAdmin, 'tokens', 'revoke', issued.access_token])), {
      revoked: true,
    });
    assert.deepEqual(json(await ctl([...asAdmin, 'tokens', 'introspect', issued.access_token])), {
      active: false,
    });
    exits(await ctl([...asAdmin, 'tokens', 'revoke', 'tw_nothing']), 1, /\(not_found, HTTP 404\)/);
    exits(await ctl([...asAdmin, 'tokens', 'issue', added.client_id, '--data', 'nokey']), 2, /KEY=VALUE/);
    exits(
      await ctl([...asAdmin, 'tokens', 'issue', added.client_id, '--data', 'bad key=1']),
      1,
      /validation_failed, HTTP 422/,
    );
  });

  test('gentoken -K: a token from an OpenID provider (Keycloak) token endpoint', async (t) => {
    const provider = await startProvider();
    t.after(() => provider.stop());
    const token = json<{ access_token: string; token_type: string }>(
      await ctl([
        'gentoken',
        '-i',
        CLIENT_ID,
        '-s',
        CLIENT_SECRET,
        '-S',
        'compute',
        '-K',
        `${provider.issuer}/token`,
      ]),
    );
    assert.equal(token.token_type, 'Bearer');
    assert.equal(token.access_token.split('.').length, 3);
    exits(
      await ctl(['gentoken', '-i', CLIENT_ID, '-s', 'wrong', '--keycloak', `${provider.issuer}/token`]),
      1,
      /invalid_client/,
    );
    exits(
      await ctl(['gentoken', '-i', CLIENT_ID, '-s', 'x', '-K', 'sso.example.org/token']),
      2,
      /realm's token endpoint/,
    );
  });
});

describe('twitcherctl: bad input, one line and the right exit code', () => {
  test('wrong password → 1 with the code and what to check', async () => {
    exits(
      await ctl(['-s', app.url, '-p', 'not-the-password', 'list']),
      1,
      /^twitcherctl: Wrong user name or password\. \(invalid_credentials, HTTP 401\); check -u\/-p/,
    );
    exits(await ctl(['-s', app.url, 'list']), 1, /authentication_required, HTTP 401/);
    // /oauth/client answers in RFC 6749's format
    exits(await ctl(['-s', app.url, '-p', 'not-the-password', 'add']), 1, /HTTP 401\); check -u\/-p/);
  });

  test('unknown service → 1', async () => {
    exits(await ctl([...asAdmin, 'get', 'nope']), 1, /\(service_not_found, HTTP 404\); 'twitcherctl list'/);
    exits(await ctl([...asAdmin, 'unregister', 'nope']), 1, /service_not_found/);
  });

  test('server down → 3, with the URL tried', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    // the real bin: exit code 3, one line on its standard error
    exits(
      await ctlProcess(['-s', url, '-p', 'x', 'list']),
      3,
      new RegExp(`cannot reach ${url}/services: ECONNREFUSED`),
    );
    exits(
      await ctl(['gentoken', '-i', 'a', '-s', 'b'], { TWITCHER_SERVER: url }),
      3,
      new RegExp(`${url}/oauth/token`),
    );
  });

  test('unknown command or option, missing or extra argument → 2', async () => {
    exits(await ctl(['frobnicate']), 2, /unknown command "frobnicate"; 'twitcherctl --help'/);
    exits(await ctl(['clients', 'frobnicate']), 2, /unknown command "clients frobnicate"/);
    exits(await ctl(['clients']), 2, /clients needs a command/);
    exits(await ctl([]), 2, /missing command/);
    exits(await ctl(['--frobnicate', 'list']), 2, /unknown option --frobnicate; see twitcherctl --help/);
    exits(await ctl(['list', '--frobnicate']), 2, /unknown option --frobnicate; see twitcherctl list --help/);
    exits(await ctl(['list', '-k']), 2, /-k is a global option: put it before the command/);
    exits(await ctl(['get']), 2, /get needs NAME/);
    exits(await ctl(['get', 'a', 'b']), 2, /unexpected argument "b"/);
    exits(await ctl(['register']), 2, /register needs URL/);
    exits(
      await ctl(['register', 'http://x.org/wps', '--auth', 'magic']),
      2,
      /--auth is token, cert or public/,
    );
    exits(await ctl(['register', 'http://x.org/wps', '--verify', '--no-verify']), 2, /not both/);
    exits(await ctl(['-o', 'xml', 'list']), 2, /json or table/);
    exits(await ctl(['gentoken', '-s', 'SECRET']), 2, /gentoken needs the client id/);
    exits(await ctl(['gentoken', '-i', 'ID']), 2, /needs the client secret/);
    exits(await ctl(['gentoken', '-i']), 2, /option -i\/--client-id needs a value/);
    exits(await ctl(['-s']), 2, /option -s\/--serverurl needs a value/);
  });

  test('malformed URL → 2', async () => {
    exits(await ctl(['-s', 'localhost:8000', '-p', 'x', 'list']), 2, /server URL "localhost:8000" is not an/);
    exits(await ctl(['-s', 'ftp://example.org', 'list']), 2, /not an http or https URL/);
    exits(await ctl(['list'], { TWITCHER_SERVER: 'nonsense' }), 2, /TWITCHER_SERVER/);
    exits(await ctl([...asAdmin, 'register', 'not-a-url']), 2, /"not-a-url" is not an absolute URL/);
    exits(await ctl([...asAdmin, 'register', 'file:///etc/passwd']), 2, /not an http or https URL/);
  });

  test('a server answering something that is not JSON → 1 (bad_response)', async (t) => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>It works!</body></html>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.after(() => server.close());
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    exits(
      await ctl(['-s', url, '-p', 'x', 'list']),
      1,
      new RegExp(
        `${url}/services answered HTTP 200 with text/html, not JSON: is it a Twitcher server\\? \\(bad_response\\)`,
      ),
    );
  });

  test('--debug adds the stack trace', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const run = await ctl(['--debug', '-s', url, '-p', 'x', 'list']);
    assert.equal(run.code, 3);
    assert.match(run.stderr, /\n\s+at /);
    assert.doesNotMatch(run.stderr, /-p x|x\)/, 'the password is not printed');
  });
});

/** Runs twitcherctl on a pseudo-terminal (util-linux `script`), answering prompts as they come. */
function onTerminal(args: string[], answers: { after: RegExp; send: string }[]): Promise<Run> {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, '--import', 'tsx', BIN, ...args].map(quote).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], {
      cwd: ROOT,
      env: { ...BASE_ENV, TERM: 'dumb' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    const pending = [...answers];
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const next = pending[0];
      if (next?.after.test(out)) {
        pending.shift();
        child.stdin.write(next.send);
      }
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), HANG_MS);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: out, stderr: '' });
    });
  });
}

describe('twitcherctl on a terminal', () => {
  const hasScript = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;

  test('the password is asked for without echo', {
    skip: !hasScript && 'no `script` (util-linux)',
  }, async () => {
    const run = await onTerminal(
      ['-s', app.url, 'list'],
      [{ after: /Password of admin at /, send: `${ADMIN_PASSWORD}\r` }],
    );
    assert.equal(run.code, 0, run.stdout);
    assert.match(run.stdout, /\[/);
    assert.ok(!run.stdout.includes(ADMIN_PASSWORD), `the password was echoed: ${run.stdout}`);
  });

  test('clear asks first: no → nothing cleared (1), yes → cleared', {
    skip: !hasScript && 'no `script`',
  }, async () => {
    json(await ctl([...asAdmin, 'register', 'http://127.0.0.1:5000/wps', '--name', 'keep']));
    const no = await onTerminal([...asAdmin, 'clear'], [{ after: /\[y\/N\] /, send: 'n\r' }]);
    assert.equal(no.code, 1, no.stdout);
    assert.match(no.stdout, /nothing was cleared/);
    assert.equal(json<unknown[]>(await ctl([...asAdmin, 'list'])).length, 1);
    const yes = await onTerminal([...asAdmin, 'clear'], [{ after: /\[y\/N\] /, send: 'y\r' }]);
    assert.equal(yes.code, 0, yes.stdout);
    assert.deepEqual(json(await ctl([...asAdmin, 'list'])), []);
  });
});

describe("the seeds' tutorial, with the real PyWPS", () => {
  test('register emu, list, add a client, gentoken, Execute through the proxy with the token, unregister', async (t) => {
    if (!requirePeer(t, 'pywps')) return;
    const wps = await startPyWPS();
    t.after(() => wps.stop());
    const env = { TWITCHER_SERVER: app.url, TWITCHER_PASSWORD: ADMIN_PASSWORD };

    const emu = json<{ name: string; auth: string }>(await ctl(['register', wps.url, '--name', 'emu'], env));
    assert.deepEqual([emu.name, emu.auth], ['emu', 'token']);
    assert.ok(json<{ name: string }[]>(await ctl(['list'], env)).some((s) => s.name === 'emu'));
    const demo = json<{ client_id: string; client_secret: string }>(
      await ctl(['add', '--name', 'demo'], env),
    );
    const token = json<{ access_token: string }>(
      await ctl(['gentoken', '-i', demo.client_id, '-s', demo.client_secret, '--scope', 'compute'], env),
    );

    const proxy = `${app.url}/ows/proxy/emu`;
    // the real curl, asynchronously: Twitcher runs in this very process
    const curl = (args: string[]) => exec('curl', ['-s', '-o', '-', '-w', '\n%{http_code}', ...args]);
    const execute = (headers: string[]) => curl([...headers, `${proxy}?${EXECUTE}`]);
    assert.match(await curl([`${proxy}?service=WPS&request=GetCapabilities`]), /Capabilities[\s\S]*\n200$/);

    const refused = await execute([]);
    assert.match(refused, /\n401$/, refused);
    assert.match(refused, /ExceptionReport/);
    const allowed = await execute(['-H', `Authorization: Bearer ${token.access_token}`]);
    assert.match(allowed, /\n200$/, allowed);
    assert.match(allowed, /ProcessSucceeded/);
    assert.match(allowed, /Hello tux/);

    assert.deepEqual(json(await ctl(['unregister', 'emu'], env)), { name: 'emu', unregistered: true });
    assert.match(await execute(['-H', `Authorization: Bearer ${token.access_token}`]), /\n404$/);
  });
});
