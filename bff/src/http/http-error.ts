import type { ErrorCode } from '@ai-credits/shared/errors';

/** The one error type services throw; the error middleware turns it into `{ error: { code, message } }`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    /** Sent as `Retry-After` (429 rate limits, 503s): seconds until the caller may try again. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const notFound = (what: string) => new HttpError(404, 'NOT_FOUND', `${what} not found`);
export const forbidden = (message = 'You do not have permission to do this') => new HttpError(403, 'FORBIDDEN', message);

/** 429 RATE_LIMITED with the seconds until the window reopens (sent as Retry-After). */
export const rateLimited = (message: string, retryAfterSeconds: number) => new HttpError(429, 'RATE_LIMITED', message, Math.max(1, Math.ceil(retryAfterSeconds)));
