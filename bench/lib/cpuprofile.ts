/** Summary of a V8 .cpuprofile (from `node --cpu-prof`): where the busy time went. */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface Entry {
  name: string;
  ms: number;
  /** Share of the busy (non-idle) time, percent. */
  pct: number;
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  idleMs: number;
  busyMs: number;
  /** Self time by origin: node internals, each npm package, Twitcher's own code, GC, program. */
  byOrigin: Entry[];
  topSelf: Entry[];
  /** Time with the function anywhere on the stack (recursion counted once). */
  topInclusive: Entry[];
}

/** node_modules/<pkg> or node:internal or twitcher, from a script URL. */
function origin(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  if (url.startsWith('node:')) return 'node: (core)';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const parts = url.slice(nm + '/node_modules/'.length).split('/');
    return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? url);
  }
  if (url.includes('/dist/')) return 'twitcher (dist)';
  return url;
}

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const fn = functionName || '(anonymous)';
  if (!url) return fn;
  const nm = url.lastIndexOf('/node_modules/');
  const short = nm >= 0 ? url.slice(nm + '/node_modules/'.length) : url.replace(/^.*\/dist\//, 'dist/');
  return `${fn} ${short.replace(/^file:\/\//, '')}:${lineNumber + 1}`;
}

function top(map: Map<string, number>, busy: number, n: number): Entry[] {
  return [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, us]) => ({ name, ms: us / 1000, pct: (100 * us) / busy }));
}

export function summarizeProfile(file: string, n = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const c of node.children ?? []) parent.set(c, node.id);
  }
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const origins = new Map<string, number>();
  let total = 0;
  let idle = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    const node = byId.get(id);
    if (!node) return;
    total += us;
    const fn = node.callFrame.functionName;
    if (fn === '(idle)') {
      idle += us;
      return;
    }
    const name = label(node);
    self.set(name, (self.get(name) ?? 0) + us);
    const o = origin(node.callFrame.url, fn);
    origins.set(o, (origins.get(o) ?? 0) + us);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n2 = byId.get(cur);
      if (!n2 || n2.callFrame.functionName === '(root)') continue;
      const l = label(n2);
      if (seen.has(l)) continue;
      seen.add(l);
      inclusive.set(l, (inclusive.get(l) ?? 0) + us);
    }
  });
  const busy = Math.max(1, total - idle);
  return {
    file,
    totalMs: total / 1000,
    idleMs: idle / 1000,
    busyMs: busy / 1000,
    byOrigin: top(origins, busy, 20),
    topSelf: top(self, busy, n),
    topInclusive: top(inclusive, busy, n),
  };
}

export function formatProfile(s: ProfileSummary): string {
  const rows = (title: string, entries: Entry[]) =>
    [
      `| ${title} | ms | % busy |`,
      '|---|---:|---:|',
      ...entries.map((e) => `| \`${e.name}\` | ${e.ms.toFixed(0)} | ${e.pct.toFixed(1)} |`),
    ].join('\n');
  return [
    `CPU profile ${s.file}: ${s.totalMs.toFixed(0)} ms sampled, ${s.busyMs.toFixed(0)} ms busy, ${s.idleMs.toFixed(0)} ms idle`,
    '',
    rows('self time by origin', s.byOrigin),
    '',
    rows('top self time', s.topSelf),
    '',
    rows('top inclusive time', s.topInclusive),
  ].join('\n');
}
