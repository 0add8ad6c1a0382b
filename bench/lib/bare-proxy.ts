/**
 * The platform's limit for a Node proxy: a bare node:http server streaming every request to its
 * upstream through undici (`Pool.stream()` writing the answer straight into the response, keep-alive
 * pools), with no routing, no authorization, no header policy. Run as its own process, like the
 * sink: `node --import tsx bench/lib/bare-proxy.ts PORT STATIC_ORIGIN SINK_ORIGIN`. `/sink/…` goes
 * to the sink as `/…`, everything else to the static upstream.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { Pool } from 'undici';
import { serveTarget } from './serve-target.js';

const [portArg, staticOrigin, sinkOrigin] = process.argv.slice(2);
const port = Number(portArg);
if (!Number.isInteger(port) || port <= 0 || !staticOrigin || !sinkOrigin) {
  process.stderr.write('usage: bare-proxy.ts PORT STATIC_ORIGIN SINK_ORIGIN\n');
  process.exit(2);
}

// The same pool settings as Twitcher's upstream agents (src/proxy/agents.ts).
const pool = (origin: string) =>
  new Pool(origin, { connections: 256, pipelining: 1, keepAliveTimeout: 30_000 });
const upstream = { static: pool(staticOrigin), sink: pool(sinkOrigin) };
/** Connection-scoped fields (RFC 9110 §7.6.1) do not cross a proxy; undici sets its own host. */
const HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'host',
]);
const endToEnd = (h: IncomingHttpHeaders | Record<string, string | string[] | undefined>) =>
  Object.fromEntries(Object.entries(h).filter(([k]) => !HOP.has(k))) as Record<string, string | string[]>;

const server = createServer((req, res) => {
  const url = req.url ?? '/';
  const toSink = url.startsWith('/sink/');
  const bodyless = req.method === 'GET' || req.method === 'HEAD';
  (toSink ? upstream.sink : upstream.static)
    .stream(
      {
        path: toSink ? url.slice('/sink'.length) : url,
        method: req.method as 'GET',
        headers: endToEnd(req.headers),
        body: bodyless ? null : req,
      },
      ({ statusCode, headers }) => {
        res.writeHead(statusCode, endToEnd(headers));
        return res;
      },
    )
    .catch(() => {
      if (res.headersSent) res.destroy();
      else res.writeHead(502).end();
    });
});
serveTarget(server, port, () => {
  void upstream.static.destroy();
  void upstream.sink.destroy();
});
