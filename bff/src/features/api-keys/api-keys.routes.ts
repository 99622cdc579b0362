import { Router } from 'express';
import { apiKeysContract } from '@ai-credits/shared/contracts/api-keys';
import { mount } from '../../http/endpoint';
import type { Services } from '../../services';

export function apiKeysRouter({ apiKeys, credits }: Services): Router {
  const router = Router();
  mount(router, apiKeysContract.list, async ({ actor }) => ({ apiKeys: await apiKeys.list(actor.orgId) }));
  // Usage is the ledger's read side (credits.service), as in the usage history.
  mount(router, apiKeysContract.usage, ({ actor }) => credits.apiKeyUsage(actor.orgId));
  mount(router, apiKeysContract.create, ({ actor, body }) => apiKeys.create(actor.orgId, actor.userId, body.name));
  mount(router, apiKeysContract.revoke, ({ actor, params }) => apiKeys.revoke(actor.orgId, actor.userId, params.apiKeyId));
  return router;
}
