import { z } from 'zod/mini';
import type { ZodError } from 'zod';

/** Every error the API can answer with. The BFF serialises them as `{ error: { code, message } }`. */
export const ERROR_CODES = [
  'VALIDATION_FAILED',
  'PAYLOAD_TOO_LARGE',
  'UNAUTHENTICATED',
  'INVALID_CREDENTIALS',
  'CSRF_FAILED',
  'RATE_LIMITED',
  'FORBIDDEN',
  'EMAIL_NOT_VERIFIED',
  'NOT_FOUND',
  'CONFLICT',
  'EMAIL_TAKEN',
  'PROJECT_ARCHIVED',
  'AI_DISABLED',
  'INSUFFICIENT_CREDITS',
  'OVERAGE_LIMIT_REACHED',
  'BUDGET_REACHED',
  'RESERVATION_NOT_OPEN',
  'RESERVATION_EXPIRED',
  'SETTLE_EXCEEDS_RESERVATION',
  'IDEMPOTENCY_KEY_REUSED',
  'UNKNOWN_MODEL',
  'INVALID_SIGNATURE',
  'PAYMENT_FAILED',
  'GATEWAY_UNAVAILABLE',
  'DATABASE_UNAVAILABLE',
  'DATABASE_BUSY',
  'SHUTTING_DOWN',
  'PROVIDER_FAILED',
  'INTERNAL',
] as const;

export const ErrorCodeSchema = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

export const ApiErrorSchema = z.object({
  error: z.object({ code: ErrorCodeSchema, message: z.string() }),
});
export type ApiErrorBody = z.infer<typeof ApiErrorSchema>;

/** A refused request body/query in words (the BFF's 400 VALIDATION_FAILED message; the mock's too). */
export function describeZodError(error: Pick<ZodError, 'issues'>): string {
  return error.issues
    .slice(0, 5)
    .map((i) => {
      const where = i.path.length ? i.path.join('.') : 'request';
      return i.code === 'unrecognized_keys' ? `${where}: unknown field(s) ${i.keys.join(', ')}` : `${where}: ${i.message}`;
    })
    .join('; ');
}
