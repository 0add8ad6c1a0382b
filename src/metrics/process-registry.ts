import { collectDefaultMetrics, Registry } from 'prom-client';

let registry: Registry | undefined;

/**
 * prom-client's default metrics (event-loop lag, GC, memory, handles, CPU) of this process, in a
 * registry of their own, made once per process whatever the number of apps it assembles (tests);
 * merged with an app's registry at scrape time.
 */
export function processRegistry(): Registry {
  if (registry === undefined) {
    registry = new Registry();
    collectDefaultMetrics({ register: registry });
  }
  return registry;
}
