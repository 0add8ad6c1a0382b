import { type Command, stringValue } from '../command.js';
import { UsageError } from '../usage-error.js';

function priorityOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?[0-9]{1,6}$/.test(value)) throw new UsageError(`--priority takes an integer, not "${value}"`);
  return Number(value);
}

const priority = {
  type: 'string' as const,
  metavar: 'N',
  help: 'higher wins over lower when groups disagree (default 0; anonymous is -1)',
};

export const groupsList: Command = {
  path: ['groups', 'list'],
  summary: 'List the groups (administrators, anonymous and authenticated are built in)',
  args: [],
  options: {},
  auth: 'admin',
  examples: ['twitcherctl -o table groups list'],
  run: (ctx) => ctx.client().authz.listGroups(),
};

export const groupsGet: Command = {
  path: ['groups', 'get'],
  summary: 'Show a group and its members',
  args: [{ name: 'GROUP', help: 'the group name' }],
  options: {},
  auth: 'admin',
  examples: ['twitcherctl groups get staff'],
  run: (ctx, { positionals: [name = ''] }) => ctx.client().authz.getGroup(name),
};

export const groupsAdd: Command = {
  path: ['groups', 'add'],
  summary: 'Add a group',
  args: [{ name: 'GROUP', help: 'the group name' }],
  options: {
    priority,
    description: { type: 'string', short: 'd', metavar: 'TEXT', help: 'what the group is for' },
  },
  auth: 'admin',
  examples: ['twitcherctl groups add staff --priority 5 -d "Our staff"'],
  check(args) {
    priorityOf(stringValue(args, 'priority'));
  },
  run(ctx, args) {
    const p = priorityOf(stringValue(args, 'priority'));
    const description = stringValue(args, 'description');
    return ctx.client().authz.addGroup({
      name: args.positionals[0] ?? '',
      ...(p !== undefined && { priority: p }),
      ...(description !== undefined && { description }),
    });
  },
};

export const groupsSet: Command = {
  path: ['groups', 'set'],
  summary: "Change a group's priority or description",
  args: [{ name: 'GROUP', help: 'the group name' }],
  options: {
    priority,
    description: { type: 'string', short: 'd', metavar: 'TEXT', help: 'a new description' },
  },
  auth: 'admin',
  examples: ['twitcherctl groups set staff --priority 10'],
  check(args) {
    priorityOf(stringValue(args, 'priority'));
    if (stringValue(args, 'priority') === undefined && stringValue(args, 'description') === undefined) {
      throw new UsageError('groups set needs --priority or --description');
    }
  },
  run(ctx, args) {
    const p = priorityOf(stringValue(args, 'priority'));
    const description = stringValue(args, 'description');
    return ctx.client().authz.updateGroup(args.positionals[0] ?? '', {
      ...(p !== undefined && { priority: p }),
      ...(description !== undefined && { description }),
    });
  },
};

export const groupsDelete: Command = {
  path: ['groups', 'delete'],
  summary: 'Remove a group (refused while it has members or permissions)',
  args: [{ name: 'GROUP', help: 'the group name' }],
  options: {},
  auth: 'admin',
  examples: ['twitcherctl groups delete staff'],
  async run(ctx, { positionals: [name = ''] }) {
    await ctx.client().authz.deleteGroup(name);
    return { name, deleted: true };
  },
};

export const groupsJoin: Command = {
  path: ['groups', 'join'],
  summary: 'Add a user to a group',
  args: [
    { name: 'GROUP', help: 'the group name' },
    { name: 'USER', help: 'the user name' },
  ],
  options: {},
  auth: 'admin',
  examples: ['twitcherctl groups join staff alice', 'twitcherctl groups join administrators bob'],
  async run(ctx, { positionals: [group = '', user = ''] }) {
    const added = await ctx.client().authz.addMember(group, user);
    return { group, user, member: true, added };
  },
};

export const groupsLeave: Command = {
  path: ['groups', 'leave'],
  summary: 'Remove a user from a group',
  args: [
    { name: 'GROUP', help: 'the group name' },
    { name: 'USER', help: 'the user name' },
  ],
  options: {},
  auth: 'admin',
  examples: ['twitcherctl groups leave staff alice'],
  async run(ctx, { positionals: [group = '', user = ''] }) {
    await ctx.client().authz.removeMember(group, user);
    return { group, user, member: false };
  },
};
