import type { Server } from 'node:http';

/**
 * Serves a bench target run as its own process (the sink, the bare proxy) on 127.0.0.1:`port`:
 * prints `ready` once listening, and on SIGTERM or SIGINT drops every connection, calls `onStop`
 * and exits.
 */
export function serveTarget(server: Server, port: number, onStop: () => void = () => {}): void {
  // Node's defaults close idle keep-alive sockets after 5 s and cap request time at 5 min; the load
  // generators and proxies in front keep pooled connections for the whole run.
  server.keepAliveTimeout = 60_000;
  server.requestTimeout = 0;
  server.listen(port, '127.0.0.1', () => process.stdout.write('ready\n'));
  const stop = () => {
    server.close(() => process.exit(0));
    // close() alone waits for the pooled keep-alive sockets.
    server.closeAllConnections();
    onStop();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
