import { Router } from 'express';
import { meteringContract } from '@ai-credits/shared/contracts/metering';
import { mount, type ApiKeyActor } from '../../http/endpoint';
import type { Services } from '../../services';

/** Every metering call names its Idempotency-Key (required by the contract, enforced by mount): a retried call then has no second effect. */
const caller = ({ actor, idempotencyKey }: { actor: ApiKeyActor; idempotencyKey: string }) => ({ orgId: actor.orgId, apiKeyId: actor.apiKeyId, idempotencyKey });

export function meteringRouter({ metering }: Services): Router {
  const router = Router();
  mount(router, meteringContract.reserve, (input) => metering.reserve(caller(input), input.body));
  mount(router, meteringContract.settle, (input) => metering.settle(caller(input), input.body));
  mount(router, meteringContract.release, (input) => metering.release(caller(input), input.body));
  mount(router, meteringContract.record, (input) => metering.record(caller(input), input.body));
  return router;
}
