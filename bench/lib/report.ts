/** The results of one bench run, their goals, and the markdown rendering. */
import type { ProfileSummary } from './cpuprofile.js';
import type { TransferResult } from './transfer.js';
import type { WrkResult } from './wrk.js';

export type Target = 'direct' | 'nginx' | 'twitcher';
export const TARGETS: readonly Target[] = ['direct', 'nginx', 'twitcher'];

export interface Goal {
  goal: string;
  value: number;
  met: boolean;
}

/** A wrk run plus what the server side spent on it. */
export interface SmallRun extends WrkResult {
  /**
   * CPU of the process answering: nginx (master + worker) for direct and nginx, where in the nginx
   * case the one worker both proxies and serves; Twitcher alone for twitcher (the upstream nginx
   * is extra).
   */
  serverCpuSec: number;
  /** Of which in the kernel (syscalls and the loopback TCP stack). */
  serverSysSec: number;
  serverCpuUsPerReq: number;
  /** Of one core, over the run. */
  serverCpuPct: number;
}

export interface SmallScenario {
  id: string;
  label: string;
  path: string;
  contentType: string;
  bytes: number;
  rewrittenByTwitcher: boolean;
  runs: Record<Target, SmallRun>;
  twitcherVsNginx: number;
  twitcherVsDirect: number;
  nginxVsDirect: number;
  p99AddedVsDirectMs: number;
  p99AddedVsNginxMs: number;
  goals: { throughput: Goal; p99Added: Goal };
}

export interface LatencyPhase {
  connections: number;
  path: string;
  runs: Record<Target, WrkResult>;
  p50AddedVsDirectMs: Record<Exclude<Target, 'direct'>, number>;
  p99AddedVsDirectMs: Record<Exclude<Target, 'direct'>, number>;
}

export interface BigRun extends TransferResult {
  /** Every repetition; the headline figure is the best (least disturbed) one. */
  all: TransferResult[];
}

export interface BigPhase {
  kind: 'download' | 'upload';
  bytes: number;
  runs: Record<Target, BigRun>;
  twitcherVsDirect: number;
  twitcherVsNginx: number;
  nginxVsDirect: number;
  /** Max of VmRSS sampled every 100 ms during Twitcher's transfers, MB. */
  twitcherPeakRssMB: number;
  /** VmHWM after the phase (a lifetime peak: includes earlier phases), MB. */
  twitcherHwmMB: number;
  twitcherCpuSec: number;
  goals: { throughput: Goal; rss: Goal };
}

export interface Results {
  version: 1;
  startedAt: string;
  finishedAt: string;
  wallSec: number;
  environment: Record<string, string | number>;
  settings: {
    durationSec: number;
    warmupSec: number;
    threads: number;
    connections: number;
    latencyDurationSec: number;
    bigMB: number;
    bigRuns: number;
    phases: string[];
    small: string[];
  };
  small: SmallScenario[];
  latency?: LatencyPhase;
  download?: BigPhase;
  upload?: BigPhase;
  /** Twitcher's memory after each phase, MB. */
  twitcherMemory: { after: string; rssMB: number; hwmMB: number }[];
  profile?: ProfileSummary;
}

export const GOALS = {
  smallThroughputVsNginx: 0.7,
  smallP99AddedMs: 2,
  bigThroughputVsDirect: 0.95,
  bigRssMB: 100,
};

export function smallGoals(twitcherVsNginx: number, p99AddedVsDirectMs: number) {
  return {
    throughput: {
      goal: `≥ ${GOALS.smallThroughputVsNginx}× nginx req/s`,
      value: twitcherVsNginx,
      met: twitcherVsNginx >= GOALS.smallThroughputVsNginx,
    },
    p99Added: {
      goal: `p99 added vs direct ≤ ${GOALS.smallP99AddedMs} ms`,
      value: p99AddedVsDirectMs,
      met: p99AddedVsDirectMs <= GOALS.smallP99AddedMs,
    },
  };
}

export function bigGoals(twitcherVsDirect: number, peakRssMB: number) {
  return {
    throughput: {
      goal: `≥ ${GOALS.bigThroughputVsDirect}× direct MB/s`,
      value: twitcherVsDirect,
      met: twitcherVsDirect >= GOALS.bigThroughputVsDirect,
    },
    rss: {
      goal: `peak RSS ≤ ${GOALS.bigRssMB} MB`,
      value: peakRssMB,
      met: peakRssMB <= GOALS.bigRssMB,
    },
  };
}

const f = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const ratio = (n: number) => `${f(n)}×`;
const mark = (g: Goal) => (g.met ? '✅ met' : '❌ not met');

export function renderMarkdown(r: Results): string {
  const out: string[] = [];
  const s = r.settings;
  out.push(`## Twitcher proxy bench (${r.startedAt})`);
  out.push('');
  out.push(
    `${r.environment['cpus']} CPUs (${r.environment['cpuModel']}), Node ${r.environment['node']}, ` +
      `${r.environment['nginx']}, ${r.environment['wrk']}; load average before ${r.environment['loadavg']}, ` +
      `after ${r.environment['loadavgAfter']}. ` +
      `wrk -t${s.threads} -c${s.connections} -d${s.durationSec}s --latency after a ${s.warmupSec} s warm-up.`,
  );
  if (r.small.length > 0) {
    out.push('');
    out.push('### Small requests');
    out.push('');
    out.push(
      '| Scenario | Target | req/s | p50 ms | p99 ms | non-2xx | sock err | server CPU µs/req (% core, % sys) | ×nginx | ×direct | p99 added vs direct / nginx ms | Goal ≥ 0.7× nginx | Goal p99 added ≤ 2 ms |',
    );
    out.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|');
    for (const sc of r.small) {
      for (const t of TARGETS) {
        const run = sc.runs[t];
        const isT = t === 'twitcher';
        out.push(
          `| ${[
            t === 'direct' ? sc.label : '',
            t,
            f(run.requestsPerSec, 0),
            f(run.p50Ms),
            f(run.p99Ms),
            String(run.non2xx),
            String(run.socketErrors),
            `${f(run.serverCpuUsPerReq, 0)} (${f(run.serverCpuPct, 0)}%, ${f((100 * run.serverSysSec) / run.serverCpuSec, 0)}% sys)`,
            isT ? ratio(sc.twitcherVsNginx) : t === 'nginx' ? '1.00×' : '',
            isT ? ratio(sc.twitcherVsDirect) : t === 'nginx' ? ratio(sc.nginxVsDirect) : '1.00×',
            isT ? `+${f(sc.p99AddedVsDirectMs)} / +${f(sc.p99AddedVsNginxMs)}` : '',
            isT ? `${mark(sc.goals.throughput)} (${ratio(sc.goals.throughput.value)})` : '',
            isT ? `${mark(sc.goals.p99Added)} (+${f(sc.goals.p99Added.value)} ms)` : '',
          ].join(' | ')} |`,
        );
      }
    }
    out.push('');
    out.push(
      'Server CPU: nginx master+worker for direct and nginx (its one worker both proxies and serves the file); ' +
        'the Twitcher process alone for twitcher. Under this closed-loop load p99 mostly reflects ' +
        'throughput (32 connections queue behind a saturated core), see the unloaded latency below.',
    );
  }
  if (r.latency) {
    const l = r.latency;
    out.push('');
    out.push(`### Unloaded latency (wrk -c${l.connections}, ${l.path})`);
    out.push('');
    out.push('| Target | req/s | p50 ms | p99 ms | p50 added vs direct ms | p99 added vs direct ms |');
    out.push('|---|---:|---:|---:|---:|---:|');
    for (const t of TARGETS) {
      const run = l.runs[t];
      const added = t === 'direct' ? ['', ''] : [f(l.p50AddedVsDirectMs[t]), f(l.p99AddedVsDirectMs[t])];
      out.push(
        `| ${t} | ${f(run.requestsPerSec, 0)} | ${f(run.p50Ms, 3)} | ${f(run.p99Ms, 3)} | ${added[0]} | ${added[1]} |`,
      );
    }
  }
  const big = [r.download, r.upload].filter((b): b is BigPhase => b !== undefined);
  if (big.length > 0) {
    out.push('');
    out.push(`### ${f(big[0]!.bytes / 2 ** 20, 0)} MiB streamed transfers (curl, best of ${s.bigRuns})`);
    out.push('');
    out.push(
      '| Transfer | Target | MB/s | ×direct | Twitcher peak RSS (sampled) MB | Twitcher VmHWM after MB | Goal ≥ 0.95× direct | Goal RSS ≤ 100 MB |',
    );
    out.push('|---|---|---:|---:|---:|---:|---|---|');
    for (const b of big) {
      for (const t of TARGETS) {
        const run = b.runs[t];
        const isT = t === 'twitcher';
        const x = t === 'direct' ? 1 : t === 'nginx' ? b.nginxVsDirect : b.twitcherVsDirect;
        out.push(
          `| ${[
            t === 'direct' ? b.kind : '',
            t,
            `${f(run.mbPerSec, 0)} (${run.all.map((a) => f(a.mbPerSec, 0)).join(', ')})`,
            ratio(x),
            isT ? f(b.twitcherPeakRssMB, 1) : '',
            isT ? f(b.twitcherHwmMB, 1) : '',
            isT ? `${mark(b.goals.throughput)} (${ratio(b.goals.throughput.value)})` : '',
            isT ? `${mark(b.goals.rss)} (${f(b.goals.rss.value, 1)} MB)` : '',
          ].join(' | ')} |`,
        );
      }
    }
  }
  if (r.twitcherMemory.length > 0) {
    out.push('');
    out.push(
      'Twitcher memory after each phase (VmRSS / VmHWM MB): ' +
        r.twitcherMemory.map((m) => `${m.after} ${f(m.rssMB, 1)} / ${f(m.hwmMB, 1)}`).join('; '),
    );
  }
  const goals = [
    ...r.small.flatMap((sc) => [sc.goals.throughput, sc.goals.p99Added]),
    ...big.flatMap((b) => [b.goals.throughput, b.goals.rss]),
  ];
  out.push('');
  out.push(
    `Goals met: ${goals.filter((g) => g.met).length} of ${goals.length} (a missed goal is reported, not a failure). Wall time ${f(r.wallSec, 0)} s.`,
  );
  return out.join('\n');
}
