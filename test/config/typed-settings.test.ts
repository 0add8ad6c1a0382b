import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { readSettings } from '../../src/config/read-settings.js';
import { withDefault } from '../../src/config/setting.js';
import * as t from '../../src/config/setting-types.js';
import { isSettingPath, SETTINGS, type SettingPath, type SettingValue } from '../../src/config/settings.js';

/** `true` only when `A` and `B` are the same type (so an assignment of `true` compiles only then). */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

const noSources = { env: {}, overrides: {}, file: {}, fileName: '' };

describe('typed settings', () => {
  test('a value is typed by its setting: number, string or undefined, the literals of an enum', () => {
    const types: [
      Same<SettingValue<'server.port'>, number>,
      Same<SettingValue<'server.url'>, string | undefined>,
      Same<SettingValue<'server.trustProxy'>, string[]>,
      Same<SettingValue<'certs.backend'>, 'ca' | 'myproxy' | 'off'>,
      Same<SettingValue<'authz.basicAuth'>, boolean>,
      Same<SettingValue<'token.macaroonKeys'>, { id: string; secret: string }[]>,
    ] = [true, true, true, true, true, true];
    assert.deepEqual(types, [true, true, true, true, true, true]);
    const settings = readSettings({
      ...noSources,
      env: { TWITCHER_PORT: '9000', TWITCHER_CERTS_BACKEND: 'off' },
    });
    const port: number = settings.get('server.port');
    const backend: 'ca' | 'myproxy' | 'off' = settings.get('certs.backend');
    assert.equal(port, 9000);
    assert.equal(backend, 'off');
    assert.equal(settings.get('server.url'), undefined);
  });

  test('a misspelt path does not compile (tsc checks these lines), and is refused at run time', () => {
    // @ts-expect-error 'server.prot' is no setting of the table
    const misspelt: SettingPath = 'server.prot';
    assert.equal(isSettingPath(misspelt), false);
    assert.equal(isSettingPath('server.port'), true);
    // @ts-expect-error get() takes only the paths of the table
    assert.throws(() => readSettings(noSources).get('server.prot'), TypeError);
    assert.throws(
      () => loadConfig({ env: {}, overrides: { [misspelt]: 1 } }),
      /unknown setting "server\.prot"/,
    );
  });

  test('a default must be a value of its parser (tsc checks these lines)', () => {
    const port = withDefault({ env: 'X_PORT', type: t.integer({ min: 0, max: 9 }), default: 1, doc: '' });
    // @ts-expect-error a string default for an integer setting
    const wrong = withDefault({ env: 'X_PORT', type: t.integer({ min: 0, max: 9 }), default: '1', doc: '' });
    assert.deepEqual(port.type.kind === 'json' ? undefined : port.type.parse('7'), { value: 7 });
    assert.equal(wrong.default, '1');
  });

  test('a refused value reads as unset, and get() refuses it', () => {
    const settings = readSettings({ ...noSources, env: { TWITCHER_PORT: 'x' } });
    assert.deepEqual(settings.problems, ['TWITCHER_PORT must be an integer']);
    assert.equal(settings.peek('server.port'), undefined);
    assert.throws(() => settings.get('server.port'), ConfigError);
  });

  test('every setting has its own path and environment variable', () => {
    assert.equal(new Set(SETTINGS.map((s) => s.path)).size, SETTINGS.length);
    assert.equal(new Set(SETTINGS.map((s) => s.env)).size, SETTINGS.length);
    assert.equal(SETTINGS.length, 75);
  });
});
