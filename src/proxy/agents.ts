import { Agent } from 'undici';
import type { Config } from '../config/config.js';

/**
 * Keep-alive connection pools to the upstreams (one pool per origin, inside each Agent): one Agent
 * verifies TLS certificates, the other does not (services registered with `verify: false`).
 */
export interface UpstreamAgents {
  verified: Agent;
  unverified: Agent;
  close(): Promise<void>;
}

export function createUpstreamAgents(proxy: Config['proxy']): UpstreamAgents {
  const common = {
    connectTimeout: proxy.connectTimeout,
    headersTimeout: proxy.headersTimeout,
    bodyTimeout: proxy.bodyTimeout,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 600_000,
    // Enough parallel connections per upstream for slow WPS jobs without starving the others.
    connections: 256,
    pipelining: 1,
  };
  const verified = new Agent(common);
  const unverified = new Agent({ ...common, connect: { rejectUnauthorized: false } });
  return {
    verified,
    unverified,
    async close() {
      await Promise.all([verified.close(), unverified.close()]);
    },
  };
}
