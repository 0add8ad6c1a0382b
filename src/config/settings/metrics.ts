/** Settings of the Prometheus metrics. */

import { optional, withDefault } from '../setting.js';
import * as t from '../setting-types.js';

/** What is counted, and where Prometheus scrapes it. */
export const METRICS_SETTINGS = {
  'metrics.enabled': withDefault({
    env: 'TWITCHER_METRICS_ENABLED',
    type: t.boolean(),
    default: true,
    doc:
      'Count requests, latencies, upstream errors, tokens, logons, caches and the process (Prometheus text ' +
      'format). Served at `GET /metrics` on the main listener behind the administrator credentials, and without ' +
      'credentials on `metrics.port` when it is set. Off: nothing is counted and `/metrics` is 404.',
  }),
  'metrics.host': withDefault({
    env: 'TWITCHER_METRICS_HOST',
    type: t.string({ minLength: 1 }),
    default: '127.0.0.1',
    doc: 'Address of the separate metrics listener (with `metrics.port`).',
  }),
  'metrics.port': optional({
    env: 'TWITCHER_METRICS_PORT',
    type: t.integer({ min: 0, max: 65535 }),
    doc:
      'TCP port of a separate listener answering `GET /metrics` without credentials (keep it off the ' +
      'internet). Unset: no separate listener. With `server.workers`, the primary listens and one scrape ' +
      'sees every worker.',
  }),
};
