import type { Scope } from '../../client/index.js';
import { checkBaseURL, TwitcherClientError } from '../../client/index.js';
import { type Command, listValue, stringValue } from '../command.js';
import { UsageError } from '../usage-error.js';

/** `--scope a b`, `--scope a --scope b`, `--scope "a b"` and `--scope a,b` are the same list. */
export function scopesOf(values: string[]): string[] {
  return values.flatMap((v) => v.split(/[\s,]+/)).filter((s) => s !== '');
}

export const add: Command = {
  path: ['add'],
  summary: 'Register an OAuth2 client application (its secret is shown once)',
  args: [],
  options: {
    name: { type: 'string', short: 'n', metavar: 'NAME', help: 'client name (default: client)' },
    'redirect-uri': { type: 'string', short: 'r', metavar: 'URI', help: "the client's redirect URI" },
    scope: {
      type: 'string',
      greedy: true,
      metavar: 'SCOPE',
      help: 'scopes it may ask for: compute (default) and/or register',
    },
  },
  auth: 'admin',
  examples: [
    'twitcherctl -u admin add --name demo',
    'twitcherctl add -n portal -r https://portal.example.org --scope compute register',
  ],
  async run(ctx, args) {
    const name = stringValue(args, 'name');
    const redirectURI = stringValue(args, 'redirect-uri');
    const scopes = scopesOf(listValue(args, 'scope'));
    return ctx.client().addClientApp({
      ...(name !== undefined && { name }),
      ...(redirectURI !== undefined && { redirectURI }),
      ...(scopes.length > 0 && { scopes: scopes as Scope[] }),
    });
  },
};

function keycloakURL(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    return checkBaseURL(value, 'the --keycloak token URL');
  } catch (err) {
    if (err instanceof TwitcherClientError) {
      throw new UsageError(
        `${err.message.replace(/ \(expected.*$/, '')}: give the realm's token endpoint, e.g. ` +
          'https://sso.example.org/realms/demo/protocol/openid-connect/token',
      );
    }
    throw err;
  }
}

export const gentoken: Command = {
  path: ['gentoken'],
  summary: "Get an access token with a client's id and secret (client credentials)",
  args: [],
  options: {
    'client-id': { type: 'string', short: 'i', metavar: 'ID', help: 'the OAuth2 client id' },
    'client-secret': {
      type: 'string',
      short: 's',
      metavar: 'SECRET',
      help: 'the client secret (asked for on a terminal when missing)',
    },
    scope: {
      type: 'string',
      short: 'S',
      greedy: true,
      metavar: 'SCOPE',
      help: 'compute (default) and/or register',
    },
    keycloak: {
      type: 'string',
      short: 'K',
      metavar: 'TOKEN_URL',
      help: "get it from an OpenID provider's token endpoint instead (e.g. a Keycloak realm's)",
    },
  },
  auth: 'none',
  examples: [
    'twitcherctl gentoken -i CLIENT_ID -s CLIENT_SECRET --scope compute',
    'twitcherctl -s https://twitcher.example.org gentoken -i ID -s SECRET',
    'twitcherctl gentoken -i ID -s SECRET -K https://sso.example.org/realms/demo/protocol/openid-connect/token',
  ],
  notes:
    "Here -s is the CLIENT SECRET, as in the Python twitcherctl: the server URL's -s/--serverurl is a global\n" +
    'option and goes before the command. The token is the access_token member of the JSON printed.',
  check(args, ctx) {
    if (stringValue(args, 'client-id') === undefined) {
      throw new UsageError('gentoken needs the client id: gentoken -i CLIENT_ID -s CLIENT_SECRET');
    }
    if (stringValue(args, 'client-secret') === undefined && !ctx.interactive) {
      throw new UsageError('gentoken needs the client secret: gentoken -i CLIENT_ID -s CLIENT_SECRET');
    }
    keycloakURL(stringValue(args, 'keycloak'));
  },
  async run(ctx, args) {
    const clientSecret = stringValue(args, 'client-secret') ?? (await ctx.askSecret('Client secret: '));
    const scopes = scopesOf(listValue(args, 'scope'));
    const tokenURL = keycloakURL(stringValue(args, 'keycloak'));
    return ctx.client().fetchToken({
      clientId: stringValue(args, 'client-id') ?? '',
      clientSecret,
      ...(scopes.length > 0 && { scope: scopes }),
      ...(tokenURL !== undefined && { tokenURL }),
    });
  },
};
