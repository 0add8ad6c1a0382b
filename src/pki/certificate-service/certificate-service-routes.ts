import { X509Certificate } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseBasicAuthorization } from '../../auth/basic.js';
import { CredentialThrottle } from '../../auth/failure-limiter.js';
import type { Config } from '../../config/config.js';
import { TwitcherError } from '../../errors.js';
import { formBodyAsText, renderErrorsAs } from '../../http/surface.js';
import type { Metrics } from '../../metrics/metrics.js';
import { type ParsedCSR, parseCertificateRequest } from '../ca/csr.js';
import type { LogonBackend } from './logon-backend.js';

interface Options {
  config: Config;
  /** Who authenticates and issues: the built-in CA or a MyProxy server. */
  backend: LogonBackend;
  /** Logons are counted by backend and outcome. */
  metrics?: Metrics | undefined;
}

const tags = ['certificates'];
const CHALLENGE = 'Basic realm="Twitcher certificate service", charset="UTF-8"';

/**
 * The certificate service, wire-compatible with cedadev's MyProxyWebService: `GET {prefix}/get-trustroots`
 * (one `name=base64` line per trust-root file) and `POST {prefix}/logon` (HTTP Basic, form field
 * `certificate_request` = PEM or base64 DER CSR; answer: the issued certificate chain as PEM
 * text/plain, the new certificate first). The backend authenticates and issues; failed logons are
 * limited here, whatever the backend. Errors are short text/plain lines, as MyProxyWebService's
 * clients expect, with the stable code in `X-Twitcher-Error`.
 */
export async function certificateServiceRoutes(
  app: FastifyInstance,
  { config, backend, metrics }: Options,
): Promise<void> {
  const prefix = config.certs.prefix;
  formBodyAsText(app);
  renderErrorsAs(app, (reply, err) =>
    sendText(
      reply.code(err.status).headers(err.headers).header('x-twitcher-error', err.code),
      `${err.description}\n`,
    ),
  );

  app.get(
    `${prefix}/get-trustroots`,
    { schema: { tags, summary: 'Trust roots: one name=base64 line per file' } },
    async (_r, reply) => {
      const files = await backend.trustRoots();
      return sendText(reply, files.map((f) => `${f.name}=${f.data.toString('base64')}`).join('\n'));
    },
  );
  // MyProxyWebService answers 400 (not 405) to another method on get-trustroots: kept for its clients.
  app.route({
    method: ['POST', 'PUT', 'DELETE', 'PATCH'],
    url: `${prefix}/get-trustroots`,
    schema: { hide: true },
    handler: async () => {
      throw new TwitcherError('invalid_request', { description: 'HTTP Request method not recognised' });
    },
  });

  const handler = logonHandler(config, backend, new CredentialThrottle(config.certs.maxFailures));
  const logon = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    try {
      const answered = await handler(request, reply);
      metrics?.certificateLogon(backend.name, 'issued');
      return answered;
    } catch (err) {
      metrics?.certificateLogon(backend.name, err instanceof TwitcherError ? err.code : 'internal_error');
      throw err;
    }
  };
  app.post(
    `${prefix}/logon`,
    {
      schema: {
        tags,
        summary:
          'Log on: HTTP Basic + certificate_request (PEM or base64 DER CSR) → a short-lived certificate chain (PEM)',
        security: [{ basicAuth: [] }],
      },
    },
    logon,
  );
  app.route({
    method: ['GET', 'PUT', 'DELETE', 'PATCH'],
    url: `${prefix}/logon`,
    schema: { hide: true },
    exposeHeadRoute: false,
    handler: async () => {
      throw new TwitcherError('method_not_allowed', {
        description: 'HTTP Request method not recognised',
        headers: { Allow: 'POST' },
      });
    },
  });
}

/** The form of a logon: the CSR (checked) and the lifetime asked for, each given at most once. */
function readLogonForm(body: unknown, maxLifetime: number): { csr: ParsedCSR; lifetimeSeconds: number } {
  const form = new URLSearchParams(typeof body === 'string' ? body : '');
  // a field given twice is two requests in one: which one a reader takes is its own choice
  for (const field of ['certificate_request', 'lifetime']) {
    if (form.getAll(field).length > 1) {
      throw new TwitcherError('invalid_request', {
        description: `Error loading input certificate request: ${field} is given more than once`,
      });
    }
  }
  const raw = form.get('certificate_request');
  if (!raw)
    throw new TwitcherError('invalid_request', {
      description: 'Error loading input certificate request: certificate_request is missing',
    });
  const csr = parseCertificateRequest(restorePluses(raw));
  return { csr, lifetimeSeconds: requestedLifetime(form.get('lifetime'), maxLifetime) };
}

/** POST {prefix}/logon: authenticate (limited), issue through the backend, log, answer the PEM chain. */
function logonHandler(config: Config, backend: LogonBackend, throttle: CredentialThrottle) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const creds = parseBasicAuthorization(request.headers.authorization);
    if (!creds) throw unauthorized('No username set');
    throttle.check(creds.username, request.ip, 'Too many failed logons; try again later.');
    const { csr, lifetimeSeconds } = readLogonForm(request.body, config.certs.lifetime);

    let chain: string;
    try {
      chain = await backend.logon({
        username: creds.username,
        password: creds.password,
        csr,
        lifetimeSeconds,
        clientAddress: request.ip,
      });
    } catch (err) {
      if (!(err instanceof TwitcherError) || err.code !== 'invalid_credentials') throw err;
      throttle.failed(creds.username, request.ip);
      request.log.warn(
        { username: creds.username, backend: backend.name, detail: err.detail },
        'certificate logon: authentication failed',
      );
      throw unauthorized(err.description, err);
    }
    throttle.succeeded(creds.username, request.ip);
    const leaf = new X509Certificate(chain);
    request.log.info(
      {
        username: creds.username,
        backend: backend.name,
        serial: leaf.serialNumber.toLowerCase(),
        subject: leaf.subject.replace(/\n/g, ','),
        notAfter: leaf.validTo,
      },
      'certificate issued',
    );
    return sendText(reply, chain);
  };
}

function unauthorized(description: string, cause?: TwitcherError): TwitcherError {
  return new TwitcherError('invalid_credentials', {
    description,
    headers: { 'WWW-Authenticate': CHALLENGE },
    ...(cause && { detail: cause.detail, cause }),
  });
}

/** The `lifetime` form field (seconds): at least 60, never more than `certs.lifetime`. */
function requestedLifetime(asked: string | null, max: number): number {
  if (asked === null) return max;
  const n = Number(asked);
  if (!Number.isInteger(n) || n < 60) {
    throw new TwitcherError('invalid_request', {
      description: 'lifetime must be a whole number of seconds, at least 60',
    });
  }
  return Math.min(n, max);
}

function sendText(reply: FastifyReply, body: string): FastifyReply {
  return reply.header('cache-control', 'no-store').type('text/plain; charset=utf-8').send(body);
}

/**
 * A PEM sent in a form without escaping its `+` arrives with spaces in the base64 lines
 * (MyProxyWebService's own shell client escapes only `+`); base64 has no spaces, so put them back.
 */
function restorePluses(text: string): string {
  return text
    .split(/\r?\n/)
    .map((line) => (line.startsWith('-----') ? line : line.replace(/ /g, '+')))
    .join('\n');
}
