import { LogController } from 'fastify';

type Req = Parameters<LogController['requestCompleted']>[1];
type Rep = Parameters<LogController['requestCompleted']>[2];

/**
 * One JSON access line per request (fastify writes two: "incoming" and "completed"), with the
 * request (URL redacted by the logger's serializer), the status and the time taken.
 */
export class AccessLog extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null, request: Req, reply: Rep): void {
    const fields = { req: request, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 100) / 100 };
    if (error) reply.log.error({ ...fields, err: error }, 'request errored');
    else reply.log.info(fields, 'request completed');
  }
}
