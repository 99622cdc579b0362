import { z } from 'zod/mini';
import { endpoint, IdSchema, IsoDateTimeSchema, MillicreditsSchema, TextSchema } from '../api';
import { BalanceAfterSchema, ReservationSchema, UseCaseSchema } from './credits';

/**
 * Server-to-server metering API (docs/product.md "Metering API"): `Authorization: Bearer <org API key>`
 * and a required `Idempotency-Key` header on every call (use a new key per call; the same key
 * and request again returns the first result, the same key with another request is refused 422).
 * Every response carries the resulting balance.
 */
const TokenCount = z.int().check(z.gte(0), z.lte(10_000_000));

const AttributionShape = {
  /** Project the usage belongs to (must be one of the org's). */
  projectId: z.nullish(IdSchema),
  /** User of the org the call was made for (must be a member). */
  userId: z.nullish(IdSchema),
};

export const MeteredUsageSchema = z.object({
  id: IdSchema,
  useCase: UseCaseSchema,
  model: z.string(),
  inputTokens: z.int(),
  outputTokens: z.int(),
  chargedMc: MillicreditsSchema,
  overageMc: MillicreditsSchema,
  occurredAt: IsoDateTimeSchema,
});
export type MeteredUsage = z.infer<typeof MeteredUsageSchema>;

export const ReserveBodySchema = z
  .strictObject({
    useCase: UseCaseSchema,
    model: TextSchema.check(z.minLength(1), z.maxLength(100)),
    ...AttributionShape,
    /** Either the estimate in millicredits ... */
    estimateMc: z.optional(z.int().check(z.positive(), z.lte(Number.MAX_SAFE_INTEGER))),
    /** ... or the most tokens the call can use: the estimate is their cost at the model's rate. */
    maxInputTokens: z.optional(TokenCount),
    maxOutputTokens: z.optional(TokenCount),
  })
  .check(
    z.refine((b) => (b.estimateMc !== undefined) !== (b.maxInputTokens !== undefined && b.maxOutputTokens !== undefined), {
      message: 'give either estimateMc or both maxInputTokens and maxOutputTokens',
    }),
  );

export const meteringContract = {
  reserve: endpoint({
    method: 'POST',
    path: '/api/v1/metering/reserve',
    summary: 'Reserve an estimate before calling a model (refused when AI is off or the org cannot cover it)',
    auth: 'apiKey',
    idempotencyKey: 'required',
    body: ReserveBodySchema,
    response: z.object({ reservation: ReservationSchema, balance: BalanceAfterSchema }),
  }),
  settle: endpoint({
    method: 'POST',
    path: '/api/v1/metering/settle',
    summary: 'Settle a reservation with the real token counts (never more than was reserved)',
    auth: 'apiKey',
    idempotencyKey: 'required',
    body: z.strictObject({ reservationId: IdSchema, inputTokens: TokenCount, outputTokens: TokenCount }),
    response: z.object({ usage: MeteredUsageSchema, balance: BalanceAfterSchema }),
  }),
  release: endpoint({
    method: 'POST',
    path: '/api/v1/metering/release',
    summary: 'Give a reservation back (the model call failed): nothing is charged',
    auth: 'apiKey',
    idempotencyKey: 'required',
    body: z.strictObject({ reservationId: IdSchema }),
    response: z.object({ reservation: ReservationSchema, balance: BalanceAfterSchema }),
  }),
  record: endpoint({
    method: 'POST',
    path: '/api/v1/metering/record',
    summary: 'Record a finished model call in one step (refused when it cannot be covered)',
    auth: 'apiKey',
    idempotencyKey: 'required',
    body: z.strictObject({ useCase: UseCaseSchema, model: TextSchema.check(z.minLength(1), z.maxLength(100)), ...AttributionShape, inputTokens: TokenCount, outputTokens: TokenCount }),
    response: z.object({ usage: MeteredUsageSchema, balance: BalanceAfterSchema }),
  }),
};
