import { Router } from 'express';
import { IdempotencyKeySchema } from '@ai-credits/shared/api';
import { meteringContract } from '@ai-credits/shared/contracts/metering';
import { mount, type Actor } from '../../http/endpoint';
import { HttpError } from '../../http/http-error';
import type { Services } from '../../services';

/** Every metering call must name its Idempotency-Key: a retried call then has no second effect. */
function caller(input: { actor: Actor; header(name: string): string | undefined }) {
  const key = input.header('idempotency-key');
  if (key === undefined) throw new HttpError(400, 'VALIDATION_FAILED', 'The Idempotency-Key header is required');
  const parsed = IdempotencyKeySchema.safeParse(key);
  if (!parsed.success) throw new HttpError(400, 'VALIDATION_FAILED', 'Idempotency-Key: 8 to 200 letters, digits and _ . : -');
  return { orgId: input.actor.orgId, apiKeyId: input.actor.apiKeyId!, idempotencyKey: parsed.data };
}

export function meteringRouter({ metering }: Services): Router {
  const router = Router();
  mount(router, meteringContract.reserve, {}, (input) => metering.reserve(caller(input), input.body));
  mount(router, meteringContract.settle, {}, (input) => metering.settle(caller(input), input.body));
  mount(router, meteringContract.release, {}, (input) => metering.release(caller(input), input.body));
  mount(router, meteringContract.record, {}, (input) => metering.record(caller(input), input.body));
  return router;
}
