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
  }

  if (status >= 500) req.log?.error({ err }, 'request failed');
  else req.log?.info({ code, status }, message);
  if (res.headersSent) return;
  res.status(status).json({ error: { code, message } });
};
