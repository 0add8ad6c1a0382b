import {
  attenuateMacaroon,
  MacaroonCaveatError,
  MacaroonFormatError,
  type MacaroonRestrictions,
  macaroonCaveats,
  macaroonCaveatsOf,
} from '../../client/index.js';
import { type Command, type CommandArgs, listValue, stringValue } from '../command.js';
import { UsageError } from '../usage-error.js';

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** `600`, `90s`, `10m`, `2h`, `1d` → seconds. */
export function durationSeconds(value: string): number {
  const m = /^\s*(\d+)\s*([smhd]?)\s*$/.exec(value);
  const seconds = m ? Number(m[1]) * (UNITS[m[2] || 's'] ?? 1) : Number.NaN;
  if (!(seconds > 0))
    throw new UsageError(`--expires-in takes a duration such as 600, 90s, 10m or 2h, not "${value}"`);
  return seconds;
}

/** `--process a --process b,c` → ['a', 'b', 'c'] (undefined when not given). */
function valuesOf(args: CommandArgs, name: string): string[] | undefined {
  const values = listValue(args, name).flatMap((v) => v.split(','));
  return values.length > 0 ? values : undefined;
}

function restrictionsOf(args: CommandArgs): MacaroonRestrictions {
  const r: MacaroonRestrictions = {};
  const set = <K extends keyof MacaroonRestrictions>(key: K, value: MacaroonRestrictions[K] | undefined) => {
    if (value !== undefined) r[key] = value;
  };
  set('service', valuesOf(args, 'service'));
  set('operation', valuesOf(args, 'operation'));
  set('process', valuesOf(args, 'process'));
  set('layer', valuesOf(args, 'layer'));
  set('method', valuesOf(args, 'method'));
  set('clientAddress', valuesOf(args, 'client-address'));
  set('scope', valuesOf(args, 'scope'));
  set('pathPrefix', stringValue(args, 'path'));
  const expiresIn = stringValue(args, 'expires-in');
  if (expiresIn !== undefined) r.expiresIn = durationSeconds(expiresIn);
  return r;
}

/** The caveats this command line adds, or a usage error. */
function caveatsOf(args: CommandArgs): string[] {
  try {
    const caveats = [...macaroonCaveats(restrictionsOf(args)), ...listValue(args, 'caveat')];
    if (caveats.length === 0) {
      throw new UsageError(
        'attenuate needs at least one restriction, e.g. --process subset --expires-in 10m',
      );
    }
    return caveats;
  } catch (err) {
    if (err instanceof MacaroonCaveatError) throw new UsageError(err.message);
    throw err;
  }
}

const list = (metavar: string, help: string) => ({ type: 'string', multiple: true, metavar, help }) as const;

export const attenuate: Command = {
  path: ['attenuate'],
  summary: 'Narrow a macaroon offline: print a token that can do less (no server, no key needed)',
  args: [
    { name: 'TOKEN', help: 'a macaroon issued by Twitcher (token.type macaroon), or one narrowed from it' },
  ],
  options: {
    service: list('NAME', 'only these services (repeat or comma-separate)'),
    operation: list('OP', 'only these OWS operations, e.g. Execute, GetMap'),
    process: list('ID', 'only these WPS processes'),
    layer: list('NAME', 'only these layers, feature types or coverages'),
    method: list('METHOD', 'only these HTTP methods'),
    path: { type: 'string', metavar: 'PREFIX', help: 'only paths under this prefix, e.g. /outputs' },
    'client-address': list('CIDR', 'only from these addresses or ranges'),
    scope: list('SCOPE', 'only these scopes'),
    'expires-in': { type: 'string', metavar: 'DURATION', help: 'expire after 600, 90s, 10m, 2h or 1d' },
    caveat: list('PREDICATE', 'a caveat as written in docs/macaroons.md, e.g. "layer = regions"'),
  },
  auth: 'none',
  examples: [
    'twitcherctl attenuate "$TOKEN" --service emu --process subset --expires-in 10m',
    'twitcherctl attenuate "$TOKEN" --service map --operation GetMap --layer regions,cities --method GET',
  ],
  notes:
    'Works offline: the narrowed token is computed from the token alone. It is refused by Twitcher for any ' +
    'request that breaks one of its caveats (403), and after its expiry (401). Revoking either token revokes both.',
  check(args) {
    caveatsOf(args);
  },
  async run(_ctx, args) {
    const token = (args.positionals[0] ?? '').trim();
    try {
      const narrowed = attenuateMacaroon(token, caveatsOf(args));
      return { access_token: narrowed, token_type: 'Bearer', caveats: macaroonCaveatsOf(narrowed) };
    } catch (err) {
      if (err instanceof MacaroonFormatError) {
        throw new UsageError(
          `TOKEN is not a macaroon (${err.message}): only token.type macaroon tokens can be narrowed`,
        );
      }
      if (err instanceof MacaroonCaveatError) throw new UsageError(err.message);
      throw err;
    }
  },
};
