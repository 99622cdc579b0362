import type { Insertable, Selectable, Transaction, Updateable } from 'kysely';
import type { Database } from '../../db/database';
import type { Executor } from '../../db/db';
import type { BillingProfilesTable, PurchaseStatusCol, PurchasesTable, SandboxPaymentsTable } from './billing.tables';

export type PurchaseRow = Selectable<PurchasesTable>;

export async function insertPurchase(db: Executor, row: Insertable<PurchasesTable>) {
  // One purchase per overage invoice: a second "pay" reuses the first order (see the service).
  return db
    .insertInto('purchases')
    .values(row)
    .onConflict((oc) => oc.columns(['org_id', 'invoice_id']).where('invoice_id', 'is not', null).doNothing())
    .returningAll()
    .executeTakeFirst();
}

export function findPurchase(db: Executor, orgId: string, purchaseId: string) {
  return db.selectFrom('purchases').selectAll().where('org_id', '=', orgId).where('id', '=', purchaseId).executeTakeFirst();
}

export function findPurchaseForInvoice(db: Executor, orgId: string, invoiceId: string) {
  return db.selectFrom('purchases').selectAll().where('org_id', '=', orgId).where('invoice_id', '=', invoiceId).executeTakeFirst();
}

/** Serialises every state change of one purchase (callback, webhook and sweep race here). */
export function lockPurchase(trx: Transaction<Database>, orgId: string, purchaseId: string) {
  return trx.selectFrom('purchases').selectAll().where('org_id', '=', orgId).where('id', '=', purchaseId).forUpdate().executeTakeFirst();
}

/** Webhooks name the Razorpay order; the org comes from the order's notes when they are there. */
export function findPurchaseByOrder(db: Executor, orderId: string, orgId: string | null) {
  let q = db.selectFrom('purchases').select(['org_id', 'id']).where('razorpay_order_id', '=', orderId);
  if (orgId) q = q.where('org_id', '=', orgId);
  return q.executeTakeFirst();
}

export async function updatePurchase(db: Executor, orgId: string, purchaseId: string, patch: Updateable<PurchasesTable>) {
  await db.updateTable('purchases').set(patch).where('org_id', '=', orgId).where('id', '=', purchaseId).execute();
}

export function listPurchases(db: Executor, orgId: string, limit: number) {
  return db.selectFrom('purchases').selectAll().where('org_id', '=', orgId).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

export function listInvoices(db: Executor, orgId: string, limit: number) {
  return db
    .selectFrom('overage_invoices as i')
    .leftJoin('purchases as p', (j) => j.onRef('p.org_id', '=', 'i.org_id').onRef('p.invoice_id', '=', 'i.id'))
    .select([
      'i.id',
      'i.period_start',
      'i.period_end',
      'i.overage_mc',
      'i.credits',
      'i.amount_cents',
      'i.status',
      'i.created_at',
      'i.paid_at',
      'p.id as purchase_id',
      'p.razorpay_order_id',
      'p.razorpay_payment_id',
    ])
    .where('i.org_id', '=', orgId)
    .orderBy('i.period_start', 'desc')
    .limit(limit)
    .execute();
}

export function findInvoice(db: Executor, orgId: string, invoiceId: string) {
  return db.selectFrom('overage_invoices').selectAll().where('org_id', '=', orgId).where('id', '=', invoiceId).executeTakeFirst();
}

/** Marks an open invoice paid; a second call finds it paid and changes nothing. */
export async function markInvoicePaid(db: Executor, orgId: string, invoiceId: string, at: Date): Promise<boolean> {
  const res = await db
    .updateTable('overage_invoices')
    .set({ status: 'paid', paid_at: at })
    .where('org_id', '=', orgId)
    .where('id', '=', invoiceId)
    .where('status', '=', 'open')
    .executeTakeFirst();
  return res.numUpdatedRows > 0n;
}

/** Records a webhook delivery; false when this event id was applied before (a replay). */
export async function recordWebhookEvent(
  db: Executor,
  row: { org_id: string; event_id: string; event_type: string; purchase_id: string | null; received_at: Date },
): Promise<boolean> {
  const inserted = await db
    .insertInto('billing_webhook_events')
    .values(row)
    .onConflict((oc) => oc.columns(['org_id', 'event_id']).doNothing())
    .returning('event_id')
    .executeTakeFirst();
  return inserted !== undefined;
}

/** Purchases still waiting for a payment after `olderThan`, least recently checked first (all orgs). */
export function pendingPurchases(db: Executor, input: { olderThan: Date; notBefore: Date; gateway: string; limit: number }) {
  const pending: PurchaseStatusCol[] = ['created', 'attempted', 'failed'];
  return db
    .selectFrom('purchases')
    .select(['org_id', 'id', 'razorpay_order_id'])
    .where('status', 'in', pending)
    .where('gateway', '=', input.gateway as PurchasesTable['gateway'])
    .where('created_at', '<', input.olderThan)
    .where('created_at', '>', input.notBefore)
    .where((eb) => eb.or([eb('checked_at', 'is', null), eb('checked_at', '<', input.olderThan)]))
    .orderBy((eb) => eb.fn.coalesce('checked_at', 'created_at'))
    .limit(input.limit)
    .execute();
}

export async function insertSandboxPayment(db: Executor, row: Insertable<SandboxPaymentsTable>) {
  await db.insertInto('sandbox_payments').values(row).execute();
}

export function sandboxPaymentsOfOrder(db: Executor, orderId: string) {
  return db.selectFrom('sandbox_payments').selectAll().where('order_id', '=', orderId).orderBy('created_at').execute();
}

/** Checkout prefill: the paying user's name and email. */
export function findUserContact(db: Executor, userId: string) {
  return db.selectFrom('users').select(['name', 'email']).where('id', '=', userId).executeTakeFirst();
}

export function findOrgName(db: Executor, orgId: string) {
  return db.selectFrom('organizations').select(['name']).where('id', '=', orgId).executeTakeFirst();
}

export function findBillingProfile(db: Executor, orgId: string) {
  return db.selectFrom('billing_profiles').selectAll().where('org_id', '=', orgId).executeTakeFirst();
}

/** Locks the profile row (when there is one) so that concurrent saves audit the right "before". */
export function lockBillingProfile(trx: Transaction<Database>, orgId: string) {
  return trx.selectFrom('billing_profiles').selectAll().where('org_id', '=', orgId).forUpdate().executeTakeFirst();
}

export async function upsertBillingProfile(db: Executor, row: Insertable<BillingProfilesTable>) {
  const { org_id: _orgId, ...patch } = row;
  return db
    .insertInto('billing_profiles')
    .values(row)
    .onConflict((oc) => oc.column('org_id').doUpdateSet(patch))
    .returningAll()
    .executeTakeFirstOrThrow();
}
