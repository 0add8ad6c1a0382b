import type { Scope } from '../../client/index.js';
import { type Command, listValue, stringValue } from '../command.js';
import { UsageError } from '../usage-error.js';
import { scopesOf } from './oauth.js';

export const clientsList: Command = {
  path: ['clients', 'list'],
  summary: 'List the OAuth2 clients (never their secrets)',
  args: [],
  options: {},
  auth: 'admin',
  examples: ['twitcherctl -o table clients list'],
  run: (ctx) => ctx.client().listClients(),
};

export const clientsGet: Command = {
  path: ['clients', 'get'],
  summary: 'Show one OAuth2 client',
  args: [{ name: 'ID', help: 'the client id' }],
  options: {},
  auth: 'admin',
  examples: ['twitcherctl clients get 0f6c3e…'],
  run: (ctx, { positionals: [id = ''] }) => ctx.client().getClient(id),
};

export const clientsDelete: Command = {
  path: ['clients', 'delete'],
  summary: 'Delete an OAuth2 client and its tokens',
  args: [{ name: 'ID', help: 'the client id' }],
  options: {},
  auth: 'admin',
  examples: ['twitcherctl clients delete 0f6c3e…'],
  async run(ctx, { positionals: [id = ''] }) {
    await ctx.client().deleteClient(id);
    return { client_id: id, deleted: true };
  },
};

export const clientsAdd: Command = {
  path: ['clients', 'add'],
  summary: 'Register an OAuth2 client, optionally acting for a user on acl services (secret shown once)',
  args: [],
  options: {
    name: { type: 'string', short: 'n', metavar: 'NAME', help: 'client name (default: client)' },
    user: {
      type: 'string',
      short: 'U',
      metavar: 'USER',
      help: 'the user its tokens act for on acl services',
    },
    scope: { type: 'string', multiple: true, metavar: 'SCOPE', help: 'compute (default) and/or register' },
  },
  auth: 'admin',
  examples: ['twitcherctl clients add --name alice-laptop --user alice'],
  run(ctx, args) {
    const name = stringValue(args, 'name');
    const user = stringValue(args, 'user');
    const scopes = scopesOf(listValue(args, 'scope'));
    return ctx.client().createClient({
      ...(name !== undefined && { name }),
      ...(user !== undefined && { user }),
      ...(scopes.length > 0 && { scopes: scopes as Scope[] }),
    });
  },
};

export const clientsOwner: Command = {
  path: ['clients', 'owner'],
  summary: "Set (or with --none clear) the user a client's tokens act for on acl services",
  args: [{ name: 'ID', help: 'the client id' }],
  options: {
    user: { type: 'string', short: 'U', metavar: 'USER', help: 'the user' },
    none: { type: 'boolean', help: 'no user' },
  },
  auth: 'admin',
  examples: ['twitcherctl clients owner 0f6c3e… --user bob', 'twitcherctl clients owner 0f6c3e… --none'],
  check(args) {
    if ((stringValue(args, 'user') === undefined) === (args.values['none'] !== true)) {
      throw new UsageError('clients owner needs --user USER or --none');
    }
  },
  run(ctx, args) {
    return ctx.client().setClientOwner(args.positionals[0] ?? '', stringValue(args, 'user') ?? null);
  },
};
