import type { Config } from '../config/config.js';
import type { Service } from '../registry/service.js';

/** The public URL of a service through the proxy: its `purl` when set, else `{url}{protectedPath}/proxy/{name}`. */
export function proxyURLOf(config: Config, service: Service): string {
  return service.purl
    ? service.purl.replace(/\/+$/, '')
    : `${config.server.url}${config.protectedPath}/proxy/${service.name}`;
}

/** What the upstream is told about the public side (X-Forwarded-Proto/-Host/-Port/-Prefix). */
export function publicSide(config: Config) {
  const u = new URL(config.server.url);
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  return {
    origin: u.origin,
    proto: u.protocol.slice(0, -1),
    host: u.host,
    port,
    basePath: u.pathname.replace(/\/+$/, ''),
  };
}
