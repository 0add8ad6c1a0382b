import { type Command, stringValue } from '../command.js';
import { UsageError } from '../usage-error.js';

export const usersList: Command = {
  path: ['users', 'list'],
  summary: "List Twitcher's users",
  args: [],
  options: {},
  auth: 'admin',
  examples: ['twitcherctl -o table users list'],
  run: (ctx) => ctx.client().authz.listUsers(),
};

export const usersGet: Command = {
  path: ['users', 'get'],
  summary: 'Show a user and its groups',
  args: [{ name: 'USER', help: 'the user name' }],
  options: {},
  auth: 'admin',
  examples: ['twitcherctl users get alice'],
  async run(ctx, { positionals: [name = ''] }) {
    const authz = ctx.client().authz;
    const user = await authz.getUser(name);
    return { ...user, groups: (await authz.userGroups(name)).map((g) => g.name) };
  },
};

export const usersAdd: Command = {
  path: ['users', 'add'],
  summary: 'Add a user (the password is asked for on a terminal when not given)',
  args: [{ name: 'USER', help: 'the user name' }],
  options: {
    password: {
      type: 'string',
      short: 'p',
      metavar: 'PASSWORD',
      help: 'its password (at least 8 characters)',
    },
    'certificate-dn': {
      type: 'string',
      metavar: 'DN',
      help: 'client certificates with this subject act for the user, e.g. "/O=Example/CN=alice"',
    },
  },
  auth: 'admin',
  examples: [
    'twitcherctl users add alice',
    'twitcherctl users add bob -p "a long password" --certificate-dn CN=bob,O=Example',
  ],
  check(args, ctx) {
    if (stringValue(args, 'password') === undefined && !ctx.interactive) {
      throw new UsageError('users add needs the password: users add USER -p PASSWORD');
    }
  },
  async run(ctx, args) {
    const password = stringValue(args, 'password') ?? (await ctx.askSecret('Password: '));
    const dn = stringValue(args, 'certificate-dn');
    return ctx.client().authz.addUser({
      username: args.positionals[0] ?? '',
      password,
      ...(dn !== undefined && { certificateDN: dn }),
    });
  },
};

export const usersSet: Command = {
  path: ['users', 'set'],
  summary: "Change a user's password or certificate DN",
  args: [{ name: 'USER', help: 'the user name' }],
  options: {
    password: { type: 'string', short: 'p', metavar: 'PASSWORD', help: 'a new password' },
    'certificate-dn': { type: 'string', metavar: 'DN', help: 'a new certificate subject DN' },
    'no-certificate-dn': { type: 'boolean', help: 'clear the certificate DN' },
  },
  auth: 'admin',
  examples: [
    'twitcherctl users set alice --certificate-dn "/O=Example/OU=Users/CN=alice"',
    'twitcherctl users set alice --no-certificate-dn',
  ],
  check(args) {
    const dn = stringValue(args, 'certificate-dn');
    if (dn !== undefined && args.values['no-certificate-dn'] === true) {
      throw new UsageError('give --certificate-dn or --no-certificate-dn, not both');
    }
    if (
      dn === undefined &&
      args.values['no-certificate-dn'] !== true &&
      stringValue(args, 'password') === undefined
    ) {
      throw new UsageError('users set needs --password, --certificate-dn or --no-certificate-dn');
    }
  },
  async run(ctx, args) {
    const name = args.positionals[0] ?? '';
    const password = stringValue(args, 'password');
    const dn = args.values['no-certificate-dn'] === true ? null : stringValue(args, 'certificate-dn');
    await ctx.client().authz.updateUser(name, {
      ...(password !== undefined && { password }),
      ...(dn !== undefined && { certificateDN: dn }),
    });
    return { username: name, updated: true };
  },
};

export const usersDelete: Command = {
  path: ['users', 'delete'],
  summary: 'Remove a user, its memberships and its permissions',
  args: [{ name: 'USER', help: 'the user name' }],
  options: {},
  auth: 'admin',
  examples: ['twitcherctl users delete alice'],
  async run(ctx, { positionals: [name = ''] }) {
    await ctx.client().authz.deleteUser(name);
    return { username: name, deleted: true };
  },
};

export const usersEffective: Command = {
  path: ['users', 'effective'],
  summary: 'What a user may do on a service or resource, and why',
  args: [{ name: 'USER', help: 'the user name' }],
  options: {
    service: { type: 'string', short: 'S', metavar: 'SERVICE', help: 'the service (required)' },
    resource: {
      type: 'string',
      short: 'r',
      metavar: 'RESOURCE',
      help: 'a resource id, name or path (default: the service)',
    },
    permission: {
      type: 'string',
      short: 'P',
      metavar: 'NAME',
      help: 'one permission (default: all of the service type)',
    },
  },
  auth: 'admin',
  examples: ['twitcherctl -o table users effective alice --service emu --resource hello'],
  notes:
    'Resolved as the proxy does: administrators, the user’s own permissions, its groups by priority, the\n' +
    'closest resource, deny before allow, default deny. "rule" names the permission that decided.',
  check(args) {
    if (stringValue(args, 'service') === undefined) throw new UsageError('users effective needs --service');
  },
  async run(ctx, args) {
    const resource = stringValue(args, 'resource');
    const permission = stringValue(args, 'permission');
    const e = await ctx.client().authz.effective(args.positionals[0] ?? '', {
      service: stringValue(args, 'service') ?? '',
      ...(resource !== undefined && { resource }),
      ...(permission !== undefined && { permission }),
    });
    return e.permissions.map((p) => ({
      permission: p.permission,
      allow: p.allow,
      reason: p.reason,
      rule: p.rule,
    }));
  },
};
