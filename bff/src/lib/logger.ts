import pino, { type DestinationStream } from 'pino';

/** Headers that carry a credential: the session cookie, API keys, the CSRF token, gateway signatures. */
const SECRET_HEADERS = ['cookie', 'set-cookie', 'authorization', 'proxy-authorization', 'x-csrf-token', 'x-razorpay-signature', 'x-api-key'];

/** Fields that carry a credential wherever they appear in a logged object (one level deep, as pino's redact matches). */
const SECRET_FIELDS = ['password', 'password_hash', 'token', 'csrfToken', 'csrf_token', 'razorpay_signature', 'signature', 'secret', 'keySecret', 'webhookSecret'];

function withoutSecrets(headers: unknown): unknown {
  if (!headers || typeof headers !== 'object') return headers;
  // A copy: pino-std-serializers hands over the live req.headers object.
  const copy: Record<string, unknown> = { ...(headers as Record<string, unknown>) };
  for (const name of SECRET_HEADERS) if (name in copy) copy[name] = '[redacted]';
  return copy;
}

/**
 * pino-http serializers that replace credential headers of requests and responses, whatever
 * logger the app is given (the redact paths below apply only to loggers made here).
 */
export const httpLogSerializers = {
  req: (req: { headers?: unknown }) => Object.assign(req, { headers: withoutSecrets(req.headers) }),
  res: (res: { headers?: unknown }) => Object.assign(res, { headers: withoutSecrets(res.headers) }),
};

export function createLogger(level: string, destination?: DestinationStream) {
  return pino(
    {
      level,
      redact: {
        paths: [
          ...SECRET_HEADERS.flatMap((h) => [`req.headers["${h}"]`, `res.headers["${h}"]`]),
          ...SECRET_FIELDS.flatMap((f) => [f, `*.${f}`]),
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
export type Logger = ReturnType<typeof createLogger>;
