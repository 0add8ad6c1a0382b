import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, test } from 'node:test';
import { main } from '../../src/cli/main.js';
import { ADMIN_PASSWORD, startTestApp, type TestApp } from '../helpers/app.js';
import { registerService } from '../helpers/register.js';
import { startUpstream } from '../helpers/upstream.js';

/** twitcherctl in process, as the administrator, standard input not a terminal. */
async function ctl(app: TestApp, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const code = await main(['-s', app.url, '-u', 'admin', '-p', ADMIN_PASSWORD, ...args], {
    env: {},
    stdin: new PassThrough() as unknown as NodeJS.ReadStream,
    stdout,
    stderr,
  });
  return { code, out, err };
}

// biome-ignore lint/suspicious/noExplicitAny: JSON printed by the CLI
const json = (r: { out: string }): any => JSON.parse(r.out);

describe('twitcherctl: users, groups, resources, permissions, audit', () => {
  test('an administrator sets up fine-grained access from the command line', async (t) => {
    const up = await startUpstream(t);
    const app = await startTestApp(t);
    await registerService(app, { name: 'emu', url: `${up.url}/wps`, type: 'wps', auth: 'acl' });

    assert.equal(
      (
        await ctl(
          app,
          'users',
          'add',
          'alice',
          '-p',
          'alice-password-1',
          '--certificate-dn',
          '/O=Example/CN=alice',
        )
      ).code,
      0,
    );
    assert.equal((await ctl(app, 'users', 'add', 'bob', '-p', 'bob-password-1')).code, 0);
    assert.equal((await ctl(app, 'groups', 'add', 'staff', '--priority', '5', '-d', 'Staff')).code, 0);
    assert.equal(json(await ctl(app, 'groups', 'join', 'staff', 'alice')).added, true);
    assert.deepEqual(json(await ctl(app, 'users', 'get', 'alice')).groups, ['staff']);
    const hello = json(await ctl(app, 'resources', 'add', 'emu', 'process', 'hello'));
    assert.equal(hello.kind, 'process');
    assert.deepEqual(
      json(await ctl(app, 'resources', 'list', 'emu')).map((r: { name: string }) => r.name),
      ['hello'],
    );
    const grant = json(await ctl(app, 'permissions', 'grant', 'emu', 'execute', '--group', 'staff'));
    assert.equal(grant.scope, 'recursive');
    const deny = json(
      await ctl(
        app,
        'permissions',
        'grant',
        'emu',
        'execute',
        '--user',
        'alice',
        '--resource',
        'hello',
        '--deny',
        '--match',
      ),
    );
    assert.equal(deny.access, 'deny');
    const effective = json(
      await ctl(
        app,
        'users',
        'effective',
        'alice',
        '--service',
        'emu',
        '--resource',
        'hello',
        '-P',
        'execute',
      ),
    );
    assert.deepEqual(effective, [
      {
        permission: 'execute',
        allow: false,
        reason: 'user',
        rule: 'user:alice:execute-deny-match@emu/hello',
      },
    ]);
    assert.equal(json(await ctl(app, 'permissions', 'list', '--service', 'emu')).length, 2);
    assert.equal(json(await ctl(app, 'permissions', 'revoke', String(deny.id))).revoked, true);

    const client = json(await ctl(app, 'clients', 'add', '--name', 'laptop', '--user', 'alice'));
    assert.equal(client.user, 'alice');
    assert.equal(json(await ctl(app, 'clients', 'owner', client.client_id, '--user', 'bob')).user, 'bob');

    await fetch(`${app.url}/ows/proxy/emu?service=WPS&version=1.0.0&request=Execute&identifier=hello`);
    const page = json(await ctl(app, 'audit', '--service', 'emu', '--outcome', 'deny'));
    assert.equal(page.records.length, 1);
    assert.equal(page.records[0].subject, 'anonymous');

    // clear errors, with the server's code
    const dup = await ctl(app, 'permissions', 'grant', 'emu', 'execute', '--group', 'staff');
    assert.notEqual(dup.code, 0);
    assert.match(dup.err, /duplicate_grant|already granted/);
    const inUse = await ctl(app, 'groups', 'delete', 'staff');
    assert.notEqual(inUse.code, 0);
    assert.match(inUse.err, /group_in_use|still has/);
    const usage = await ctl(app, 'permissions', 'grant', 'emu', 'execute');
    assert.equal(usage.code, 2);
    assert.match(usage.err, /exactly one of --user and --group/);
    const help = await ctl(app, 'groups', '--help');
    assert.match(help.out, /join/);
  });
});
