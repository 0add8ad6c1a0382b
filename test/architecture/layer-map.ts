/**
 * The layers of src/, bottom to top, as docs/architecture.md draws them: each may import itself and
 * the layers it names. `client` stands apart (nothing from the server; the server may reuse its pure
 * macaroon codec); `cli` is built on it only.
 */
export interface Layer {
  name: string;
  mayImport: readonly string[];
}

export const LAYERS: readonly Layer[] = [
  { name: 'client', mayImport: ['client'] },
  { name: 'cli', mayImport: ['client', 'cli'] },
  { name: 'kernel', mayImport: ['kernel'] },
  { name: 'config', mayImport: ['kernel', 'config'] },
  { name: 'domain', mayImport: ['kernel', 'config', 'domain'] },
  { name: 'store', mayImport: ['kernel', 'config', 'domain', 'store'] },
  // the server reuses the client's pure macaroon codec (one codec), never the other way round
  { name: 'services', mayImport: ['client', 'kernel', 'config', 'domain', 'store', 'services'] },
  { name: 'http', mayImport: ['client', 'kernel', 'config', 'domain', 'store', 'services', 'http'] },
  {
    name: 'app',
    mayImport: ['client', 'cli', 'kernel', 'config', 'domain', 'store', 'services', 'http', 'app'],
  },
];

/** First match wins; a pattern is a path prefix under src/, or a RegExp on that path. */
const RULES: ReadonlyArray<readonly [string | RegExp, string]> = [
  ['client/', 'client'],
  ['cli/', 'cli'],
  ['errors.ts', 'kernel'],
  ['version.ts', 'kernel'],
  ['util/', 'kernel'],
  ['config/', 'config'],
  ['ows/', 'domain'],
  ['policy/', 'domain'],
  // authorization's model and its resolution are pure; the rest of authz/ (caches, audit) is a service
  ['authz/model.ts', 'domain'],
  ['authz/resolve.ts', 'domain'],
  ['authz/acl-index.ts', 'domain'],
  // what a token grants, and a macaroon's caveats read against a request, are plain values
  ['oauth/tokens/types.ts', 'domain'],
  ['oauth/tokens/macaroon-caveats.ts', 'domain'],
  // paths as upstreams resolve them (`..;`, encoded dots): pure, and shared with macaroon caveats
  ['proxy/normalize-path.ts', 'domain'],
  // the service model and its validation are plain values
  ['registry/service.ts', 'domain'],
  ['registry/names.ts', 'domain'],
  ['registry/parse-', 'domain'],
  // X.509 reading and chain validation (RFC 5280, 3820) are pure
  ['pki/x509/', 'domain'],
  ['store/', 'store'],
  [/-routes\.ts$/, 'http'],
  ['http/', 'http'],
  ['api/', 'http'],
  // the provisioning commands open the configured store, as the server does
  ['provision/cli.ts', 'app'],
  ['provision/', 'services'],
  ['registry/', 'services'],
  ['auth/', 'services'],
  ['authz/', 'services'],
  ['oauth/', 'services'],
  ['pki/', 'services'],
  ['users/', 'services'],
  ['proxy/', 'services'],
  ['metrics/', 'services'],
  ['ratelimit/', 'services'],
  ['main.ts', 'app'],
  ['cluster.ts', 'app'],
  ['bin/', 'app'],
  ['app/', 'app'],
];

/** The layer of a file of src/ (path relative to src/), or undefined when no rule places it. */
export function layerOf(file: string): Layer | undefined {
  const rule = RULES.find(([pattern]) =>
    typeof pattern === 'string' ? file === pattern || file.startsWith(pattern) : pattern.test(file),
  );
  return rule && LAYERS.find((l) => l.name === rule[1]);
}
