import { randomInt, randomUUID } from 'node:crypto';
import type { Db } from '../../db/db';
import type { Clock } from '../../lib/clock';
import { installationSecret } from '../../lib/installation-secrets';
import * as repo from './billing.repository';
import { checkoutSignature, hmacHex, secretsSigner, type PaymentGateway, type SimulatedPayment } from './payment-gateway';

/** The sandbox's test cards: the first approves every charge; the second approves at checkout and declines off-session. */
export const SANDBOX_CARDS = { approves: { last4: '1111', brand: 'Visa' }, declines_off_session: { last4: '0002', brand: 'Visa' } } as const;
export const SANDBOX_DECLINE_MESSAGE = 'The card was declined for a payment without the cardholder present (sandbox test card ending 0002).';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Razorpay-shaped ids: `order_` / `pay_` + 14 alphanumerics. */
export function razorpayId(prefix: 'order' | 'pay' | 'rfnd' | 'cust' | 'token'): string {
  let id = '';
  for (let i = 0; i < 14; i++) id += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return `${prefix}_${id}`;
}

export const SANDBOX_KEY_ID = 'rzp_test_sandbox';

export interface SandboxConfig {
  keySecret: string;
  webhookSecret: string;
}

/** Names of the sandbox's signing secrets in installation_secrets (random per installation). */
export const SANDBOX_KEY_SECRET_NAME = 'sandbox_key_secret';
export const SANDBOX_WEBHOOK_SECRET_NAME = 'sandbox_webhook_secret';

/** The sandbox's secrets, read (or made) once per process; a failed read is retried next time. */
export function sandboxSecretsFrom(db: Db): () => Promise<SandboxConfig> {
  let loading: Promise<SandboxConfig> | null = null;
  return () => {
    loading ??= (async () => ({
      keySecret: await installationSecret(db, SANDBOX_KEY_SECRET_NAME),
      webhookSecret: await installationSecret(db, SANDBOX_WEBHOOK_SECRET_NAME),
    }))().catch((err: unknown) => {
      loading = null;
      throw err;
    });
    return loading;
  };
}

/**
 * The local sandbox: behaves like Razorpay test mode (ids, signatures, webhooks) with no
 * network. Its payments live in PostgreSQL (not in this process) so that any BFF instance
 * answers the reconciliation sweep the same way.
 */
export function createSandboxGateway(secrets: () => Promise<SandboxConfig>, deps: { db: Db; clock: Clock }): PaymentGateway {
  const { db, clock } = deps;

  function webhookFor(config: SandboxConfig, event: 'payment.captured' | 'payment.failed', payment: Record<string, unknown>): SimulatedPayment['webhook'] {
    const body = {
      entity: 'event',
      account_id: 'acc_sandbox',
      event,
      contains: ['payment'],
      payload: { payment: { entity: payment } },
      created_at: Math.floor(clock.now().getTime() / 1000),
    };
    const rawBody = Buffer.from(JSON.stringify(body));
    return { rawBody, signature: hmacHex(config.webhookSecret, rawBody), eventId: `evt_sandbox_${randomUUID()}` };
  }

  const gateway: PaymentGateway = {
    mode: 'sandbox',
    name: 'sandbox',
    keyId: SANDBOX_KEY_ID,
    ...secretsSigner(secrets),

    async createOrder(input) {
      return { id: razorpayId('order'), amount: input.amountCents, currency: input.currency, status: 'created' };
    },

    async createCustomer() {
      return razorpayId('cust');
    },

    async chargeSavedCard(input) {
      const config = await secrets();
      const token = await repo.findSandboxToken(db, input.orgId, input.tokenId);
      const paymentId = razorpayId('pay');
      const success = token !== undefined && !token.declines;
      const errorDescription = success ? null : token ? SANDBOX_DECLINE_MESSAGE : 'The saved card is no longer valid (sandbox).';
      const now = clock.now();
      await repo.insertSandboxPayment(db, {
        org_id: input.orgId,
        id: paymentId,
        order_id: input.orderId,
        amount_cents: input.amountCents,
        currency: input.currency,
        status: success ? 'captured' : 'failed',
        method: 'card',
        error_description: errorDescription,
        created_at: now,
      });
      const entity = {
        id: paymentId,
        entity: 'payment',
        amount: input.amountCents,
        currency: input.currency,
        status: success ? 'captured' : 'failed',
        order_id: input.orderId,
        method: 'card',
        recurring: true,
        customer_id: input.customerId,
        token_id: input.tokenId,
        amount_refunded: 0,
        captured: success,
        error_code: success ? null : 'BAD_REQUEST_ERROR',
        error_description: errorDescription,
        notes: input.notes,
        created_at: Math.floor(now.getTime() / 1000),
      };
      return {
        outcome: success ? 'captured' : 'declined',
        paymentId,
        callback: success ? { razorpay_order_id: input.orderId, razorpay_payment_id: paymentId, razorpay_signature: checkoutSignature(config.keySecret, input.orderId, paymentId) } : null,
        webhook: webhookFor(config, success ? 'payment.captured' : 'payment.failed', entity),
        errorDescription,
      };
    },

    async fetchOrderPayments(orderId) {
      const rows = await repo.sandboxPaymentsOfOrder(db, orderId);
      return rows.map((r) => ({
        id: r.id,
        orderId: r.order_id,
        amount: Number(r.amount_cents),
        currency: r.currency,
        status: r.status,
        amountRefunded: 0,
        errorDescription: r.error_description,
      }));
    },

    async simulatePayment(input) {
      const config = await secrets();
      const paymentId = razorpayId('pay');
      const success = input.outcome === 'success';
      const errorDescription = success ? null : 'Your bank declined this payment (sandbox test failure).';
      const now = clock.now();
      await repo.insertSandboxPayment(db, {
        org_id: input.orgId,
        id: paymentId,
        order_id: input.orderId,
        amount_cents: input.amountCents,
        currency: input.currency,
        status: success ? 'captured' : 'failed',
        method: input.method,
        error_description: errorDescription,
        created_at: now,
      });
      const card = SANDBOX_CARDS[input.card];
      let saved: Record<string, unknown> = {};
      if (success && input.saveForCustomer && input.method === 'card') {
        const tokenId = razorpayId('token');
        await repo.insertSandboxToken(db, { org_id: input.orgId, token_id: tokenId, customer_id: input.saveForCustomer, last4: card.last4, declines: input.card === 'declines_off_session', created_at: now });
        const expiry = new Date(now.getTime());
        saved = { customer_id: input.saveForCustomer, token_id: tokenId, card: { entity: 'card', last4: card.last4, network: card.brand, expiry_month: 12, expiry_year: expiry.getUTCFullYear() + 3 } };
      }
      const entity = {
        ...saved,
        id: paymentId,
        entity: 'payment',
        amount: input.amountCents,
        currency: input.currency,
        status: success ? 'captured' : 'failed',
        order_id: input.orderId,
        method: input.method,
        amount_refunded: 0,
        captured: success,
        error_code: success ? null : 'BAD_REQUEST_ERROR',
        error_description: errorDescription,
        notes: { org_id: input.orgId, purchase_id: input.purchaseId },
        created_at: Math.floor(now.getTime() / 1000),
      };
      return {
        paymentId,
        callback: success
          ? {
              razorpay_order_id: input.orderId,
              razorpay_payment_id: paymentId,
              razorpay_signature: checkoutSignature(config.keySecret, input.orderId, paymentId),
            }
          : null,
        webhook: webhookFor(config, success ? 'payment.captured' : 'payment.failed', entity),
        errorDescription,
      };
    },
  };
  return gateway;
}
