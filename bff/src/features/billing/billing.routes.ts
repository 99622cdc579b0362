import { Router } from 'express';
import { billingContract } from '@ai-credits/shared/contracts/billing';
import { mount } from '../../http/endpoint';
import type { Services } from '../../services';

export function billingRouter(services: Pick<Services, 'billing'>): Router {
  const { billing } = services;
  const router = Router();

  mount(router, billingContract.createPurchase, ({ actor, body }) => billing.createBundlePurchase(actor, body.bundleId));
  mount(router, billingContract.payInvoice, ({ actor, params }) => billing.payInvoice(actor, params.invoiceId));
  mount(router, billingContract.verifyPurchase, ({ actor, params, body }) => billing.verifyCallback(actor, params.purchaseId, body));
  mount(router, billingContract.webhook, async ({ rawBody, header }) => {
    await billing.handleWebhook(rawBody, header('x-razorpay-signature'), header('x-razorpay-event-id'));
    return { received: true as const };
  });
  if (billing.gateway.mode === 'sandbox') {
    mount(router, billingContract.sandboxPay, ({ actor, body }) => billing.sandboxPay(actor, body));
  }
  mount(router, billingContract.history, ({ actor }) => billing.history(actor.orgId));
  mount(router, billingContract.receipt, ({ actor, params }) => billing.receipt(actor.orgId, params.purchaseId));
  return router;
}
