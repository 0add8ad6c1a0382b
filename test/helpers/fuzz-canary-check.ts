import type { Agent } from 'node:http';
import { mapConcurrent, minimise, readCanaryLog, runTag, sendWire, type WireAnswer } from './fuzz-runner.js';
import {
  describeWPSRequest,
  renderWPSRequest,
  WPS_SIMPLER,
  type WPSFuzzRequest,
} from './fuzz-wps-requests.js';

/**
 * One phase of the WPS canary fuzz: send requests through Twitcher, then ask the canary's log which
 * of them made PyWPS execute. Tags are `${prefix}-${index}`; a phase's prefix is unique in a run.
 */

export interface PhaseTarget {
  /** Twitcher's base URL */
  base: string;
  /** /ows/proxy/{name} */
  servicePath: string;
  /** the canary's log file */
  log: string;
  agent: Agent;
  concurrency: number;
  /** extra headers on every request (the credential of the allowed phases) */
  headers?: Record<string, string>;
}

export interface Offender {
  index: number;
  request: WPSFuzzRequest;
  answer: WireAnswer;
}

export interface PhaseResult {
  sent: number;
  /** executions logged during the phase */
  executions: number;
  offenders: Offender[];
  /** executions whose tag names no request of the phase */
  unattributed: string[];
  /** answers per status, for the report */
  statuses: Record<string, number>;
}

let tagCounter = 0;
/** A tag no other request of this process uses. */
export function freshTag(prefix: string): string {
  tagCounter += 1;
  return `${prefix}-${tagCounter}`;
}

/** Sends one request with `tag`; resolves with Twitcher's answer. */
export function sendTagged(t: PhaseTarget, r: WPSFuzzRequest, tag: string): Promise<WireAnswer> {
  const wire = renderWPSRequest(r, t.servicePath, tag);
  return sendWire(t.base, t.agent, {
    ...wire,
    headers: { ...wire.headers, ...t.headers, 'x-canary-tag': tag },
  });
}

export async function runPhase(
  t: PhaseTarget,
  prefix: string,
  requests: WPSFuzzRequest[],
): Promise<PhaseResult> {
  const before = readCanaryLog(t.log).length;
  const tags = requests.map(() => freshTag(prefix));
  const answers = await mapConcurrent(requests, t.concurrency, (r, i) => sendTagged(t, r, tags[i] as string));
  // PyWPS runs a synchronous Execute before it answers, so every execution is logged by now.
  const runs = readCanaryLog(t.log).slice(before);
  const byTag = new Map(tags.map((tag, i) => [tag, i]));
  const offenders: Offender[] = [];
  const unattributed: string[] = [];
  const seen = new Set<number>();
  for (const run of runs) {
    const i = byTag.get(runTag(run));
    if (i === undefined) unattributed.push(JSON.stringify(run));
    else if (!seen.has(i)) {
      seen.add(i);
      offenders.push({ index: i, request: requests[i] as WPSFuzzRequest, answer: answers[i] as WireAnswer });
    }
  }
  offenders.sort((a, b) => a.index - b.index);
  const statuses: Record<string, number> = {};
  for (const a of answers) {
    const key = a.error ? `error` : String(a.status);
    statuses[key] = (statuses[key] ?? 0) + 1;
  }
  return { sent: requests.length, executions: runs.length, offenders, unattributed, statuses };
}

/** Whether `r` (with a fresh tag) makes the canary run. */
export async function executes(t: PhaseTarget, r: WPSFuzzRequest, prefix: string): Promise<boolean> {
  const tag = freshTag(prefix);
  await sendTagged(t, r, tag);
  return readCanaryLog(t.log).some((run) => runTag(run) === tag);
}

/** A coarse shape, to minimise a diverse handful of offenders rather than the first ones. */
function shape(r: WPSFuzzRequest): string {
  const queryKind = /request=GetCapabilities|request=DescribeProcess|^$|^service=wps$/i.test(r.query)
    ? 'decoy'
    : r.query;
  return [r.method, r.body, r.contentType, r.charset, r.bom, r.coding, queryKind].join('|');
}

export interface OffenderClass {
  /** the minimised request */
  request: WPSFuzzRequest;
  /** how many of the minimised offenders shrank to it */
  count: number;
  /** an index in the generated list that shrank to it */
  example: number;
}

/**
 * Minimises up to `limit` offenders of diverse shapes (several at a time) and groups them by the
 * request they shrink to, smallest description first.
 */
export async function classifyOffenders(
  t: PhaseTarget,
  offenders: Offender[],
  limit: number,
  prefix: string,
): Promise<OffenderClass[]> {
  const chosen: Offender[] = [];
  const shapes = new Set<string>();
  for (const o of offenders) {
    const s = shape(o.request);
    if (shapes.has(s)) continue;
    shapes.add(s);
    chosen.push(o);
    if (chosen.length >= limit) break;
  }
  const minimised = await mapConcurrent(chosen, t.concurrency, (o) =>
    minimise(o.request, WPS_SIMPLER, (candidate) => executes(t, candidate, prefix)),
  );
  const classes = new Map<string, OffenderClass>();
  minimised.forEach((request, i) => {
    const key = describeWPSRequest(request);
    const c = classes.get(key);
    if (c) c.count += 1;
    else classes.set(key, { request, count: 1, example: (chosen[i] as Offender).index });
  });
  return [...classes.values()].sort(
    (a, b) => describeWPSRequest(a.request).length - describeWPSRequest(b.request).length,
  );
}
