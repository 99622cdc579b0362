import { STATUS_CODES } from 'node:http';
import type { ErrorRequestHandler } from 'express';
import { z } from 'zod';
import { retryableDatabaseError } from '../db/db-errors';
import { HttpError } from './http-error';
import { describeZodError } from '@ai-credits/shared/errors';

/** The error code that matches an HTTP status a library error carries (http-errors: send, Express, body-parser). */
function codeForStatus(status: number): HttpError['code'] {
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 404 || status === 405) return 'NOT_FOUND';
  if (status === 409) return 'CONFLICT';
  if (status === 413) return 'PAYLOAD_TOO_LARGE';
  if (status === 429) return 'RATE_LIMITED';
  if (status >= 500) return 'INTERNAL';
  return 'VALIDATION_FAILED';
}

/** The status of an http-errors style error (`status` or `statusCode`, 400-599), if it has one. */
function ownStatus(err: unknown): number | undefined {
  const { status, statusCode } = (err ?? {}) as { status?: unknown; statusCode?: unknown };
  const value = typeof status === 'number' ? status : statusCode;
  return typeof value === 'number' && Number.isInteger(value) && value >= 400 && value <= 599 ? value : undefined;
}

/** Express 5 forwards rejected promises here: routes never try/catch. */
export const errorMiddleware: ErrorRequestHandler = (err: unknown, req, res, _next) => {
  let status = 500;
  let code: HttpError['code'] = 'INTERNAL';
  let message = 'Something went wrong on our side';
  const bodyParserType = (err as { type?: string } | null)?.type;

  if (err instanceof HttpError) {
    ({ status, code, message } = err);
    if (err.retryAfterSeconds !== undefined && !res.headersSent) res.set('Retry-After', String(err.retryAfterSeconds));
  } else if (err instanceof z.core.$ZodError) {
    // Classic ZodError and zod/mini's error alike (the contracts are zod/mini).
    status = 400;
    code = 'VALIDATION_FAILED';
    message = describeZodError(err);
  } else if (bodyParserType === 'entity.too.large') {
    status = 413;
    code = 'PAYLOAD_TOO_LARGE';
    message = 'Request body is too large';
  } else if (bodyParserType === 'entity.parse.failed') {
    status = 400;
    code = 'VALIDATION_FAILED';
    message = 'Request body is not valid JSON';
  } else if (typeof bodyParserType === 'string') {
    // e.g. 415 for an unsupported charset or encoding, 400 for an aborted upload
    status = ownStatus(err) ?? 400;
    code = codeForStatus(status);
    message = status === 415 ? 'Request body has an unsupported charset or encoding' : 'Request body could not be read';
  } else if (retryableDatabaseError(err)) {
    // The request's transaction rolled back (or died with its connection): nothing of it was
    // kept, a retry is safe. One classifier for every such error (db-errors.ts, ADR 020).
    const retryable = retryableDatabaseError(err)!;
    status = 503;
    ({ code, message } = retryable);
    if (!res.headersSent) res.set('Retry-After', String(retryable.retryAfterSeconds));
  } else if (ownStatus(err) !== undefined) {
    // A library error with a status of its own (send's 404 for a file, Express's 400 for a bad
    // path encoding) keeps it: a missing file is not our failure.
    status = ownStatus(err)!;
    code = codeForStatus(status);
    // The status's own words: a library's message may name a file path.
    if (status < 500) message = STATUS_CODES[status] ?? message;
  }

  if (status >= 500) req.log?.error({ err }, 'request failed');
  else req.log?.info({ code, status }, message);
  if (res.headersSent) return;
  res.status(status).json({ error: { code, message } });
};
