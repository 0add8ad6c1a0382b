import type { Config } from '../config/config.js';
import { buildRewriteRules, type RewriteRules } from '../ows/capabilities/rewrite-rules.js';
import type { ServiceRegistry } from '../registry/registry.js';
import type { Service } from '../registry/service.js';
import { ChangeCache } from '../store/change-cache.js';
import { proxyURLOf, publicSide } from './proxy-url.js';

const CACHE_MAX = 10_000;

/**
 * Rewrite rules per service and body kind, built once per registry generation: a change to any
 * service (its own URL, or a sibling on the same upstream origin) drops them all.
 */
export class RewriteRulesCache {
  readonly #config: Config;
  readonly #registry: ServiceRegistry;
  readonly #cache: ChangeCache<RewriteRules>;

  constructor(config: Config, registry: ServiceRegistry) {
    this.#config = config;
    this.#registry = registry;
    this.#cache = new ChangeCache({ max: CACHE_MAX, follows: registry });
  }

  /** The rules when they are built already for this generation (no await on the hot path). */
  peek(service: Service, kind: 'xml' | 'json'): RewriteRules | undefined {
    return this.#cache.peek(cacheKey(service, kind));
  }

  get(service: Service, kind: 'xml' | 'json'): Promise<RewriteRules> {
    return this.#cache.get(cacheKey(service, kind), () => this.#build(service, kind));
  }

  async #build(service: Service, kind: 'xml' | 'json'): Promise<RewriteRules> {
    const origin = new URL(service.url).origin;
    // Other services on the same upstream origin (e.g. PyWPS's /outputs beside /wps) map to their
    // own proxy URLs; services elsewhere cannot appear in this upstream's documents as its own URLs.
    const siblings = (await this.#registry.list())
      .filter((s) => s.name !== service.name && new URL(s.url).origin === origin)
      .map((s) => ({ upstreamURL: s.url, proxyURL: proxyURLOf(this.#config, s) }));
    return buildRewriteRules({
      upstreamURL: service.url,
      proxyURL: proxyURLOf(this.#config, service),
      publicOrigin: publicSide(this.#config).origin,
      json: kind === 'json',
      // Links to any proxied service are already right.
      keep: [`${this.#config.server.url}${this.#config.protectedPath}/proxy/`],
      siblings,
      // A provider-site link to the bare upstream origin would name the internal host: Twitcher's
      // own front page stands in for it.
      originRoot: `${this.#config.server.url}/`,
    });
  }
}

function cacheKey(service: Service, kind: 'xml' | 'json'): string {
  return `${kind}\0${service.name}\0${service.url}\0${service.purl}`;
}
