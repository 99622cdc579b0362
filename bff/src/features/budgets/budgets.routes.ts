import { Router } from 'express';
import { budgetsContract } from '@ai-credits/shared/contracts/budgets';
import { mount } from '../../http/endpoint';
import type { Services } from '../../services';

export function budgetsRouter({ budgets }: Services): Router {
  const router = Router();
  mount(router, budgetsContract.list, ({ actor }) => budgets.list(actor.orgId));
  mount(router, budgetsContract.set, ({ actor, body }) => budgets.set(actor.orgId, actor.userId, body));
  mount(router, budgetsContract.thresholds, ({ actor }) => budgets.thresholds(actor.orgId));
  mount(router, budgetsContract.setThresholds, ({ actor, body }) => budgets.setThresholds(actor.orgId, actor.userId, body));
  mount(router, budgetsContract.notifications, ({ actor }) => budgets.notifications(actor.orgId, actor.userId));
  mount(router, budgetsContract.markRead, ({ actor, body }) => budgets.markRead(actor.orgId, actor.userId, body));
  mount(router, budgetsContract.askForMore, ({ actor, body }) => budgets.askForMore(actor.orgId, actor.userId, body));
  return router;
}
