import type { TestContext } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { DestinationStream } from 'pino';
import { ensureAdmin } from '../../src/auth/admin-credentials.js';
import type { Config } from '../../src/config/config.js';
import { loadConfig } from '../../src/config/load.js';
import { buildApp } from '../../src/http/build-app.js';
import { createTokenService } from '../../src/oauth/token-service.js';
import type { TokenService } from '../../src/oauth/token-service-types.js';
import { type CertificateAuthority, openCertificateAuthority } from '../../src/pki/ca/index.js';
import { createUpstreamAgents } from '../../src/proxy/agents.js';
import { ServiceRegistry } from '../../src/registry/registry.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/types.js';
import { freePort } from './ports.js';

export const ADMIN_PASSWORD = 'test-admin-password-0';

export interface TestApp {
  url: string;
  config: Config;
  app: FastifyInstance;
  store: Store;
  registry: ServiceRegistry;
  tokens: TokenService;
  /** `Authorization` header value of the administrator. */
  adminAuth: string;
  close(): Promise<void>;
}

/** A whole Twitcher on a free loopback port with an in-memory SQLite store; closed after the test. */
export async function startTestApp(
  t: TestContext | undefined,
  options: {
    overrides?: Record<string, unknown>;
    store?: Store;
    logStream?: DestinationStream;
    /** A directory for the built-in CA: turns the certificate service on. */
    caDir?: string;
  } = {},
): Promise<TestApp> {
  const port = await freePort();
  const config = loadConfig({
    env: {},
    overrides: {
      'database.url': 'sqlite::memory:',
      'server.port': port,
      'admin.password': ADMIN_PASSWORD,
      'log.level': 'silent',
      // an EC CA is made in milliseconds; RSA (the default, for Globus tools) where a test needs it
      'certs.caKeyType': 'ec-p256',
      ...options.overrides,
    },
  });
  const store = options.store ?? (await openStore(config.database.url));
  const admin = await ensureAdmin(config, store);
  const registry = new ServiceRegistry(store);
  const agents = createUpstreamAgents(config.proxy);
  const tokens = await createTokenService(config, store);
  const app = await buildApp(config, {
    store,
    registry,
    admin: admin.verifier,
    agents,
    tokens,
    ...(options.logStream && { logStream: options.logStream }),
    ...(options.caDir && {
      certificateAuthority: lazyCA(options.caDir, config.certs.baseDN, config.certs.caKeyType),
    }),
  });
  await app.listen({ host: '127.0.0.1', port });
  const close = async () => {
    await app.close();
    await agents.close();
    registry.close();
    if (!options.store) await store.close();
  };
  t?.after(close);
  return {
    url: `${config.tls.certFile !== undefined ? 'https' : 'http'}://127.0.0.1:${port}`,
    config,
    app,
    store,
    registry,
    tokens,
    adminAuth: `Basic ${Buffer.from(`${config.admin.username}:${ADMIN_PASSWORD}`).toString('base64')}`,
    close,
  };
}

function lazyCA(
  dir: string,
  baseDN: string,
  keyType: Config['certs']['caKeyType'],
): () => Promise<CertificateAuthority> {
  let ca: Promise<CertificateAuthority> | undefined;
  return () => {
    ca ??= openCertificateAuthority({ dir, keyType, issuedSubjectBases: [baseDN] });
    return ca;
  };
}
