import { Router } from 'express';
import { creditsContract } from '@ai-credits/shared/contracts/credits';
import { mount } from '../../http/endpoint';
import type { Services } from '../../services';

export function creditsRouter({ credits, readGate }: Services): Router {
  const router = Router();
  // History, CSV and charts are heavy reads: bounded per org and per instance (lib/read-gate.ts, ADR 020).
  mount(router, creditsContract.summary, ({ actor }) => credits.summary(actor.orgId));
  mount(router, creditsContract.usage, ({ actor, query }) => readGate.run(actor.orgId, () => credits.usage(actor.orgId, query)));
  mount(router, creditsContract.usageCsv, async ({ actor, query }) => readGate.stream(actor.orgId, () => credits.usageCsv(actor.orgId, query)));
  mount(router, creditsContract.apiKeyOptions, ({ actor }) => credits.apiKeyOptions(actor.orgId));
  mount(router, creditsContract.charts, ({ actor, query }) => readGate.run(actor.orgId, () => credits.charts(actor.orgId, query)));
  mount(router, creditsContract.setAiEnabled, ({ actor, body }) => credits.setAiEnabled(actor.orgId, actor.userId, body.enabled));
  mount(router, creditsContract.setOverageLimit, ({ actor, body }) => credits.setOverageLimit(actor.orgId, actor.userId, body.limitCredits));
  return router;
}
