/** Runs wrk and reads its text report (wrk 4.x has no machine-readable output without a Lua script). */
import { writeFileSync } from 'node:fs';
import type { Supervisor } from './processes.js';

export interface WrkResult {
  requestsPerSec: number;
  requests: number;
  seconds: number;
  p50Ms: number;
  p75Ms: number;
  p90Ms: number;
  p99Ms: number;
  avgMs: number;
  maxMs: number;
  /** wrk's "Non-2xx or 3xx responses". */
  non2xx: number;
  /** connect + read + write + timeout socket errors. */
  socketErrors: number;
}

export interface WrkOptions {
  url: string;
  threads: number;
  connections: number;
  durationSec: number;
  /** Extra request headers (`Name: value`). */
  headers?: string[];
  /** A Lua script (e.g. to POST a form). */
  script?: string;
}

/** wrk prints durations as 512.00us, 1.23ms, 2.00s or 1.00m. */
export function toMs(value: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(value.trim());
  if (!m) return Number.NaN;
  const n = Number(m[1]);
  switch (m[2]) {
    case 'us':
      return n / 1000;
    case 'ms':
      return n;
    case 's':
      return n * 1000;
    default:
      return n * 60_000;
  }
}

export function parseWrk(out: string): WrkResult {
  const num = (re: RegExp): number => {
    const m = re.exec(out);
    return m ? Number(m[1]) : Number.NaN;
  };
  const pct = (p: number) => {
    const m = new RegExp(`^\\s*${p}%\\s+(\\S+)`, 'm').exec(out);
    return m ? toMs(m[1]!) : Number.NaN;
  };
  const lat = /^\s*Latency\s+(\S+)\s+\S+\s+(\S+)/m.exec(out);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const total = /^\s*(\d+) requests in ([\d.]+)(us|ms|s|m)/m.exec(out);
  const result: WrkResult = {
    requestsPerSec: num(/^Requests\/sec:\s+([\d.]+)/m),
    requests: total ? Number(total[1]) : Number.NaN,
    seconds: total ? toMs(`${total[2]}${total[3]}`) / 1000 : Number.NaN,
    p50Ms: pct(50),
    p75Ms: pct(75),
    p90Ms: pct(90),
    p99Ms: pct(99),
    avgMs: lat ? toMs(lat[1]!) : Number.NaN,
    maxMs: lat ? toMs(lat[2]!) : Number.NaN,
    non2xx: /Non-2xx or 3xx responses: (\d+)/.test(out) ? num(/Non-2xx or 3xx responses: (\d+)/) : 0,
    socketErrors: sock ? sock.slice(1).reduce((s, v) => s + Number(v), 0) : 0,
  };
  if (!Number.isFinite(result.requestsPerSec) || !Number.isFinite(result.p99Ms)) {
    throw new Error(`cannot read the wrk report:\n${out}`);
  }
  return result;
}

export async function runWrk(sup: Supervisor, o: WrkOptions): Promise<WrkResult> {
  const args = [
    `-t${o.threads}`,
    `-c${o.connections}`,
    `-d${o.durationSec}s`,
    // wrk's default 2 s timeout would count slow answers as errors, hiding a latency problem.
    '--timeout',
    '10s',
    '--latency',
    ...(o.headers ?? []).flatMap((h) => ['-H', h]),
    ...(o.script ? ['-s', o.script] : []),
    o.url,
  ];
  const res = await sup.run('wrk', 'wrk', args, (o.durationSec + 15) * 1000);
  if (res.code !== 0) throw new Error(`wrk exited with ${res.code}: ${res.stderr || res.stdout}`);
  return parseWrk(res.stdout);
}

/**
 * Writes a wrk Lua script that POSTs `body` as an HTTP form with an `Authorization` header (the
 * token endpoint, the certificate service's logon), and returns its path.
 */
export function writeFormPostScript(path: string, body: string, authorization: string): string {
  writeFileSync(
    path,
    `wrk.method = "POST"\nwrk.body = "${body}"\n` +
      `wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n` +
      `wrk.headers["Authorization"] = "${authorization}"\n`,
  );
  return path;
}
