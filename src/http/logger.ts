import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';
import type { DestinationStream } from 'pino';

/** Query parameters whose values never reach a log line. */
const SECRET_PARAMS =
  /^(access_token|token|client_secret|password|passphrase|secret|code|refresh_token|macaroon)$/i;

/** `/x?access_token=abc&a=1` → `/x?access_token=[redacted]&a=1`; cheap when there is no query. */
export function redactURL(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const parts = url.slice(q + 1).split('&');
  let changed = false;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] ?? '';
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    let name = key;
    try {
      name = decodeURIComponent(key.replace(/\+/g, ' '));
    } catch {
      // a malformed escape: judge the raw key
    }
    if (SECRET_PARAMS.test(name)) {
      parts[i] = `${key}=[redacted]`;
      changed = true;
    }
  }
  return changed ? `${url.slice(0, q)}?${parts.join('&')}` : url;
}

interface RequestLike {
  id: string;
  method: string;
  url: string;
  ip?: string;
  socket?: { remoteAddress?: string | undefined };
}

/**
 * JSON lines with a request id. Credentials never reach a line: request headers are not logged at
 * all, URLs are redacted, and these paths are censored should any code log them.
 */
export function loggerOptions(level: string, stream?: DestinationStream): FastifyServerOptions['logger'] {
  return {
    level,
    ...(stream && { stream }),
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'headers.authorization',
        'headers.cookie',
        'password',
        '*.password',
        'client_secret',
        '*.client_secret',
        'access_token',
        '*.access_token',
        'token',
        '*.token',
      ],
      censor: '[redacted]',
    },
    serializers: {
      req(req: RequestLike) {
        return {
          id: req.id,
          method: req.method,
          url: redactURL(req.url),
          remoteAddress: req.ip ?? req.socket?.remoteAddress,
        };
      },
    },
  };
}

export type Logger = FastifyBaseLogger;
