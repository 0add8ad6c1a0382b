import type { Config } from '../config/config.js';
import type { Service } from '../registry/service.js';
import { effectivePort } from '../util/default-port.js';

/** The public URL of a service through the proxy: its `purl` when set, else `{url}{protectedPath}/proxy/{name}`. */
export function proxyURLOf(config: Config, service: Service): string {
  return service.purl
    ? service.purl.replace(/\/+$/, '')
    : `${config.server.url}${config.protectedPath}/proxy/${service.name}`;
}

/** The public side of `server.url`, as the forwarding fields and the rewrite rules spell it. */
export interface PublicSide {
  origin: string;
  /** The scheme without its colon. */
  proto: string;
  /** `host[:port]` as in the URL. */
  host: string;
  /** The port, the default one spelled out. */
  port: string;
  /** The path prefix of a front proxy, without trailing slashes (`` for none). */
  basePath: string;
}

/** What the upstream is told about the public side (X-Forwarded-Proto/-Host/-Port/-Prefix). */
export function publicSide(config: Config): PublicSide {
  const u = new URL(config.server.url);
  return {
    origin: u.origin,
    proto: u.protocol.slice(0, -1),
    host: u.host,
    port: effectivePort(u),
    basePath: u.pathname.replace(/\/+$/, ''),
  };
}
