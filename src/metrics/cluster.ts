/**
 * Metrics of a cluster (`server.workers` > 1): every worker counts in its own registries; the primary
 * asks each worker for them over the IPC channel and sums them (prom-client's AggregatorRegistry:
 * counters and histograms add up, event-loop lag is averaged), with its own (configuration reloads,
 * its process). One scrape sees the whole process tree, whether it reaches the primary's separate
 * listener (`metrics.port`) or a worker's `/metrics`, which asks the primary for the aggregate.
 */
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, Counter, Registry } from 'prom-client';
import type { Config } from '../config/config.js';
import { METRICS } from './metric-names.js';
import type { Metrics } from './metrics.js';
import { type MetricsListener, startMetricsListener } from './metrics-listener.js';
import { processRegistry } from './process-registry.js';

/** primary → worker: send your metrics; worker → primary: here they are. */
const COLLECT = 'twitcher:metrics:collect';
const COLLECTED = 'twitcher:metrics:collected';
/** worker → primary: it answers COLLECT from now on. */
const READY = 'twitcher:metrics:ready';
/** worker → primary: the aggregate, please; primary → worker: here it is. */
const SCRAPE = 'twitcher:metrics:scrape';
const SCRAPED = 'twitcher:metrics:scraped';

/** How long the primary waits for the workers' metrics, and a worker for the aggregate. */
const COLLECT_TIMEOUT_MS = 5_000;

/** One registry's metrics as getMetricsAsJSON gives them (what AggregatorRegistry.aggregate takes). */
type MetricsJSON = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

interface Message {
  type: string;
  id: number;
  metrics?: MetricsJSON[];
  text?: string;
  error?: string;
}

function isMessage(value: unknown): value is Message {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Message).type === 'string' &&
    (value as Message).type.startsWith('twitcher:metrics:')
  );
}

/** The metrics text of this process's registries (one app, one process). */
export async function localMetricsText(metrics: Metrics): Promise<string> {
  return Registry.merge([...metrics.registries]).metrics();
}

/**
 * The text a scrape answers in this process: in a cluster worker, the aggregate of the whole tree
 * (asked of the primary); else this process's own.
 */
export function scrapeMetrics(metrics: Metrics): Promise<string> {
  return cluster.isWorker && process.send ? scrapeFromPrimary() : localMetricsText(metrics);
}

let nextId = 0;
const waiting = new Map<number, { resolve: (text: string) => void; reject: (err: Error) => void }>();
let workerListening = false;

function listenInWorker(): void {
  if (workerListening) return;
  workerListening = true;
  process.on('message', (message: unknown) => {
    if (!isMessage(message) || message.type !== SCRAPED) return;
    const w = waiting.get(message.id);
    if (!w) return;
    waiting.delete(message.id);
    if (message.error !== undefined) w.reject(new Error(message.error));
    else w.resolve(message.text ?? '');
  });
}

function scrapeFromPrimary(): Promise<string> {
  listenInWorker();
  const id = nextId++;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      waiting.delete(id);
      reject(new Error('the primary did not answer with the metrics in time'));
    }, COLLECT_TIMEOUT_MS * 2);
    waiting.set(id, {
      resolve: (text) => {
        clearTimeout(timer);
        resolve(text);
      },
      reject: (err) => {
        clearTimeout(timer);
        reject(err);
      },
    });
    process.send?.({ type: SCRAPE, id });
  });
}

/**
 * In a cluster worker: answers the primary's requests for this worker's metrics, and tells the
 * primary it does. Returns what stops it (the app closing). Does nothing outside a worker.
 */
export function serveWorkerMetrics(metrics: Metrics): () => void {
  if (!cluster.isWorker || !process.send || !metrics.enabled) return () => {};
  const onMessage = (message: unknown) => {
    if (!isMessage(message) || message.type !== COLLECT) return;
    Promise.all(metrics.registries.map((r) => r.getMetricsAsJSON())).then(
      (json) => process.send?.({ type: COLLECTED, id: message.id, metrics: json }),
      (err: unknown) => process.send?.({ type: COLLECTED, id: message.id, error: String(err) }),
    );
  };
  process.on('message', onMessage);
  process.send({ type: READY, id: 0 });
  return () => {
    process.off('message', onMessage);
  };
}

/** What the primary counts itself, for the configuration reload of SIGHUP. */
export interface PrimaryMetrics {
  /** A SIGHUP reload: applied, refused (the new configuration is invalid) or failed. */
  configReload(outcome: 'applied' | 'refused' | 'failed'): void;
  /** The aggregate of the primary and every worker, as the text a scrape answers. */
  scrape(): Promise<string>;
  /** The separate listener when `metrics.port` is set. */
  readonly listener: MetricsListener | undefined;
  close(): Promise<void>;
}

/**
 * Called once by the cluster's primary (src/cluster.ts): collects the workers' metrics on demand,
 * answers the workers' scrapes with the aggregate, and listens on `metrics.host:metrics.port` when
 * set. With `metrics.enabled: false` it counts nothing and listens nowhere.
 */
export async function startPrimaryMetrics(config: Config): Promise<PrimaryMetrics> {
  if (!config.metrics.enabled) {
    return {
      configReload() {},
      scrape: async () => '',
      listener: undefined,
      close: async () => {},
    };
  }
  const own = new Registry();
  const d = METRICS.twitcher_config_reloads_total;
  const reloads = new Counter({
    name: 'twitcher_config_reloads_total',
    help: d.help,
    labelNames: [...d.labels],
    registers: [own],
  });
  const ready = new Set<number>();
  const pending = new Map<number, { left: Set<number>; parts: MetricsJSON[]; done: () => void }>();
  let nextCollect = 0;

  const collect = (): Promise<MetricsJSON[]> => {
    const id = nextCollect++;
    const parts: MetricsJSON[] = [];
    const workers = Object.values(cluster.workers ?? {}).filter(
      (w): w is Worker => w !== undefined && ready.has(w.id) && w.isConnected(),
    );
    if (workers.length === 0) return Promise.resolve(parts);
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(), COLLECT_TIMEOUT_MS);
      const done = () => {
        clearTimeout(timer);
        pending.delete(id);
        resolve(parts);
      };
      pending.set(id, { left: new Set(workers.map((w) => w.id)), parts, done });
      for (const w of workers) w.send({ type: COLLECT, id });
    });
  };

  const scrape = async (): Promise<string> => {
    const [workers, mine] = await Promise.all([
      collect(),
      Promise.all([own, processRegistry()].map((r) => r.getMetricsAsJSON())),
    ]);
    return AggregatorRegistry.aggregate([...workers, ...mine]).metrics();
  };

  const onMessage = (worker: Worker, message: unknown) => {
    if (!isMessage(message)) return;
    if (message.type === READY) ready.add(worker.id);
    else if (message.type === COLLECTED) {
      const p = pending.get(message.id);
      if (!p?.left.delete(worker.id)) return;
      if (message.metrics) p.parts.push(...message.metrics);
      if (p.left.size === 0) p.done();
    } else if (message.type === SCRAPE) {
      scrape().then(
        (text) => worker.isConnected() && worker.send({ type: SCRAPED, id: message.id, text }),
        (err: unknown) =>
          worker.isConnected() && worker.send({ type: SCRAPED, id: message.id, error: String(err) }),
      );
    }
  };
  const onExit = (worker: Worker) => {
    ready.delete(worker.id);
    for (const p of pending.values()) {
      if (p.left.delete(worker.id) && p.left.size === 0) p.done();
    }
  };
  cluster.on('message', onMessage);
  cluster.on('exit', onExit);

  const port = config.metrics.port;
  let listener: MetricsListener | undefined;
  try {
    listener = port === undefined ? undefined : await startMetricsListener(config.metrics.host, port, scrape);
  } catch (err) {
    cluster.off('message', onMessage);
    cluster.off('exit', onExit);
    throw err;
  }
  return {
    configReload(outcome) {
      reloads.labels(outcome).inc();
    },
    scrape,
    listener,
    async close() {
      cluster.off('message', onMessage);
      cluster.off('exit', onExit);
      await listener?.close();
    },
  };
}

/** How this process serves its metrics besides `/metrics` on the main listener. */
export interface MetricsExposure {
  /** The separate listener's URL (`metrics.port` set, outside a cluster worker). */
  readonly url: string | undefined;
  close(): Promise<void>;
}

/**
 * Called by src/main.ts once the server listens: in a cluster worker, answers the primary's requests
 * for this worker's metrics (the primary runs the separate listener); otherwise, when `metrics.port`
 * is set, the separate listener on `metrics.host:metrics.port`.
 */
export async function exposeMetrics(config: Config, metrics: Metrics): Promise<MetricsExposure> {
  if (!metrics.enabled) return { url: undefined, close: async () => {} };
  if (cluster.isWorker) {
    const stop = serveWorkerMetrics(metrics);
    return { url: undefined, close: async () => stop() };
  }
  const port = config.metrics.port;
  if (port === undefined) return { url: undefined, close: async () => {} };
  const listener = await startMetricsListener(config.metrics.host, port, () => localMetricsText(metrics));
  return listener;
}
