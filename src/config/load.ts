import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { macaroonKeysProblem } from '../oauth/tokens/macaroon-keys.js';
import { addressRangeProblem } from '../util/address-ranges.js';
import type { Config, MacaroonKey, TrustedIssuer } from './config.js';
import { parseSettingValue } from './parse-value.js';
import { SETTINGS } from './settings.js';

/** Every problem of a configuration at once; the server refuses to start with any of them. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export interface LoadConfigOptions {
  /** Path of a YAML or JSON config file (`--config FILE` or `TWITCHER_CONFIG`). */
  file?: string | undefined;
  /** The environment (only `TWITCHER_*` variables are read). */
  env?: Record<string, string | undefined>;
  /** Settings given in code (tests): applied after the file, before the environment. */
  overrides?: Record<string, unknown>;
}

/** Reads, merges (defaults < file < overrides < environment), validates and freezes a configuration. */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? {};
  const problems: string[] = [];
  const file = options.file ?? env['TWITCHER_CONFIG'];
  const fromFile = file ? readConfigFile(file, problems) : {};

  const flatFile = flatten(fromFile, '', problems, file ?? '');
  const flatOverrides = options.overrides ?? {};
  const known = new Set(SETTINGS.map((s) => s.path));
  for (const key of Object.keys(flatFile))
    if (!known.has(key)) problems.push(`${file}: unknown setting "${key}"`);
  for (const key of Object.keys(flatOverrides))
    if (!known.has(key)) problems.push(`unknown setting "${key}"`);

  const values: Record<string, unknown> = {};
  for (const setting of SETTINGS) {
    let raw: unknown;
    let source: string | undefined;
    if (env[setting.env] !== undefined && env[setting.env] !== '') {
      raw = env[setting.env];
      source = setting.env;
    } else if (setting.path in flatOverrides) {
      raw = flatOverrides[setting.path];
      source = setting.path;
    } else if (setting.path in flatFile) {
      raw = flatFile[setting.path];
      source = `${file}: ${setting.path}`;
    }
    if (source === undefined || raw === null) {
      values[setting.path] = setting.default;
      continue;
    }
    const parsed = parseSettingValue(setting.type, raw);
    if ('error' in parsed) problems.push(`${source} ${parsed.error}`);
    else values[setting.path] = parsed.value;
  }

  if (values['admin.password'] !== undefined && values['admin.passwordHash'] !== undefined) {
    problems.push('set either admin.password (TWITCHER_ADMIN_PASSWORD) or admin.passwordHash, not both');
  }
  if (values['token.type'] === 'custom' && values['token.secret'] === undefined) {
    problems.push('token.type custom needs token.secret (TWITCHER_TOKEN_SECRET)');
  }
  if ((values['token.signingKeyFile'] === undefined) !== (values['token.signingCertFile'] === undefined)) {
    problems.push('token.signingKeyFile and token.signingCertFile go together');
  }
  const issuers = values['token.trustedIssuers'];
  const issuerProblem = trustedIssuersProblem(issuers);
  if (issuerProblem) problems.push(`token.trustedIssuers ${issuerProblem}`);
  if (values['token.type'] === 'keycloak' && Array.isArray(issuers) && issuers.length === 0) {
    problems.push('token.type keycloak needs at least one entry in token.trustedIssuers');
  }
  if (values['certs.backend'] === 'myproxy') {
    // fail closed: no MyProxy server is guessed, and none is trusted without its CA
    if (values['certs.myproxy.host'] === undefined) {
      problems.push('certs.backend myproxy needs certs.myproxy.host (TWITCHER_CERTS_MYPROXY_HOST)');
    }
    if (values['certs.myproxy.caFile'] === undefined) {
      problems.push('certs.backend myproxy needs certs.myproxy.caFile (TWITCHER_CERTS_MYPROXY_CA_FILE)');
    }
  }
  if ((values['tls.certFile'] === undefined) !== (values['tls.keyFile'] === undefined)) {
    problems.push('tls.certFile and tls.keyFile go together');
  }
  const headerFrom = values['clientCerts.headerFrom'] as string[];
  if (values['clientCerts.header'] !== undefined && headerFrom.length === 0) {
    problems.push(
      'clientCerts.header needs clientCerts.headerFrom (TWITCHER_CLIENT_CERTS_HEADER_FROM): the addresses of the front proxies that set it',
    );
  }
  for (const entry of headerFrom) {
    if (addressRangeProblem(entry)) problems.push(`clientCerts.headerFrom: ${addressRangeProblem(entry)}`);
  }
  const macaroonKeyProblem = macaroonKeysProblem(values['token.macaroonKeys']);
  if (macaroonKeyProblem) problems.push(`token.macaroonKeys ${macaroonKeyProblem}`);
  const publicOps = values['proxy.publicOperations'];
  if (publicOps !== undefined && !isOperationMap(publicOps)) {
    problems.push('proxy.publicOperations must map service names to lists of operation names');
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const host = values['server.host'] as string;
  const port = values['server.port'] as number;
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  const scheme = values['tls.certFile'] !== undefined ? 'https' : 'http';
  const serverURL = (values['server.url'] as string | undefined) ?? `${scheme}://${urlHost}:${port}`;
  const config: Config = {
    server: {
      host,
      port,
      url: serverURL,
      workers: values['server.workers'] as number,
      trustProxy: values['server.trustProxy'] as string[],
    },
    tls: {
      certFile: values['tls.certFile'] as string | undefined,
      keyFile: values['tls.keyFile'] as string | undefined,
    },
    clientCerts: {
      caFile: values['clientCerts.caFile'] as string | undefined,
      caDir: values['clientCerts.caDir'] as string | undefined,
      maxDepth: values['clientCerts.maxDepth'] as number,
      legacyProxies: values['clientCerts.legacyProxies'] as 'accept' | 'refuse',
      limitedProxies: values['clientCerts.limitedProxies'] as 'accept' | 'refuse',
      header: values['clientCerts.header'] as string | undefined,
      headerFrom,
      delegationHeader: values['clientCerts.delegationHeader'] as string | undefined,
    },
    database: { url: values['database.url'] as string, poolSize: values['database.poolSize'] as number },
    protectedPath: (values['protectedPath'] as string).replace(/\/+$/, ''),
    admin: {
      username: values['admin.username'] as string,
      password: values['admin.password'] as string | undefined,
      passwordHash: values['admin.passwordHash'] as string | undefined,
    },
    token: {
      type: values['token.type'] as Config['token']['type'],
      lifetime: Math.max(1, Math.round((values['token.lifetime'] as number) / 1000)),
      issuer: (values['token.issuer'] as string | undefined) ?? serverURL,
      audience: (values['token.audience'] as string | undefined) ?? serverURL,
      signingKeyFile: values['token.signingKeyFile'] as string | undefined,
      signingCertFile: values['token.signingCertFile'] as string | undefined,
      previousCertFiles: values['token.previousCertFiles'] as string[],
      keyDir: values['token.keyDir'] as string,
      secret: values['token.secret'] as string | undefined,
      trustedIssuers: issuers as TrustedIssuer[],
      dataHeaderPrefix: values['token.dataHeaderPrefix'] as string,
      macaroonKeys: values['token.macaroonKeys'] as MacaroonKey[],
    },
    certs: {
      backend: values['certs.backend'] as Config['certs']['backend'],
      prefix: (values['certs.prefix'] as string).replace(/\/+$/, ''),
      caDir: values['certs.caDir'] as string,
      caKeyType: values['certs.caKeyType'] as 'rsa-3072' | 'ec-p256',
      baseDN: values['certs.baseDN'] as string,
      lifetime: Math.max(60, Math.round((values['certs.lifetime'] as number) / 1000)),
      maxFailures: values['certs.maxFailures'] as number,
      myproxy: {
        host: values['certs.myproxy.host'] as string | undefined,
        port: values['certs.myproxy.port'] as number,
        caFile: values['certs.myproxy.caFile'] as string | undefined,
        serverDN: values['certs.myproxy.serverDN'] as string | undefined,
        timeout: values['certs.myproxy.timeout'] as number,
      },
    },
    log: { level: values['log.level'] as Config['log']['level'] },
    proxy: {
      connectTimeout: values['proxy.connectTimeout'] as number,
      headersTimeout: values['proxy.headersTimeout'] as number,
      bodyTimeout: values['proxy.bodyTimeout'] as number,
      keepAliveTimeout: values['proxy.keepAliveTimeout'] as number,
      maxConcurrent: values['proxy.maxConcurrent'] as number,
      maxXmlBytes: values['proxy.maxXmlBytes'] as number,
      maxXmlDepth: values['proxy.maxXmlDepth'] as number,
      publicOperations: (publicOps as Record<string, string[]> | undefined) ?? {},
    },
    authz: {
      externalUserClaim: values['authz.externalUserClaim'] as string,
      externalGroupsClaim: values['authz.externalGroupsClaim'] as string,
      auditRetention: values['authz.auditRetention'] as number,
      basicAuth: values['authz.basicAuth'] as boolean,
    },
  };
  return deepFreeze(config);
}

function readConfigFile(file: string, problems: string[]): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    problems.push(`${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    return {};
  }
  try {
    // YAML is a superset of JSON: one parser reads both. Loaded only when there is a file to read.
    const { parse } = createRequire(import.meta.url)('yaml') as typeof import('yaml');
    const doc = parse(text, { prettyErrors: true }) as unknown;
    if (doc === null || doc === undefined) return {};
    if (typeof doc !== 'object' || Array.isArray(doc)) {
      problems.push(`${file}: must be a mapping of settings`);
      return {};
    }
    return doc;
  } catch (err) {
    const first = String((err as Error).message).split('\n')[0];
    problems.push(`${file}: does not parse as YAML or JSON: ${first}`);
    return {};
  }
}

/** `{server: {port: 1}}` → `{'server.port': 1}`; a JSON-typed setting stays whole. */
function flatten(value: unknown, prefix: string, problems: string[], file: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return out;
  const jsonPaths = new Set(SETTINGS.filter((s) => s.type.kind === 'json').map((s) => s.path));
  for (const [key, v] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && !jsonPaths.has(path)) {
      if (SETTINGS.some((s) => s.path === path)) problems.push(`${file}: ${path} must be a single value`);
      else Object.assign(out, flatten(v, path, problems, file));
    } else {
      out[path] = v;
    }
  }
  return out;
}

function isOperationMap(v: unknown): v is Record<string, string[]> {
  return (
    v !== null &&
    typeof v === 'object' &&
    !Array.isArray(v) &&
    Object.values(v).every((ops) => Array.isArray(ops) && ops.every((o) => typeof o === 'string'))
  );
}

function deepFreeze<T>(obj: T): T {
  if (obj && typeof obj === 'object') {
    for (const v of Object.values(obj)) deepFreeze(v);
    Object.freeze(obj);
  }
  return obj;
}

function trustedIssuersProblem(v: unknown): string | undefined {
  if (!Array.isArray(v)) return 'must be a list of issuers';
  for (const [i, entry] of v.entries()) {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry))
      return `[${i}] must be an object`;
    const e = entry as Record<string, unknown>;
    if (typeof e['issuer'] !== 'string' || !/^https?:\/\//.test(e['issuer']))
      return `[${i}].issuer must be an http(s) URL`;
    const aud = e['audience'];
    if (!(typeof aud === 'string' || (Array.isArray(aud) && aud.every((a) => typeof a === 'string')))) {
      return `[${i}].audience must be a string or a list of strings`;
    }
    for (const key of ['jwksUri', 'scopeClaim', 'clientIdClaim']) {
      if (e[key] !== undefined && typeof e[key] !== 'string') return `[${i}].${key} must be a string`;
    }
    const known = new Set(['issuer', 'audience', 'jwksUri', 'scopeClaim', 'clientIdClaim', 'algorithms']);
    const unknown = Object.keys(e).filter((k) => !known.has(k));
    if (unknown.length > 0) return `[${i}] has unknown key(s) ${unknown.join(', ')}`;
  }
  return undefined;
}
