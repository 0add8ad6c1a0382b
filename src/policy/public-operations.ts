import { DEFAULT_PUBLIC_OPERATIONS } from '../ows/operations.js';
import { OWS_SERVICES, type OWSService } from '../ows/types.js';

/** Per OWS service, the lower-case names of the operations that need no credential. */
export type PublicOperations = ReadonlyMap<OWSService, ReadonlySet<string>>;

/**
 * The defaults (GetCapabilities and the describe operations of each type) with the configured
 * per-service lists (`proxy.publicOperations`) replacing them service by service.
 */
export function buildPublicOperations(
  configured: Readonly<Record<string, readonly string[]>>,
): PublicOperations {
  const out = new Map<OWSService, ReadonlySet<string>>();
  for (const service of OWS_SERVICES) {
    const ops = configured[service] ?? DEFAULT_PUBLIC_OPERATIONS[service];
    out.set(service, new Set(ops.map((o) => o.toLowerCase())));
  }
  return out;
}
