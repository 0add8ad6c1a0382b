/** Settings of the proxy: its path prefix, upstream timeouts and limits, public operations. */

import { isRecord, isStringList } from '../json-shapes.js';
import { optional, type Parsed, withDefault } from '../setting.js';
import * as t from '../setting-types.js';

/** Per OWS service, the operations open to everyone (unset: the defaults of each service type). */
function publicOperationsOf(value: unknown): Parsed<Record<string, string[]> | undefined> {
  if (value === undefined || isOperationMap(value)) return { value };
  return { error: 'must map service names to lists of operation names' };
}

function isOperationMap(value: unknown): value is Record<string, string[]> {
  return isRecord(value) && Object.values(value).every(isStringList);
}

/** Path prefix of the proxy routes. */
export const PROTECTED_PATH_SETTINGS = {
  protectedPath: withDefault({
    env: 'TWITCHER_PROTECTED_PATH',
    type: t.string({ pattern: /^\/[A-Za-z0-9._~-][A-Za-z0-9._~\-/]*$/, patternHint: 'a path such as /ows' }),
    default: '/ows',
    doc: 'Path prefix of the proxy routes: `{protectedPath}/proxy/{name}` and `{protectedPath}/verify/{name}`.',
  }),
};

/** Requests forwarded to upstream services. */
export const PROXY_SETTINGS = {
  'proxy.connectTimeout': withDefault({
    env: 'TWITCHER_PROXY_CONNECT_TIMEOUT',
    type: t.duration(),
    default: 10_000,
    doc: 'Longest wait for a TCP/TLS connection to an upstream service (then 504). A service overrides it with `limits.connectTimeout`.',
  }),
  'proxy.headersTimeout': withDefault({
    env: 'TWITCHER_PROXY_HEADERS_TIMEOUT',
    type: t.duration(),
    default: 300_000,
    doc:
      'Longest wait for the response headers of an upstream service (then 504). WPS Execute may be slow. A service ' +
      'overrides it with `limits.headersTimeout`.',
  }),
  'proxy.bodyTimeout': withDefault({
    env: 'TWITCHER_PROXY_BODY_TIMEOUT',
    type: t.duration(),
    default: 300_000,
    doc:
      'Longest silence between two chunks of an upstream response body (an idle timeout, not a total one). A ' +
      'service overrides it with `limits.bodyTimeout`.',
  }),
  'proxy.keepAliveTimeout': withDefault({
    env: 'TWITCHER_PROXY_KEEP_ALIVE_TIMEOUT',
    type: t.duration(),
    default: 1500,
    doc:
      'How long an idle connection to an upstream is kept for the next request. Below the idle timeouts of ' +
      'common servers (gunicorn 2 s, Apache httpd and lighttpd 5 s), so that Twitcher drops a connection before ' +
      'the server does; an upstream that announces `Keep-Alive: timeout=N` is kept N − 1 s instead.',
  }),
  'proxy.maxConcurrent': withDefault({
    env: 'TWITCHER_PROXY_MAX_CONCURRENT',
    type: t.integer({ min: 1, max: 100_000 }),
    default: 128,
    doc:
      'Most requests in flight to one registered service at once (each service has its own connections). ' +
      'Beyond it the request is answered at once with 503 and `Retry-After: 1`, so that one slow service cannot ' +
      'hold the connections of the others. A service overrides it with `limits.maxConcurrent`.',
  }),
  'proxy.maxXmlBytes': withDefault({
    env: 'TWITCHER_PROXY_MAX_XML_BYTES',
    type: t.bytes(),
    default: 8 * 1024 * 1024,
    doc:
      'Largest OWS request body (XML or form POST) read to decide on it; larger ones get 413. Other bodies are ' +
      'streamed to the upstream without being read.',
  }),
  'proxy.maxXmlDepth': withDefault({
    env: 'TWITCHER_PROXY_MAX_XML_DEPTH',
    type: t.integer({ min: 4, max: 1000 }),
    default: 64,
    doc: 'Deepest element nesting accepted in an OWS XML request body.',
  }),
  'proxy.publicOperations': optional({
    env: 'TWITCHER_PROXY_PUBLIC_OPERATIONS',
    type: t.json(publicOperationsOf),
    defaultDoc: 'GetCapabilities and the describe operations of each service type',
    doc:
      'Operations open to everyone on `auth: token|cert` services, per OWS service, e.g. ' +
      '`{"wps": ["GetCapabilities", "DescribeProcess"], "wms": ["GetCapabilities"]}`. Services left out keep the default.',
  }),
};
