/**
 * Upload sink, run as its own process (so it does not share the bench's event loop):
 * `node --import tsx bench/lib/sink-server.ts PORT`. Reads and discards each request body and
 * answers the byte count, so the bench can check that the whole upload arrived.
 */
import { createServer } from 'node:http';
import { serveTarget } from './serve-target.js';

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
serveTarget(server, port);
