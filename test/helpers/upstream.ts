import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { TestContext } from 'node:test';

/** What the fake upstream saw of one request. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export interface Upstream {
  url: string;
  port: number;
  seen: SeenRequest[];
  server: Server;
  close(): Promise<void>;
}

/**
 * A tiny in-process upstream on a free loopback port, for unit tests of the proxy (interop tests use
 * the real PyWPS and MapServer). `handler` may answer itself; by default it echoes the request as JSON.
 */
export async function startUpstream(
  t: TestContext | undefined,
  handler?: (req: IncomingMessage, res: ServerResponse, body: Buffer, up: Upstream) => void,
  options: { readBody?: boolean } = {},
): Promise<Upstream> {
  const seen: SeenRequest[] = [];
  const up = { seen } as Upstream;
  const server = createServer((req, res) => {
    const respond = (body: Buffer) => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      if (handler) return handler(req, res, body, up);
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({ method: req.method, url: req.url, headers: req.headers, bodyLength: body.length }),
      );
    };
    if (options.readBody === false) return respond(Buffer.alloc(0));
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => respond(Buffer.concat(chunks)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  Object.assign(up, {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
  t?.after(() => up.close());
  return up;
}
