import type { GrantInput } from '../../client/index.js';
import { type Command, stringValue } from '../command.js';
import { UsageError } from '../usage-error.js';

const ref = (value: string): number | string => (/^[0-9]+$/.test(value) ? Number(value) : value);

export const permissionsList: Command = {
  path: ['permissions', 'list'],
  summary: 'List permissions, by user, group, service or resource',
  args: [],
  options: {
    user: { type: 'string', short: 'U', metavar: 'USER', help: 'granted to this user' },
    group: { type: 'string', short: 'g', metavar: 'GROUP', help: 'granted to this group' },
    service: { type: 'string', short: 'S', metavar: 'SERVICE', help: 'on this service' },
    resource: { type: 'string', short: 'r', metavar: 'RESOURCE', help: 'on this resource (with --service)' },
  },
  auth: 'admin',
  examples: [
    'twitcherctl -o table permissions list --service emu',
    'twitcherctl permissions list --group staff',
  ],
  run(ctx, args) {
    const filter: { user?: string; group?: string; service?: string; resource?: number | string } = {};
    for (const key of ['user', 'group', 'service'] as const) {
      const v = stringValue(args, key);
      if (v !== undefined) filter[key] = v;
    }
    const resource = stringValue(args, 'resource');
    if (resource !== undefined) filter.resource = ref(resource);
    return ctx.client().authz.listPermissions(filter);
  },
};

export const permissionsGrant: Command = {
  path: ['permissions', 'grant'],
  summary: 'Grant a permission to a user or a group, on a service or one of its resources',
  args: [
    { name: 'SERVICE', help: 'the service name' },
    { name: 'PERMISSION', help: 'an operation (getcapabilities, execute, getmap, …) or read, write, browse' },
  ],
  options: {
    user: { type: 'string', short: 'U', metavar: 'USER', help: 'to this user' },
    group: { type: 'string', short: 'g', metavar: 'GROUP', help: 'to this group (anonymous: everyone)' },
    resource: {
      type: 'string',
      short: 'r',
      metavar: 'RESOURCE',
      help: 'on this resource: id, name or path (default: the service)',
    },
    deny: { type: 'boolean', help: 'deny instead of allow' },
    match: {
      type: 'boolean',
      help: 'on the resource itself only (default: recursive, everything under it too)',
    },
  },
  auth: 'admin',
  examples: [
    'twitcherctl permissions grant emu getcapabilities --group anonymous --match',
    'twitcherctl permissions grant emu execute --group staff',
    'twitcherctl permissions grant emu execute --user bob --resource secret --deny',
  ],
  check(args) {
    if ((stringValue(args, 'user') === undefined) === (stringValue(args, 'group') === undefined)) {
      throw new UsageError('permissions grant needs exactly one of --user and --group');
    }
  },
  run(ctx, args) {
    const user = stringValue(args, 'user');
    const group = stringValue(args, 'group');
    const resource = stringValue(args, 'resource');
    const input: GrantInput = {
      service: args.positionals[0] ?? '',
      permission: args.positionals[1] ?? '',
      ...(user !== undefined ? { user } : { group: group ?? '' }),
      ...(resource !== undefined && { resource: ref(resource) }),
      access: args.values['deny'] === true ? 'deny' : 'allow',
      scope: args.values['match'] === true ? 'match' : 'recursive',
    };
    return ctx.client().authz.grant(input);
  },
};

export const permissionsRevoke: Command = {
  path: ['permissions', 'revoke'],
  summary: 'Revoke a permission by its id',
  args: [{ name: 'ID', help: 'the permission id (permissions list shows it)' }],
  options: {},
  auth: 'admin',
  examples: ['twitcherctl permissions revoke 7'],
  check(args) {
    if (!/^[0-9]+$/.test(args.positionals[0] ?? ''))
      throw new UsageError('ID is a number (permissions list shows it)');
  },
  async run(ctx, { positionals: [id = ''] }) {
    await ctx.client().authz.revoke(Number(id));
    return { id: Number(id), revoked: true };
  },
};
