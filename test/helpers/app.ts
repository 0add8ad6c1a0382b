import type { TestContext } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { DestinationStream } from 'pino';
import { assembleDeps } from '../../src/app/assemble-deps.js';
import type { ConnectionDrainer } from '../../src/app/connection-drainer.js';
import type { Config } from '../../src/config/config.js';
import { loadConfig } from '../../src/config/load.js';
import { buildApp } from '../../src/http/build-app.js';
import type { TokenService } from '../../src/oauth/token-service-types.js';
import type { ServiceRegistry } from '../../src/registry/registry.js';
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
    /** A store the test keeps: left open by close(). */
    store?: Store;
    logStream?: DestinationStream;
    /** A directory for the built-in CA: turns the certificate service on. */
    caDir?: string;
    /** Tracks the connections (attached before listening) and tells `/health/ready` of a drain. */
    drainer?: ConnectionDrainer;
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
      ...(options.caDir && { 'certs.caDir': options.caDir }),
    },
  });
  const deps = await assembleDeps(config, {
    store: options.store,
    logStream: options.logStream,
    certificateAuthority: options.caDir ? 'as-configured' : 'none',
  });
  const app = await buildApp(config, { ...deps, ...(options.drainer && { readiness: options.drainer }) });
  options.drainer?.attach(app.server);
  await app.listen({ host: '127.0.0.1', port });
  const close = async () => {
    await app.close();
    await deps.close();
  };
  t?.after(close);
  return {
    url: `${config.tls.certFile !== undefined ? 'https' : 'http'}://127.0.0.1:${port}`,
    config,
    app,
    store: deps.store,
    registry: deps.registry,
    tokens: deps.tokens,
    adminAuth: `Basic ${Buffer.from(`${config.admin.username}:${ADMIN_PASSWORD}`).toString('base64')}`,
    close,
  };
}
