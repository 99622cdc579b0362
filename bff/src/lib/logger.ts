import pino, { type DestinationStream } from 'pino';

/** Headers that carry a credential: the session cookie, API keys, the CSRF token, gateway signatures. */
const SECRET_HEADERS = ['cookie', 'set-cookie', 'authorization', 'proxy-authorization', 'x-csrf-token', 'x-razorpay-signature', 'x-api-key'];

/** Fields that carry a credential wherever they appear in a logged object (one level deep, as pino's redact matches). */
const SECRET_FIELDS = ['password', 'password_hash', 'token', 'csrfToken', 'csrf_token', 'razorpay_signature', 'signature', 'secret', 'keySecret', 'webhookSecret'];

/**
 * The request log's serializers (http/request-log.ts): a request is logged as its id, method
 * and URL, a response as its status. No headers, so no credential (cookie, set-cookie, Authorization, CSRF token, API key,
 * gateway signature) can reach the log whatever logger the app is given, and nothing is copied
 * on the hot path of every metering call (docs/benchmarks.md).
 */
export const httpLogSerializers = {
  req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
  res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
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
