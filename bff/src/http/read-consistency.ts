import type { RequestHandler } from 'express';
import type { ReadRouter } from '../db/read-db';
import { readScope } from '../lib/read-scope';
import { getActor } from './endpoint';

/** The header a response answered from a lagging replica carries: when its data is as of (ISO 8601). */
export const DATA_AS_OF_HEADER = 'X-Data-As-Of';

/**
 * Read-your-writes and "as of" for replica reads (ADR 023). A signed-in user's successful write
 * sends that org's next reads to the primary until the replica has replayed it; a response
 * answered from a replica that lags says how old its data is in X-Data-As-Of.
 */
export function readConsistency(reads: ReadRouter): RequestHandler {
  return (req, res, next) => {
    const scope = { asOf: null as Date | null };
    const writeHead = res.writeHead;
    // The header is added when the response starts (a streamed CSV starts after its first page is read).
    res.writeHead = function (this: typeof res, ...args: Parameters<typeof writeHead>) {
      if (scope.asOf && !res.headersSent) res.setHeader(DATA_AS_OF_HEADER, scope.asOf.toISOString());
      return writeHead.apply(this, args);
    } as typeof writeHead;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.once('finish', () => {
        const actor = getActor(res);
        if (actor?.userId && res.statusCode < 400) reads.noteWrite(actor.orgId);
      });
    }
    readScope.run(scope, next);
  };
}
