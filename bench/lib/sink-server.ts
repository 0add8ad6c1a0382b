/**
 * Upload sink, run as its own process (so it does not share the bench's event loop):
 * `node --import tsx bench/lib/sink-server.ts PORT`. Reads and discards each request body and
 * answers the byte count, so the bench can check that the whole upload arrived.
 */
import { createServer } from 'node:http';

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  process.stderr.write('usage: sink-server.ts PORT\n');
  process.exit(2);
}

const server = createServer((req, res) => {
  let bytes = 0;
  req.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
  });
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(String(bytes));
  });
  req.on('error', () => res.destroy());
});
// Node's defaults close idle keep-alive sockets after 5 s and cap request time at 5 min; the proxies
// in front keep pooled connections, so do not let the sink drop them mid-run.
server.keepAliveTimeout = 60_000;
server.requestTimeout = 0;
server.listen(port, '127.0.0.1', () => process.stdout.write('ready\n'));

const stop = () => {
  server.close(() => process.exit(0));
  // close() alone waits for the proxies' pooled keep-alive sockets.
  server.closeAllConnections();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
