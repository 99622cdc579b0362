import type { ErrorRequestHandler } from 'express';
import { ZodError } from 'zod';
import { HttpError } from './http-error';

function describeZod(error: ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => {
      const where = i.path.length ? i.path.join('.') : 'request';
      return i.code === 'unrecognized_keys' ? `${where}: unknown field(s) ${i.keys.join(', ')}` : `${where}: ${i.message}`;
    })
    .join('; ');
}

/**
 * A client error raised by Express or its libraries (http-errors: a 4xx `status`), e.g. Express's
 * 400 for a path parameter with bad percent-encoding. Kept as the 4xx it is, never turned into 500.
 */
function clientErrorStatus(err: unknown): number | null {
  const e = err as { status?: unknown; statusCode?: unknown } | null;
  const status = typeof e?.status === 'number' ? e.status : typeof e?.statusCode === 'number' ? e.statusCode : null;
  return status !== null && status >= 400 && status < 500 ? status : null;
}

const CLIENT_ERROR_CODES: Partial<Record<number, HttpError['code']>> = { 401: 'UNAUTHENTICATED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 409: 'CONFLICT', 413: 'PAYLOAD_TOO_LARGE' };

/** Express 5 forwards rejected promises here: routes never try/catch. */
export const errorMiddleware: ErrorRequestHandler = (err: unknown, req, res, _next) => {
  let status = 500;
  let code: HttpError['code'] = 'INTERNAL';
  let message = 'Something went wrong on our side';
  const bodyParserType = (err as { type?: string } | null)?.type;

  if (err instanceof HttpError) {
    ({ status, code, message } = err);
  } else if (err instanceof ZodError) {
    status = 400;
    code = 'VALIDATION_FAILED';
    message = describeZod(err);
  } else if (bodyParserType === 'entity.too.large') {
    status = 413;
    code = 'PAYLOAD_TOO_LARGE';
    message = 'Request body is too large';
  } else if (bodyParserType === 'entity.parse.failed') {
    status = 400;
    code = 'VALIDATION_FAILED';
    message = 'Request body is not valid JSON';
  } else if (typeof bodyParserType === 'string') {
    status = 400;
    code = 'VALIDATION_FAILED';
    message = 'Request body could not be read';
  } else if (clientErrorStatus(err) !== null) {
    status = clientErrorStatus(err)!;
    code = CLIENT_ERROR_CODES[status] ?? 'VALIDATION_FAILED';
    message = err instanceof URIError ? 'The request URL is not valid percent-encoding' : 'The request could not be read';
  }

  if (status >= 500) req.log?.error({ err }, 'request failed');
  else req.log?.info({ code, status }, message);
  if (res.headersSent) return;
  res.status(status).json({ error: { code, message } });
};
