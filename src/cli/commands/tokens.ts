import { type Command, listValue } from '../command.js';
import { UsageError } from '../usage-error.js';
import { scopesOf } from './oauth.js';

/** `--data project=cmip6 --data team=a` → {project: 'cmip6', team: 'a'}. */
function dataOf(values: string[]): Record<string, string> {
  const data: Record<string, string> = {};
  for (const pair of values) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--data takes KEY=VALUE, not "${pair}" (e.g. --data project=cmip6)`);
    data[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return data;
}

export const tokensIssue: Command = {
  path: ['tokens', 'issue'],
  summary: 'Issue a token for a client, without its secret, with data for the upstreams',
  args: [{ name: 'CLIENT_ID', help: 'the client id' }],
  options: {
    scope: {
      type: 'string',
      multiple: true,
      metavar: 'SCOPE',
      help: "scopes (default: the client's, but register)",
    },
    data: {
      type: 'string',
      multiple: true,
      metavar: 'KEY=VALUE',
      help: 'data passed to upstreams registered with --pass-token-data',
    },
  },
  auth: 'admin',
  examples: ['twitcherctl tokens issue 0f6c3e… --scope compute --data project=cmip6 --data team=ocean'],
  check(args) {
    dataOf(listValue(args, 'data'));
  },
  run(ctx, args) {
    const scopes = scopesOf(listValue(args, 'scope'));
    const data = listValue(args, 'data');
    return ctx.client().issueToken(args.positionals[0] ?? '', {
      ...(scopes.length > 0 && { scope: scopes }),
      ...(data.length > 0 && { data: dataOf(data) }),
    });
  },
};

export const tokensRevoke: Command = {
  path: ['tokens', 'revoke'],
  summary: 'Revoke a token Twitcher issued: refused at once from then on',
  args: [{ name: 'TOKEN', help: 'the access token' }],
  options: {},
  auth: 'admin',
  examples: ['twitcherctl tokens revoke tw_…'],
  async run(ctx, { positionals: [token = ''] }) {
    await ctx.client().revokeToken(token);
    return { revoked: true };
  },
};

export const tokensIntrospect: Command = {
  path: ['tokens', 'introspect'],
  summary: 'What a token grants (RFC 7662): active, scope, client_id, exp…',
  args: [{ name: 'TOKEN', help: 'the access token' }],
  options: {},
  auth: 'admin',
  examples: ['twitcherctl tokens introspect tw_…'],
  run: (ctx, { positionals: [token = ''] }) => ctx.client().introspectToken(token),
};
