import type { FastifyInstance } from 'fastify';
import { type EnsureAdminResult, ensureAdmin } from './auth/admin-credentials.js';
import type { Config } from './config/config.js';
import { loadConfig } from './config/load.js';
import { buildApp } from './http/build-app.js';
import { createTokenService } from './oauth/token-service.js';
import type { CertificateAuthority } from './pki/ca/index.js';
import type { LogonBackend } from './pki/certificate-service/logon-backend.js';
import { createUpstreamAgents } from './proxy/agents.js';
import { ServiceRegistry } from './registry/registry.js';
import { openStore } from './store/open-store.js';
import type { Store } from './store/types.js';

/**
 * The only module that touches the process: it reads the environment, opens the store and listens.
 * Everything else gets its configuration and dependencies passed in.
 */
export interface Running {
  config: Config;
  app: FastifyInstance;
  store: Store;
  /** The URL the server listens on (with the real port when 0 was asked for). */
  address: string;
  close(): Promise<void>;
}

export interface StartOptions {
  configFile?: string | undefined;
  env?: Record<string, string | undefined>;
  overrides?: Record<string, unknown>;
  /** How the generated admin password is shown (once). Default: standard error. */
  announce?: (text: string) => void;
}

export async function openConfiguredStore(config: Config): Promise<Store> {
  try {
    return await openStore(config.database.url, { poolSize: config.database.poolSize });
  } catch (err) {
    const where = config.database.url.replace(/\/\/[^@/]*@/, '//');
    throw new StartupError(`cannot open the database ${where}: ${(err as Error).message}`);
  }
}

/** Loads the configuration, opens and migrates the store, builds the app and listens. */
export async function start(options: StartOptions = {}): Promise<Running> {
  const config = loadConfig({
    file: options.configFile,
    env: options.env ?? process.env,
    ...(options.overrides && { overrides: options.overrides }),
  });
  const store = await openConfiguredStore(config);
  let admin: EnsureAdminResult;
  try {
    admin = await ensureAdmin(config, store);
  } catch (err) {
    await store.close();
    throw new StartupError((err as Error).message);
  }
  if (admin.generatedPassword !== undefined) {
    // At once, before anything else can fail: it is the only time the password exists.
    (options.announce ?? ((t) => process.stderr.write(t)))(
      adminBanner(config.admin.username, admin.generatedPassword),
    );
  }
  let tokens: Awaited<ReturnType<typeof createTokenService>>;
  try {
    tokens = await createTokenService(config, store);
  } catch (err) {
    await store.close();
    throw new StartupError(`cannot set up access tokens: ${(err as Error).message}`);
  }
  let ca: CertificateAuthority | undefined;
  if (config.certs.backend === 'ca') {
    try {
      // Created on the first start (key file mode 0600), reused afterwards. X.509 is loaded only here.
      const { openCertificateAuthority } = await import('./pki/ca/index.js');
      ca = await openCertificateAuthority({
        dir: config.certs.caDir,
        keyType: config.certs.caKeyType,
        issuedSubjectBases: [config.certs.baseDN],
      });
    } catch (err) {
      await store.close();
      throw new StartupError(
        `cannot open the certificate authority in ${config.certs.caDir}: ${(err as Error).message}`,
      );
    }
  }
  let certificateBackend: LogonBackend | undefined;
  if (config.certs.backend === 'myproxy') {
    try {
      const { createMyProxyLogonBackend } = await import('./pki/certificate-service/logon-backend-myproxy.js');
      certificateBackend = createMyProxyLogonBackend(config.certs.myproxy);
    } catch (err) {
      await store.close();
      throw new StartupError(`cannot set up the MyProxy backend: ${(err as Error).message}`);
    }
  }
  const registry = new ServiceRegistry(store);
  const agents = createUpstreamAgents(config.proxy);
  let app: FastifyInstance;
  try {
    app = await buildApp(config, {
      store,
      registry,
      admin: admin.verifier,
      agents,
      tokens,
      ...(ca && { certificateAuthority: async () => ca }),
      ...(certificateBackend && { certificateBackend }),
    });
  } catch (err) {
    await agents.close();
    registry.close();
    await store.close();
    // unreadable TLS files or trust anchors, a MyProxy CA file…: one line, not a stack
    throw new StartupError(`cannot set up the server: ${(err as Error).message}`);
  }
  try {
    await app.listen({ host: config.server.host, port: config.server.port });
  } catch (err) {
    await app.close();
    await agents.close();
    await store.close();
    throw new StartupError(
      `cannot listen on ${config.server.host}:${config.server.port}: ${(err as Error).message}`,
    );
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.server.port;
  const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host;
  return {
    config,
    app,
    store,
    address: `${config.tls.certFile !== undefined ? 'https' : 'http'}://${host}:${port}`,
    async close() {
      await app.close();
      await agents.close();
      registry.close();
      await store.close();
    },
  };
}

/** A failure to start that the CLI reports as one clear line (exit status 1). */
export class StartupError extends Error {
  override readonly name = 'StartupError';
}

function adminBanner(username: string, password: string): string {
  const line = '-'.repeat(72);
  return (
    `${line}\n` +
    'No administrator password was configured, so one was generated.\n' +
    'It is shown now, once; only its hash is stored.\n\n' +
    `    user name: ${username}\n` +
    `    password:  ${password}\n\n` +
    'Set TWITCHER_ADMIN_PASSWORD (or admin.password) to choose your own.\n' +
    `${line}\n`
  );
}
