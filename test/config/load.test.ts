import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { renderConfigDocs } from '../../src/config/render-docs.js';

const dir = mkdtempSync(join(tmpdir(), 'twitcher-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  assert.fail('expected a ConfigError');
}

describe('configuration', () => {
  test('defaults: 127.0.0.1:8000, embedded SQLite under var/, /ows', () => {
    const c = loadConfig({ env: {} });
    assert.equal(c.server.host, '127.0.0.1');
    assert.equal(c.server.port, 8000);
    assert.equal(c.server.url, 'http://127.0.0.1:8000');
    assert.equal(c.database.url, 'sqlite:var/twitcher.sqlite');
    assert.equal(c.protectedPath, '/ows');
    assert.equal(c.admin.username, 'admin');
    assert.equal(c.admin.password, undefined);
    assert.equal(c.proxy.maxXmlBytes, 8 * 1024 * 1024);
    assert.ok(Object.isFrozen(c.server));
  });

  test('YAML file, then environment overrides', () => {
    const p = file(
      'a.yaml',
      'server:\n  port: 9000\n  url: https://climate.example.org/twitcher/\nprotectedPath: /twitcher/ows/\nproxy:\n  headersTimeout: 2m\n  maxXmlBytes: 1MiB\n',
    );
    const c = loadConfig({ file: p, env: { TWITCHER_PORT: '9100', TWITCHER_LOG_LEVEL: 'debug' } });
    assert.equal(c.server.port, 9100);
    assert.equal(c.server.url, 'https://climate.example.org/twitcher');
    assert.equal(c.protectedPath, '/twitcher/ows');
    assert.equal(c.proxy.headersTimeout, 120_000);
    assert.equal(c.proxy.maxXmlBytes, 1024 * 1024);
    assert.equal(c.log.level, 'debug');
  });

  test('JSON file through TWITCHER_CONFIG', () => {
    const p = file('b.json', JSON.stringify({ database: { url: 'postgres://u@db:5432/tw' } }));
    assert.equal(loadConfig({ env: { TWITCHER_CONFIG: p } }).database.url, 'postgres://u@db:5432/tw');
  });

  test('the example config file loads and says the defaults', () => {
    const example = loadConfig({
      file: new URL('../../twitcher.example.yaml', import.meta.url).pathname,
      env: {},
    });
    assert.deepEqual(example, loadConfig({ env: {} }));
  });

  test('every invalid setting is reported at once', () => {
    const p = file('bad.yaml', 'server:\n  port: 99999\n  colour: red\nlog:\n  level: loud\n');
    const problems = problemsOf(() =>
      loadConfig({
        file: p,
        env: {
          TWITCHER_URL: 'ftp://x',
          TWITCHER_DATABASE_URL: 'mysql://x',
          TWITCHER_PROTECTED_PATH: 'ows',
          TWITCHER_PROXY_CONNECT_TIMEOUT: 'soon',
          TWITCHER_ADMIN_PASSWORD: 'short',
        },
      }),
    );
    const text = problems.join('\n');
    for (const expected of [
      /server\.port must be between 0 and 65535/,
      /unknown setting "server\.colour"/,
      /log\.level must be one of/,
      /TWITCHER_URL must be a http or https URL/,
      /TWITCHER_DATABASE_URL must be sqlite:PATH or postgres/,
      /TWITCHER_PROTECTED_PATH must be a path/,
      /TWITCHER_PROXY_CONNECT_TIMEOUT must be a duration/,
      /TWITCHER_ADMIN_PASSWORD must have at least 12 characters/,
    ]) {
      assert.match(text, expected);
    }
    assert.equal(problems.length, 8);
  });

  test('a file that does not parse, or does not exist, is reported', () => {
    assert.match(
      problemsOf(() => loadConfig({ file: file('x.yaml', 'server: [1, 2'), env: {} })).join(),
      /does not parse/,
    );
    assert.match(
      problemsOf(() => loadConfig({ file: join(dir, 'missing.yaml'), env: {} })).join(),
      /cannot be read/,
    );
    assert.match(
      problemsOf(() => loadConfig({ file: file('y.yaml', '- 1\n- 2\n'), env: {} })).join(),
      /mapping/,
    );
  });

  test('password and password hash together are refused', () => {
    const problems = problemsOf(() =>
      loadConfig({
        env: { TWITCHER_ADMIN_PASSWORD: 'a-long-password', TWITCHER_ADMIN_PASSWORD_HASH: 'scrypt$1$1$1$a$b' },
      }),
    );
    assert.match(problems.join(), /either admin\.password/);
  });

  test('a clientCerts.headerFrom that is no list is reported (it crashed the loader with a TypeError)', () => {
    const p = file('header-from.yaml', 'clientCerts:\n  header: X-Client-Cert\n  headerFrom: 5\n');
    assert.deepEqual(
      problemsOf(() => loadConfig({ file: p, env: {} })),
      [`${p}: clientCerts.headerFrom must be a list of strings (or a comma-separated string)`],
    );
  });

  test('the algorithms of a trusted issuer must be a list of strings', () => {
    const issuer = { issuer: 'https://sso.example.org/realms/x', audience: 'twitcher' };
    const env = (algorithms: unknown) => ({
      TWITCHER_TOKEN_TRUSTED_ISSUERS: JSON.stringify([{ ...issuer, algorithms }]),
    });
    assert.deepEqual(
      problemsOf(() => loadConfig({ env: env('RS256') })),
      ['token.trustedIssuers [0].algorithms must be a list of strings'],
    );
    assert.deepEqual(loadConfig({ env: env(['ES256']) }).token.trustedIssuers, [
      { ...issuer, algorithms: ['ES256'] },
    ]);
  });

  test('docs/configuration.md is up to date with the settings table (run npm run docs:config)', () => {
    const onDisk = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    assert.equal(onDisk, renderConfigDocs());
  });
});
