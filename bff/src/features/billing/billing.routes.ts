import { Router } from 'express';
import { billingContract } from '@ai-credits/shared/contracts/billing';
import { mount } from '../../http/endpoint';
import type { Services } from '../../services';

/** The gateway's `created_at` (epoch seconds) of a webhook body, for the lag metric; undefined when absent or unreadable. */
function eventCreatedAt(rawBody: Buffer | undefined): number | undefined {
  try {
    const createdAt: unknown = rawBody ? (JSON.parse(rawBody.toString('utf8')) as { created_at?: unknown }).created_at : undefined;
    return typeof createdAt === 'number' ? createdAt : undefined;
  } catch {
    return undefined;
  }
}

export function billingRouter(services: Pick<Services, 'billing' | 'billingProfile' | 'autoTopUp' | 'statements' | 'metrics' | 'clock'>): Router {
  const { billing, billingProfile, autoTopUp, statements, metrics, clock } = services;
  const router = Router();

  mount(router, billingContract.createPurchase, ({ actor, body }) => billing.createBundlePurchase(actor, body.bundleId, { saveCard: body.saveCard }));
  mount(router, billingContract.payInvoice, ({ actor, params }) => billing.payInvoice(actor, params.invoiceId));
  mount(router, billingContract.verifyPurchase, ({ actor, params, body }) => billing.verifyCallback(actor, params.purchaseId, body));
  mount(router, billingContract.webhook, async ({ rawBody, header }) => {
    await billing.handleWebhook(rawBody, header('x-razorpay-signature'), header('x-razorpay-event-id'));
    metrics.recordWebhook(eventCreatedAt(rawBody), clock.now());
    return { received: true as const };
  });
  if (billing.gateway.mode === 'sandbox') {
    mount(router, billingContract.sandboxPay, ({ actor, body }) => billing.sandboxPay(actor, body));
  }
  mount(router, billingContract.history, ({ actor }) => billing.history(actor.orgId));
  mount(router, billingContract.profile, ({ actor }) => billingProfile.get(actor.orgId));
  mount(router, billingContract.setProfile, ({ actor, body }) => billingProfile.set(actor, body));
  mount(router, billingContract.autoTopUp, ({ actor }) => autoTopUp.state(actor.orgId));
  mount(router, billingContract.setAutoTopUp, ({ actor, body }) => autoTopUp.set(actor, body));
  mount(router, billingContract.removePaymentMethod, ({ actor }) => autoTopUp.removePaymentMethod(actor));
  mount(router, billingContract.taxInvoice, ({ actor, params }) => billing.taxInvoicePdf(actor.orgId, params.purchaseId));
  mount(router, billingContract.statements, ({ actor }) => statements.list(actor.orgId));
  mount(router, billingContract.statement, ({ actor, params }) => statements.statement(actor.orgId, params.period));
  mount(router, billingContract.statementPdf, ({ actor, params }) => statements.pdf(actor.orgId, params.period));
  mount(router, billingContract.statementCsv, ({ actor, params }) => statements.csv(actor.orgId, params.period));
  mount(router, billingContract.receipt, ({ actor, params }) => billing.receipt(actor.orgId, params.purchaseId));
  return router;
}
