/** Memory and CPU figures of a process, read from Linux /proc. */
import { readdirSync, readFileSync } from 'node:fs';

/** USER_HZ, the unit of utime/stime in /proc/<pid>/stat: 100 on every mainstream Linux build. */
const CLOCK_TICKS = 100;

/** Sizes are in MB (10^6 bytes), the unit of the goals ("RSS ≤ 100 MB"). */
export interface MemStatus {
  /** Resident set size now. */
  rssMB: number;
  /** Peak resident set size since start (VmHWM, cannot be reset). */
  hwmMB: number;
}

/** A `Field:   123 kB` line of /proc/<pid>/status (kB there means KiB), in MB. */
function mb(status: string, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return m ? (Number(m[1]) * 1024) / 1e6 : Number.NaN;
}

export function memStatus(pid: number): MemStatus {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return { rssMB: mb(status, 'VmRSS'), hwmMB: mb(status, 'VmHWM') };
}

/** Fields of /proc/<pid>/stat after the `(comm)` field, which may itself hold spaces. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined; // gone meanwhile
  }
}

export interface CpuTimes {
  user: number;
  sys: number;
}

/** User and system (kernel: syscalls, loopback TCP) CPU seconds used so far by `pid`. */
export function cpuTimes(pid: number): CpuTimes {
  const f = statFields(pid);
  // After comm: state(0) ppid(1) … utime(11) stime(12).
  return f ? { user: Number(f[11]) / CLOCK_TICKS, sys: Number(f[12]) / CLOCK_TICKS } : { user: 0, sys: 0 };
}

/** User + system CPU seconds used so far by `pid` (not its children). */
export function cpuSeconds(pid: number): number {
  const t = cpuTimes(pid);
  return t.user + t.sys;
}

/** Live direct children of `pid` (nginx's workers), by scanning /proc. */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const f = statFields(Number(name));
    if (f && Number(f[1]) === pid) out.push(Number(name));
  }
  return out;
}

/** CPU times of a process and its direct children (nginx master + workers). */
export function treeCpuTimes(pid: number): CpuTimes {
  const out = cpuTimes(pid);
  for (const c of childrenOf(pid)) {
    const t = cpuTimes(c);
    out.user += t.user;
    out.sys += t.sys;
  }
  return out;
}

/** Samples VmRSS every `intervalMs` and keeps the maximum (VmHWM cannot be reset between phases). */
export class RssSampler {
  #max = 0;
  readonly #timer: NodeJS.Timeout;

  constructor(
    readonly pid: number,
    intervalMs = 100,
  ) {
    const sample = () => {
      try {
        this.#max = Math.max(this.#max, memStatus(pid).rssMB);
      } catch {
        // the process ended: keep what was seen
      }
    };
    sample();
    this.#timer = setInterval(sample, intervalMs);
  }

  /** Stops sampling (after one last sample) and returns the peak seen, MB. */
  stop(): number {
    clearInterval(this.#timer);
    try {
      this.#max = Math.max(this.#max, memStatus(this.pid).rssMB);
    } catch {
      // gone
    }
    return this.#max;
  }
}
