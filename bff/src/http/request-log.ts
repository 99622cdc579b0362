import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Level, LevelWithSilent, LogFn } from 'pino';
import type { Logger } from '../lib/logger';
import { httpLogSerializers } from '../lib/logger';

declare module 'node:http' {
  interface IncomingMessage {
    /** The request's id (X-Request-Id, or a fresh one). */
    id: string;
    /** Logs with this request's id. */
    log: RequestLog;
  }
}

/**
 * A request's logger: lines carry its id (`reqId`). The pino child behind it is made on the
 * first line (a plain object on every request, no child logger).
 */
export class RequestLog {
  #logger: Logger | undefined;
  constructor(
    private readonly base: Logger,
    readonly reqId: string,
  ) {}
  get logger(): Logger {
    return (this.#logger ??= this.base.child({ reqId: this.reqId }));
  }
  error(...args: Parameters<LogFn>) {
    this.logger.error(...args);
  }
  warn(...args: Parameters<LogFn>) {
    this.logger.warn(...args);
  }
  info(...args: Parameters<LogFn>) {
    this.logger.info(...args);
  }
  debug(...args: Parameters<LogFn>) {
    this.logger.debug(...args);
  }
}

/** A request id we take from the proxy: short and plain, so a client cannot inject log noise through it. */
const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Request logging: one line when a response completes (`request completed`, or `request errored`
 * for an error or a 5xx), with the request's id, method and URL, the status and the response time;
 * the same lines pino-http wrote with `quietReqLogger` and our serializers (lib/logger.ts).
 *
 * Written for the metering hot path (issue 19): the per-request child loggers (and pino's
 * redaction of their bindings) are made only when a line is written (RequestLog), and the
 * request line only when its level is enabled: a successful call logs at debug, so production
 * makes neither.
 *
 * nginx's $request_id (X-Request-Id) names the request in every log line of every hop; without
 * one, a fresh id. It is echoed in the response's X-Request-Id header.
 */
export function requestLogging(
  logger: Logger,
  options: { autoLogging: boolean; level: (req: IncomingMessage, res: ServerResponse, err: Error | undefined) => Level },
) {
  const base = logger.child({}, { serializers: httpLogSerializers });
  return (req: IncomingMessage, res: ServerResponse, next: () => void) => {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    res.setHeader('x-request-id', id);
    req.id = id;
    const log = new RequestLog(base, id);
    req.log = log;
    if (options.autoLogging) {
      const start = Date.now();
      const done = (err?: Error) => {
        res.removeListener('close', done);
        res.removeListener('finish', done);
        res.removeListener('error', done);
        const level: LevelWithSilent = options.level(req, res, err);
        if (!base.isLevelEnabled(level)) return;
        const line = log.logger.child({ req });
        const responseTime = Date.now() - start;
        if (err || res.statusCode >= 500) {
          line[level]({ res, err: err ?? new Error(`failed with status code ${res.statusCode}`), responseTime }, 'request errored');
        } else {
          line[level]({ res, responseTime }, 'request completed');
        }
      };
      res.on('close', done);
      res.on('finish', done);
      res.on('error', done);
    }
    next();
  };
}
