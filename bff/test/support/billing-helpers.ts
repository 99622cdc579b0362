import { createHmac, randomUUID } from 'node:crypto';
import { installationSecret } from '../../src/lib/installation-secrets';
import { SANDBOX_KEY_SECRET_NAME, SANDBOX_WEBHOOK_SECRET_NAME } from '../../src/features/billing/sandbox-gateway';
import type { TestApp } from './harness';

/** The sandbox gateway's signing secrets of this installation (made on first use, stored in PostgreSQL). */
export async function sandboxSecrets(app: TestApp) {
  return { keySecret: await installationSecret(app.db, SANDBOX_KEY_SECRET_NAME), webhookSecret: await installationSecret(app.db, SANDBOX_WEBHOOK_SECRET_NAME) };
}

/** A Razorpay-style webhook body, signed over its exact bytes with `secret`. */
export function signedWebhook(secret: string, event: string, entities: { payment?: Record<string, unknown>; order?: Record<string, unknown>; refund?: Record<string, unknown> }) {
  const payload: Record<string, { entity: Record<string, unknown> }> = {};
  for (const [k, v] of Object.entries(entities)) if (v) payload[k] = { entity: v };
  const rawBody = JSON.stringify({ entity: 'event', account_id: 'acc_test', event, contains: Object.keys(payload), payload, created_at: Math.floor(Date.now() / 1000) });
  return { rawBody, signature: createHmac('sha256', secret).update(rawBody).digest('hex'), eventId: `evt_${randomUUID().replace(/-/g, '').slice(0, 14)}` };
}

export function paymentEntity(input: { id: string; orderId: string; amount: number; status: string; orgId?: string; amountRefunded?: number; error?: string }) {
  return {
    id: input.id,
    entity: 'payment',
    amount: input.amount,
    currency: 'USD',
    status: input.status,
    order_id: input.orderId,
    method: 'card',
    amount_refunded: input.amountRefunded ?? 0,
    captured: input.status === 'captured',
    error_description: input.error ?? null,
    notes: input.orgId ? { org_id: input.orgId } : [],
  };
}

export async function postWebhook(app: TestApp, hook: { rawBody: string; signature: string; eventId: string }) {
  const res = await fetch(`${app.baseUrl}/api/billing/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-razorpay-signature': hook.signature, 'x-razorpay-event-id': hook.eventId },
    body: hook.rawBody,
  });
  return { status: res.status, body: (await res.json()) as { received?: true; error?: { code: string; message: string } } };
}

export async function purchaseGrants(app: TestApp, orgId: string, purchaseId: string) {
  return app.db.selectFrom('grants').selectAll().where('org_id', '=', orgId).where('purchase_id', '=', purchaseId).execute();
}

export async function purchaseRow(app: TestApp, orgId: string, purchaseId: string) {
  return app.db.selectFrom('purchases').selectAll().where('org_id', '=', orgId).where('id', '=', purchaseId).executeTakeFirstOrThrow();
}
