import { writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { makeCert, privateKeyPem, type TestCert } from './certs.js';

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

export interface ServerCertificateFiles {
  certFile: string;
  keyFile: string;
}

/** A self-signed `CN=localhost` server certificate and its key (mode 0600), written into `dir`. */
export async function writeServerCertificate(dir: string): Promise<ServerCertificateFiles> {
  const server = await makeCert({ subject: [{ CN: ['localhost'] }] });
  const certFile = join(dir, 'server.pem');
  const keyFile = join(dir, 'server.key');
  writeFileSync(certFile, server.pem);
  writeFileSync(keyFile, await privateKeyPem(server.key), { mode: 0o600 });
  return { certFile, keyFile };
}

/**
 * The settings of a Twitcher with its TLS listener on (a fresh server certificate in `dir`) that
 * trusts `clientCA` for client certificates.
 */
export async function tlsListenerSettings(dir: string, clientCA: TestCert): Promise<Record<string, unknown>> {
  const { certFile, keyFile } = await writeServerCertificate(dir);
  const caFile = join(dir, 'client-ca.pem');
  writeFileSync(caFile, clientCA.pem);
  return { 'tls.certFile': certFile, 'tls.keyFile': keyFile, 'clientCerts.caFile': caFile };
}
