/**
 * The bad-input corpus: every case of test/corpus/*.json is one `test()` named by its id, sent as
 * written (wire-client.ts) to one Twitcher with a recording upstream (fixtures.ts), sequentially:
 * the upstream's record is cleared before each request, so what it holds afterwards is that case's.
 *
 * Every case is checked for its status, its stable error code (in the format of its surface), the
 * answer's headers and body when it says so, what the upstream must and must not have received, and
 * rules that hold for every answer (check.ts: no 500 for bad input, a 401 carries WWW-Authenticate,
 * a 429 Retry-After, no answer names the upstream, the client's credential never reaches it).
 *
 * ## Proxy and verify agree
 *
 * Every `proxy` case is also sent to `/ows/verify` (test `{id} ~verify`) the way nginx's
 * `auth_request` sends it (docs/deployment.md, docs/nginx/auth-request.conf): a GET without a body,
 * with the case's target, query and headers (credentials included), and the original method and
 * framing in `X-Original-Method`, `X-Original-Content-Length` and `X-Original-Transfer-Encoding`.
 * Its answer must agree with what the case says the proxy does:
 *
 * 1. A request verify can fully see — no body possible: not POST, PUT or PATCH, no Content-Length
 *    above 0, no Transfer-Encoding — or any request to a service that is not OWS-typed (http,
 *    thredds: their bodies are never judged): when the proxy forwards, verify allows (200); when the
 *    proxy refuses, verify refuses with one of the same statuses and the same code.
 * 2. A request that may carry a body, to an OWS-typed service (wps, wms, wfs, wcs, wmts, csw): verify
 *    cannot see the body, so it judges an *unidentified operation* for the credential it can see (a
 *    token in the form body is invisible to it): public service → 200; token or cert service → 401
 *    without a valid credential, 403 for a token without `compute`, else 200; acl service → 200 for an
 *    administrator, 401 anonymous or with a credential that does not validate, else 403. Verify must
 *    answer exactly that when the proxy forwards; when the proxy refuses, verify answers that or the
 *    proxy's status (a refusal on what verify sees as well: path, query, headers).
 *
 * A case may state its own `expect.verify` where neither applies, or `skip` it for a request whose
 * framing nginx refuses before any subrequest. Verify's answer is always the JSON
 * `{access, description, code}` with `access` true exactly on 200.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { TestApp } from '../helpers/app.js';
import { buildBody } from './body-builders.js';
import type { CaseRequest, CorpusCase, CredentialName, HeaderSpec } from './case-types.js';
import {
  checkAnswer,
  checkCode,
  checkInvariants,
  checkResponse,
  checkUpstream,
  type Format,
  statuses,
} from './check.js';
import {
  buildIsolated,
  buildWorld,
  credentialHeader,
  SERVICES,
  TOKEN_CREDENTIALS,
  tokenValue,
  type World,
} from './fixtures.js';
import { sendWire, type WireAnswer, type WireRequest } from './wire-client.js';

const DIR = new URL('.', import.meta.url).pathname;
const OWS_TYPES = new Set(['wps', 'wms', 'wfs', 'wcs', 'wmts', 'csw']);

function loadCases(): { file: string; cases: CorpusCase[] }[] {
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, cases: JSON.parse(readFileSync(join(DIR, file), 'utf8')) as CorpusCase[] }));
}

const files = loadCases();
const ids = files.flatMap((f) => f.cases.map((c) => c.id));
const duplicates = ids.filter((id, i) => ids.indexOf(id) !== i);
if (duplicates.length > 0) throw new Error(`duplicate corpus ids: ${duplicates.join(', ')}`);

const surfaceOf = (c: CorpusCase) => c.surface ?? (c.service === undefined ? 'raw' : 'proxy');

function headerList(spec: HeaderSpec | undefined, fill: (s: string) => string): [string, string][] {
  if (spec === undefined) return [];
  const list = Array.isArray(spec) ? spec : Object.entries(spec);
  return list.map(([n, v]) => [n, fill(v)]);
}

interface Built {
  wire: WireRequest;
  body: Buffer;
  secrets: string[];
}

/** The wire request of a case (or of one of its `before` requests) on one surface. */
function build(
  c: CorpusCase,
  req: CaseRequest,
  on: 'proxy' | 'verify' | 'raw',
  values: Record<string, string>,
): Built {
  const fill = (s: string) => s.replace(/\{([a-z_]+)\}/g, (m, k: string) => values[k] ?? m);
  const headers = headerList(req.headers, fill);
  let query = fill(req.query ?? '');
  let bodyText: string | undefined;
  const credential: CredentialName = c.credential ?? 'none';
  const secrets: string[] = [];
  const place = TOKEN_CREDENTIALS.has(credential) ? (c.credentialIn ?? 'header') : 'header';
  if (place === 'query' || place === 'form') {
    const token = tokenValue(credential, values);
    secrets.push(token);
    if (place === 'query') query = `${query}${query === '' ? '' : '&'}access_token=${token}`;
    else {
      const spec = req.body;
      const text = typeof spec === 'string' ? spec : typeof spec?.['text'] === 'string' ? spec['text'] : '';
      bodyText = `${fill(text)}${text === '' ? '' : '&'}access_token=${token}`;
    }
  } else {
    const line = credentialHeader(credential, values);
    if (line) {
      headers.push(line);
      // a certificate is no secret: the upstream of a cert service may get it by delegation
      if (!credential.startsWith('cert-')) secrets.push(line[1].replace(/^(Bearer|Basic) /, ''));
    }
  }
  const body =
    bodyText !== undefined
      ? Buffer.from(bodyText, 'utf8')
      : req.body === undefined
        ? Buffer.alloc(0)
        : buildBody(req.body, fill);
  let target: string;
  if (req.target !== undefined) {
    target = fill(req.target);
    if (on === 'verify') target = target.replace('/ows/proxy/', '/ows/verify/');
  } else if (on === 'raw') {
    target = `${fill(req.path ?? '/')}${query === '' ? '' : `?${query}`}`;
  } else {
    target = `/ows/${on}/${c.service}${fill(req.path ?? '')}${query === '' ? '' : `?${query}`}`;
  }
  return {
    wire: {
      method: req.method ?? 'GET',
      target,
      headers,
      body,
      contentLength: req.contentLength,
      chunked: req.chunked,
    },
    body,
    secrets,
  };
}

/** The auth subrequest nginx makes for `wire` (see the header comment). */
function asSubrequest(wire: WireRequest): WireRequest {
  const framing = new Set(['content-length', 'transfer-encoding', 'expect']);
  const headers = wire.headers.filter(([n]) => !framing.has(n.toLowerCase()));
  headers.push(['X-Original-Method', wire.method]);
  const declared = wire.headers.find(([n]) => n.toLowerCase() === 'content-length')?.[1];
  const length =
    typeof wire.contentLength === 'number'
      ? String(wire.contentLength)
      : (declared ?? String(wire.body?.length ?? 0));
  if (!wire.chunked && length !== '0') headers.push(['X-Original-Content-Length', length]);
  if (wire.chunked) headers.push(['X-Original-Transfer-Encoding', 'chunked']);
  return { method: 'GET', target: wire.target, headers };
}

/** May the request carry a body verify cannot see? (rule 2 of the header comment) */
function mayCarryBody(wire: WireRequest): boolean {
  if (['POST', 'PUT', 'PATCH'].includes(wire.method.toUpperCase())) return true;
  if (wire.body && wire.body.length > 0) return true;
  if (wire.chunked || (typeof wire.contentLength === 'number' && wire.contentLength > 0)) return true;
  return wire.headers.some(
    ([n, v]) =>
      n.toLowerCase() === 'transfer-encoding' || (n.toLowerCase() === 'content-length' && v !== '0'),
  );
}

/** Verify's answer to an unidentified operation, for the credential it can see. */
function unidentified(auth: string, credential: CredentialName): number {
  const invalid = ['token-deleted', 'token-revoked', 'cert-self', 'cert-expired', 'cert-otherca'];
  if (auth === 'public') return 200;
  if (credential === 'none' || invalid.includes(credential)) return 401;
  if (auth === 'token') {
    if (!TOKEN_CREDENTIALS.has(credential)) return 401;
    return credential === 'token-nocompute' ? 403 : 200;
  }
  if (auth === 'cert') return credential === 'cert-alice' ? 200 : 401;
  return credential === 'root' ? 200 : 403;
}

function verifyExpectation(c: CorpusCase, wire: WireRequest): { statuses: number[]; code?: string } {
  if (c.expect.verify !== undefined && c.expect.verify !== 'skip')
    return { statuses: statuses(c.expect.verify.status), code: c.expect.verify.code };
  const forwarded = c.expect.upstream !== undefined && c.expect.upstream !== 'nothing';
  const proxy = forwarded ? [200] : statuses(c.expect.status);
  const service = SERVICES[c.service ?? ''];
  if (service && OWS_TYPES.has(service.type) && mayCarryBody(wire)) {
    const seen = c.credentialIn === 'form' ? 'none' : (c.credential ?? 'none');
    const status = unidentified(service.auth, seen);
    return { statuses: forwarded ? [status] : [...new Set([...proxy, status])] };
  }
  return { statuses: proxy, ...(!forwarded && c.expect.code !== undefined && { code: c.expect.code }) };
}

function formatOf(
  c: CorpusCase,
  on: 'proxy' | 'verify' | 'raw',
  target: string,
  certsPrefix: string,
): Format {
  if (on === 'verify') return 'verify';
  if (on === 'proxy') return 'ows';
  if (target.startsWith('/oauth/')) return 'oauth';
  if (target.startsWith(`${certsPrefix}/`)) return 'certs';
  return c.service === undefined ? 'problem' : 'ows';
}

let world: World;
let building: Promise<World> | undefined;
const proxyAnswers = new Map<string, WireAnswer>();

after(async () => {
  const built = await building?.catch(() => undefined);
  await built?.close();
});

async function send(app: TestApp, built: Built): Promise<WireAnswer> {
  world.up.seen.length = 0;
  return sendWire(app.url, built.wire);
}

async function runCase(c: CorpusCase, on: 'proxy' | 'verify' | 'raw'): Promise<void> {
  building ??= buildWorld();
  world = await building;
  const isolated = c.isolated ? await buildIsolated(world) : undefined;
  const app = isolated?.app ?? world.app;
  const values = isolated?.values ?? world.values;
  try {
    for (const req of c.before ?? []) {
      for (let i = 0; i < (req.repeat ?? 1); i++) await send(app, build(c, req, on, values));
    }
    const fill = (s: string) => s.replace(/\{([a-z_]+)\}/g, (m, k: string) => values[k] ?? m);
    const built = build(c, c.request, on, values);
    const original = built.wire;
    // proxy-surface cases reach verify as nginx's auth subrequest; verify-only cases as written
    if (on === 'verify' && surfaceOf(c) === 'proxy') built.wire = asSubrequest(original);
    const answer = await send(app, built);
    const seen = [...world.up.seen];
    const problems = checkInvariants(answer, on === 'raw' ? undefined : world.up.url).filter(
      // a connection closed without an answer is the refusal a case may expect (status 0)
      (p) => !(answer.status === 0 && statuses(c.expect.status).includes(0) && p.startsWith('no answer')),
    );
    for (const marker of (c.expect.neverUpstream ?? []).map(fill)) {
      if (
        seen.some((r) => `${r.url}${JSON.stringify(r.headers)}${r.body.toString('latin1')}`.includes(marker))
      ) {
        problems.push(`the upstream saw ${marker.slice(0, 40)}`);
      }
    }
    const format = formatOf(c, on, built.wire.target, app.config.certs.prefix);
    if (on === 'verify') {
      const want =
        surfaceOf(c) === 'verify'
          ? { statuses: statuses(c.expect.status), code: c.expect.code }
          : verifyExpectation(c, original);
      if (!want.statuses.includes(answer.status)) {
        problems.push(
          `verify: expected ${want.statuses.join(' or ')}, got ${answer.status} ${answer.body.toString('utf8').slice(0, 200)}` +
            (proxyAnswers.has(c.id) ? ` (the proxy answered ${proxyAnswers.get(c.id)?.status})` : ''),
        );
      } else if (want.code !== undefined && answer.status >= 400)
        problems.push(...checkCode(answer, 'verify', want.code));
      let access: unknown;
      try {
        access = (JSON.parse(answer.body.toString('utf8')) as { access?: unknown }).access;
      } catch {
        access = undefined;
      }
      const bodyless = built.wire.method === 'HEAD' && answer.body.length === 0;
      if (answer.status !== 0 && !bodyless && !c.expect.protocolError && access !== (answer.status === 200)) {
        problems.push(`verify: access=${String(access)}`);
      }
      if (seen.length > 0) problems.push('verify forwarded something to the upstream');
    } else {
      if (on === 'proxy') proxyAnswers.set(c.id, answer);
      problems.push(...checkAnswer(answer, c.expect, format));
      const predicate =
        typeof c.expect.upstream === 'object' && c.expect.upstream.absentEverywhere
          ? { ...c.expect.upstream, absentEverywhere: c.expect.upstream.absentEverywhere.map(fill) }
          : c.expect.upstream;
      const contentEncoding = built.wire.headers.find(([n]) => n.toLowerCase() === 'content-encoding')?.[1];
      problems.push(
        ...checkUpstream(seen, predicate, { body: built.body, secrets: built.secrets, contentEncoding }),
      );
      if (
        on === 'proxy' &&
        !c.expect.protocolError &&
        c.expect.upstream === 'nothing' &&
        answer.status >= 400 &&
        !/xml/i.test(answer.headers['content-type'] ?? '')
      ) {
        problems.push(
          `a refusal on /ows/proxy is not an ExceptionReport (${answer.headers['content-type']})`,
        );
      }
      if (c.expect.response) {
        const asGet = async () => {
          const get = await send(app, build(c, { ...c.request, method: 'GET' }, on, values));
          return get.body.length;
        };
        problems.push(...(await checkResponse(answer, c.expect.response, fill, asGet)));
      }
    }
    assert.deepEqual(problems, [], `${c.id}: ${c.why}`);
  } finally {
    await isolated?.app.close();
  }
}

for (const { file, cases } of files) {
  describe(`corpus ${file}`, () => {
    for (const c of cases) {
      const surface = surfaceOf(c);
      if (surface === 'proxy') {
        test(c.id, () => runCase(c, 'proxy'));
        if (c.expect.verify !== 'skip') test(`${c.id} ~verify`, () => runCase(c, 'verify'));
      } else {
        test(c.id, () => runCase(c, surface));
      }
    }
  });
}
