import { type FastifyBaseLogger, LogController } from 'fastify';

type Req = Parameters<LogController['requestCompleted']>[1];
type Rep = Parameters<LogController['requestCompleted']>[2];

/**
 * One JSON access line per request (fastify writes two: "incoming" and "completed"), with the
 * request (URL redacted by the logger's serializer), the status and the time taken.
 *
 * The line of a request that went well holds only those fields, none of them a secret, so it is
 * written by a logger without the path redaction (which clones and re-serialises every logged
 * object: a tenth of a small proxied request's CPU at the `info` level). Errors keep it.
 */
export class AccessLog extends LogController {
  #plain: FastifyBaseLogger | undefined;

  /** Called once the application's logger exists. */
  attach(root: FastifyBaseLogger): void {
    this.#plain = root.child({}, { redact: [] });
  }

  override incomingRequest(): void {}

  override requestCompleted(error: Error | null, request: Req, reply: Rep): void {
    const fields = { req: request, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 100) / 100 };
    if (error) reply.log.error({ ...fields, err: error }, 'request errored');
    else if (this.#plain) this.#plain.info({ reqId: request.id, ...fields }, 'request completed');
    else reply.log.info(fields, 'request completed');
  }
}
