import { request } from 'node:https';
import { privateKeyPem, type TestCert } from './certs.js';

export interface HttpsAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * One GET over HTTPS on a new connection (a new TLS handshake), presenting `client` — its chain leaf
 * first, and the leaf's key — when given. The server's own certificate is not checked: what the
 * tests look at is the client side.
 */
export async function httpsGet(
  url: string,
  client?: { certs: TestCert[]; key: TestCert },
  headers?: Record<string, string>,
): Promise<HttpsAnswer> {
  const key = client ? await privateKeyPem(client.key.key) : undefined;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        agent: false,
        rejectUnauthorized: false,
        ...(headers && { headers }),
        ...(client && { cert: client.certs.map((c) => c.pem.trim()).join('\n'), key }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}
