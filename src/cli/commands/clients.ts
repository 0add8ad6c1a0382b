import type { Command } from '../command.js';

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
