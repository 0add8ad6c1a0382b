import type { AuthMode, ServiceInput, ServiceLimitsInput, ServiceType } from '../../client/index.js';
import { type Command, type CommandArgs, listValue, type OptionSpec, stringValue } from '../command.js';
import { PromptAborted } from '../prompt.js';
import { UsageError } from '../usage-error.js';

const AUTH_MODES: readonly string[] = ['token', 'cert', 'public', 'acl'];

/** The upstream URL of `register`: absolute http(s) (the server checks the rest). */
function upstreamURL(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(
      `"${value}" is not an absolute URL: give the service's, e.g. http://localhost:5000/wps`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(
      `"${value}" is not an http or https URL: give the service's, e.g. http://localhost:5000/wps`,
    );
  }
  return value;
}

function verifyOf(value: string | boolean | string[] | undefined, noVerify: boolean): boolean | undefined {
  if (noVerify && value !== undefined) throw new UsageError('give --verify or --no-verify, not both');
  if (noVerify) return false;
  if (value === undefined) return undefined;
  return value === true || value === 'true';
}

/** The limit options, `--max-concurrent` → `maxConcurrent`; the server checks the durations. */
const LIMIT_OPTIONS = {
  'max-concurrent': 'maxConcurrent',
  'connect-timeout': 'connectTimeout',
  'headers-timeout': 'headersTimeout',
  'body-timeout': 'bodyTimeout',
} as const;

function limitOptions(unset: string): Record<keyof typeof LIMIT_OPTIONS, OptionSpec> {
  return {
    'max-concurrent': {
      type: 'string',
      metavar: 'N',
      help: `requests in flight to the upstream at once; more get 503${unset}`,
    },
    'connect-timeout': { type: 'string', metavar: 'DURATION', help: `to connect to the upstream${unset}` },
    'headers-timeout': { type: 'string', metavar: 'DURATION', help: `for its response headers${unset}` },
    'body-timeout': { type: 'string', metavar: 'DURATION', help: `its response body may stay idle${unset}` },
  };
}

const LIMITS_NOTE =
  'N is 1 to 100000; a DURATION is milliseconds or 10s, 5m, 2h (1 ms to 24 h). Where a\n' +
  'service has no limit, the server\'s global setting applies (docs/proxy.md, "Connections, limits and loops").';

/**
 * The limits given as options (`none`, with `update`: back to the global setting, sent as null);
 * undefined when none is given.
 */
function limitsOf(args: CommandArgs, allowNone: boolean): ServiceLimitsInput | undefined {
  const limits: Record<string, number | string | null> = {};
  for (const [option, member] of Object.entries(LIMIT_OPTIONS)) {
    const value = stringValue(args, option);
    if (value === undefined) continue;
    if (allowNone && value === 'none') limits[member] = null;
    else if (member !== 'maxConcurrent') limits[member] = value;
    else if (/^\d+$/.test(value)) limits[member] = Number(value);
    else throw new UsageError(`--max-concurrent is a whole number of requests, not "${value}"`);
  }
  return Object.keys(limits).length > 0 ? limits : undefined;
}

export const list: Command = {
  path: ['list'],
  summary: 'List the registered services',
  args: [],
  options: {},
  auth: 'registry',
  examples: ['twitcherctl -u admin list', 'twitcherctl -o table list'],
  run: (ctx) => ctx.client().listServices(),
};

export const get: Command = {
  path: ['get'],
  summary: 'Show one registered service',
  args: [{ name: 'NAME', help: 'the service name' }],
  options: {},
  auth: 'registry',
  examples: ['twitcherctl get emu'],
  run: (ctx, { positionals: [name = ''] }) => ctx.client().getService(name),
};

export const register: Command = {
  path: ['register'],
  summary: 'Register an OWS service behind the proxy',
  args: [{ name: 'URL', help: "the upstream service's URL, e.g. http://localhost:5000/wps" }],
  options: {
    name: {
      type: 'string',
      metavar: 'NAME',
      help: 'service name (default: generated, e.g. sleepy_flamingo)',
    },
    type: {
      type: 'string',
      metavar: 'TYPE',
      help: 'wps (default), wms, wfs, wcs, wmts, csw, thredds, ogcapi or http',
    },
    purl: {
      type: 'string',
      metavar: 'URL',
      help: 'public URL written in documents instead of the proxy URL',
    },
    auth: { type: 'string', metavar: 'MODE', help: 'token (default), cert, public or acl' },
    verify: {
      type: 'boolean',
      words: ['true', 'false'],
      help: "verify the upstream's TLS certificate (default; `--verify false` as in the Python CLI)",
    },
    'no-verify': { type: 'boolean', help: "do not verify the upstream's TLS certificate" },
    'pass-token-data': { type: 'boolean', help: "pass the tokens' data to the upstream as headers" },
    'cert-subject': {
      type: 'string',
      metavar: 'PATTERN',
      multiple: true,
      help: 'with --auth cert: a subject DN pattern clients must match (repeatable), e.g. "/O=ESGF/*"',
    },
    ...limitOptions(''),
  },
  auth: 'registry',
  examples: [
    'twitcherctl -u admin register http://localhost:5000/wps --name emu',
    'twitcherctl -t TOKEN register https://maps.example.org/ows --name maps --type wms --auth public',
    'twitcherctl register http://localhost:5000/wps --name emu --max-concurrent 8 --headers-timeout 5m',
  ],
  notes: `With -t TOKEN (a token with the register scope) instead of the password, as in the seeds.\n${LIMITS_NOTE}`,
  check(args) {
    upstreamURL(args.positionals[0] ?? '');
    const auth = stringValue(args, 'auth');
    if (auth !== undefined && !AUTH_MODES.includes(auth)) {
      throw new UsageError(`--auth is token, cert or public (or acl: per-user permissions), not "${auth}"`);
    }
    verifyOf(args.values['verify'], args.values['no-verify'] === true);
    limitsOf(args, false);
  },
  async run(ctx, args) {
    const auth = stringValue(args, 'auth');
    const verify = verifyOf(args.values['verify'], args.values['no-verify'] === true);
    const name = stringValue(args, 'name');
    const type = stringValue(args, 'type');
    const purl = stringValue(args, 'purl');
    const certSubjects = listValue(args, 'cert-subject');
    const limits = limitsOf(args, false);
    const input: ServiceInput = {
      url: upstreamURL(args.positionals[0] ?? ''),
      ...(name !== undefined && { name }),
      // the server knows the types (and says which, case-insensitively): no second list here
      ...(type !== undefined && { type: type as ServiceType }),
      ...(purl !== undefined && { purl }),
      ...(auth !== undefined && { auth: auth as AuthMode }),
      ...(verify !== undefined && { verify }),
      ...(args.values['pass-token-data'] === true && { passTokenData: true }),
      ...(certSubjects.length > 0 && { certSubjects }),
      ...(limits !== undefined && { limits }),
    };
    return ctx.client().registerService(input);
  },
};

export const update: Command = {
  path: ['update'],
  summary: "Change a registered service's limits",
  args: [{ name: 'NAME', help: 'the service name' }],
  options: {
    ...limitOptions(' (none: the global setting)'),
    'no-limits': {
      type: 'boolean',
      help: 'drop every limit of the service first (the global settings apply)',
    },
  },
  auth: 'registry',
  examples: [
    'twitcherctl update emu --max-concurrent 8 --connect-timeout 10s --headers-timeout 5m --body-timeout 5m',
    'twitcherctl update emu --max-concurrent none',
    'twitcherctl update emu --no-limits',
  ],
  notes:
    `${LIMITS_NOTE}\nThe limits not named are kept (all dropped with --no-limits). The service is read, then\n` +
    'written back with the change: a change made by someone else in between is overwritten.',
  check(args) {
    if (limitsOf(args, true) === undefined && args.values['no-limits'] !== true) {
      throw new UsageError(
        'update needs a change: --max-concurrent, --connect-timeout, --headers-timeout, --body-timeout or --no-limits',
      );
    }
  },
  async run(ctx, args) {
    const client = ctx.client();
    const { name, public: _derived, ...service } = await client.getService(args.positionals[0] ?? '');
    const current = args.values['no-limits'] === true ? {} : service.limits;
    const limits = { ...current, ...limitsOf(args, true) };
    return (await client.replaceService(name, { ...service, limits })).service;
  },
};

export const unregister: Command = {
  path: ['unregister'],
  summary: 'Remove a service from the registry',
  args: [{ name: 'NAME', help: 'the service name' }],
  options: {},
  auth: 'registry',
  examples: ['twitcherctl unregister emu'],
  async run(ctx, { positionals: [name = ''] }) {
    await ctx.client().unregisterService(name);
    return { name, unregistered: true };
  },
};

export const clear: Command = {
  path: ['clear'],
  summary: 'Remove every service from the registry',
  args: [],
  options: { yes: { type: 'boolean', short: 'y', help: 'do not ask (needed when not on a terminal)' } },
  auth: 'registry',
  examples: ['twitcherctl clear', 'twitcherctl clear --yes'],
  notes: 'Asks for confirmation on a terminal; elsewhere it refuses to run without --yes.',
  check(args, ctx) {
    if (args.values['yes'] !== true && !ctx.interactive) {
      throw new UsageError(
        'clear removes every service: add --yes to confirm (standard input is not a terminal)',
      );
    }
  },
  async run(ctx, args) {
    if (args.values['yes'] !== true && !(await ctx.confirm('Remove EVERY service from the registry?'))) {
      throw new PromptAborted('not confirmed: nothing was cleared');
    }
    await ctx.client().clearServices();
    return { cleared: true };
  },
};
