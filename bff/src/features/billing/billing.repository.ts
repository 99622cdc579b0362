import type { Insertable, Selectable, Transaction, Updateable } from 'kysely';
import type { Database } from '../../db/database';
import type { Executor } from '../../db/db';
import type { AutoTopUpSettingsTable, AutoTopUpsTable, BillingProfilesTable, OverageInvoicesTable, PaymentMethodsTable, PurchaseStatusCol, PurchasesTable, SandboxPaymentsTable, SandboxTokensTable, TaxInvoicesTable } from './billing.tables';

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

export async function insertSandboxToken(db: Executor, row: Insertable<SandboxTokensTable>) {
  await db.insertInto('sandbox_tokens').values(row).execute();
}

export function findSandboxToken(db: Executor, orgId: string, tokenId: string) {
  return db.selectFrom('sandbox_tokens').selectAll().where('org_id', '=', orgId).where('token_id', '=', tokenId).executeTakeFirst();
}

export function findCustomer(db: Executor, orgId: string, gateway: 'razorpay' | 'sandbox') {
  return db.selectFrom('billing_customers').select('customer_id').where('org_id', '=', orgId).where('gateway', '=', gateway).executeTakeFirst();
}

/** Insert-or-keep: concurrent first saves agree on the customer stored first. */
export async function saveCustomer(db: Executor, row: { org_id: string; gateway: 'razorpay' | 'sandbox'; customer_id: string; created_at: Date }) {
  await db.insertInto('billing_customers').values(row).onConflict((oc) => oc.columns(['org_id', 'gateway']).doNothing()).execute();
  return (await findCustomer(db, row.org_id, row.gateway))!.customer_id;
}

export function activePaymentMethod(db: Executor, orgId: string) {
  return db.selectFrom('payment_methods').selectAll().where('org_id', '=', orgId).where('removed_at', 'is', null).executeTakeFirst();
}

export async function removePaymentMethods(db: Executor, orgId: string, at: Date) {
  const res = await db.updateTable('payment_methods').set({ removed_at: at }).where('org_id', '=', orgId).where('removed_at', 'is', null).executeTakeFirst();
  return res.numUpdatedRows > 0n;
}

/** A new saved card replaces the old one (one active per org). */
export async function replacePaymentMethod(trx: Transaction<Database>, row: Insertable<PaymentMethodsTable> & { created_at: Date }) {
  await removePaymentMethods(trx, row.org_id, row.created_at);
  await trx.insertInto('payment_methods').values(row).execute();
}

export function findAutoTopUpSettings(db: Executor, orgId: string) {
  return db.selectFrom('auto_topup_settings').selectAll().where('org_id', '=', orgId).executeTakeFirst();
}

export function lockAutoTopUpSettings(trx: Transaction<Database>, orgId: string) {
  return trx.selectFrom('auto_topup_settings').selectAll().where('org_id', '=', orgId).forUpdate().executeTakeFirst();
}

export async function upsertAutoTopUpSettings(db: Executor, row: Insertable<AutoTopUpSettingsTable>) {
  const { org_id: _orgId, ...patch } = row;
  return db
    .insertInto('auto_topup_settings')
    .values(row)
    .onConflict((oc) => oc.column('org_id').doUpdateSet(patch))
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function pauseAutoTopUp(db: Executor, orgId: string, reason: string, at: Date) {
  await db.updateTable('auto_topup_settings').set({ paused_at: at, paused_reason: reason, updated_at: at }).where('org_id', '=', orgId).execute();
}

/** Top-ups of this billing month that count against the cap (every one not failed). */
export async function topUpsUsed(db: Executor, orgId: string, periodStart: Date) {
  const row = await db
    .selectFrom('auto_topups')
    .select((eb) => [eb.fn.countAll<bigint>().as('count'), eb.fn.coalesce(eb.fn.sum<string>('amount_cents'), eb.lit(0)).as('amount')])
    .where('org_id', '=', orgId)
    .where('period_start', '=', periodStart)
    .where('status', '!=', 'failed')
    .executeTakeFirstOrThrow();
  return { count: Number(row.count), amountCents: BigInt(row.amount) };
}

/** The pending top-up of a crossing; nothing when the org already has one open (unique index). */
export async function insertTopUp(trx: Transaction<Database>, row: Insertable<AutoTopUpsTable>) {
  return trx
    .insertInto('auto_topups')
    .values(row)
    .onConflict((oc) => oc.column('org_id').where('status', 'in', ['pending', 'charging']).doNothing())
    .returning('id')
    .executeTakeFirst();
}

/** The worker's claim: one pending top-up of any org, locked so no other instance takes it. */
export function claimPendingTopUp(trx: Transaction<Database>) {
  return trx.selectFrom('auto_topups').selectAll().where('status', '=', 'pending').orderBy('created_at').limit(1).forUpdate().skipLocked().executeTakeFirst();
}

export async function updateTopUp(db: Executor, orgId: string, id: string, patch: Updateable<AutoTopUpsTable>) {
  await db.updateTable('auto_topups').set(patch).where('org_id', '=', orgId).where('id', '=', id).execute();
}

/** Moves the top-up of a purchase to its end state once; the row when it moved (so side effects happen once). */
export function finishTopUpOfPurchase(trx: Transaction<Database>, orgId: string, purchaseId: string, to: 'succeeded' | 'failed', reason: string | null, at: Date) {
  return trx
    .updateTable('auto_topups')
    .set({ status: to, failure_reason: reason, updated_at: at })
    .where('org_id', '=', orgId)
    .where('purchase_id', '=', purchaseId)
    .where('status', 'in', to === 'succeeded' ? ['pending', 'charging', 'failed'] : ['pending', 'charging'])
    .returningAll()
    .executeTakeFirst();
}

export function failTopUpRow(trx: Transaction<Database>, orgId: string, id: string, reason: string, at: Date) {
  return trx
    .updateTable('auto_topups')
    .set({ status: 'failed', failure_reason: reason, updated_at: at })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .where('status', 'in', ['pending', 'charging'])
    .returningAll()
    .executeTakeFirst();
}

export function recentTopUps(db: Executor, orgId: string, limit: number) {
  return db.selectFrom('auto_topups').selectAll().where('org_id', '=', orgId).orderBy('created_at', 'desc').orderBy('id').limit(limit).execute();
}

/** Top-ups charging for longer than `before` (a worker that died mid-charge). */
export function staleChargingTopUps(db: Executor, before: Date, limit: number) {
  return db.selectFrom('auto_topups').selectAll().where('status', '=', 'charging').where('updated_at', '<', before).orderBy('updated_at').limit(limit).execute();
}

export async function linkTopUpPurchase(db: Executor, orgId: string, topUpId: string, purchaseId: string, at: Date) {
  await db.updateTable('auto_topups').set({ purchase_id: purchaseId, updated_at: at }).where('org_id', '=', orgId).where('id', '=', topUpId).execute();
}

/**
 * The next number of the seller's gap-free invoice sequence (ADR 031). The row stays locked until
 * the caller's transaction ends: a rolled-back issue gives the number back, so none is skipped.
 */
export async function nextInvoiceNumber(trx: Transaction<Database>, sellerGstin: string): Promise<bigint> {
  const row = await trx
    .insertInto('invoice_sequences')
    .values({ seller_gstin: sellerGstin, last_number: 1 })
    .onConflict((oc) => oc.column('seller_gstin').doUpdateSet((eb) => ({ last_number: eb('invoice_sequences.last_number', '+', 1) })))
    .returning('last_number')
    .executeTakeFirstOrThrow();
  return row.last_number;
}

export async function insertTaxInvoice(trx: Transaction<Database>, row: Insertable<TaxInvoicesTable>) {
  await trx.insertInto('tax_invoices').values(row).execute();
}

export function findTaxInvoice(db: Executor, orgId: string, purchaseId: string) {
  return db.selectFrom('tax_invoices').selectAll().where('org_id', '=', orgId).where('purchase_id', '=', purchaseId).executeTakeFirst();
}

/** The purchases a statement lists (its purchase and auto top-up lines). */
export function findPurchasesByIds(db: Executor, orgId: string, ids: string[]) {
  if (ids.length === 0) return Promise.resolve([]);
  return db.selectFrom('purchases').select(['id', 'kind', 'bundle_id', 'source', 'amount_cents', 'tax_invoice_number', 'credits']).where('org_id', '=', orgId).where('id', 'in', ids).execute();
}

/** The overage invoice of the period that starts at `periodStart` (one per org and period). */
export function findInvoiceOfPeriod(db: Executor, orgId: string, periodStart: Date) {
  return db.selectFrom('overage_invoices').select(['id', 'credits', 'amount_cents', 'status']).where('org_id', '=', orgId).where('period_start', '=', periodStart).executeTakeFirst();
}

/** A period's overage invoice, opened by the rollover that closes the period; nothing (undefined) when that period's invoice exists (one per org and period). */
export function insertOverageInvoice(trx: Executor, inv: Omit<Insertable<OverageInvoicesTable>, 'id' | 'status' | 'paid_at'>) {
  return trx
    .insertInto('overage_invoices')
    .values({ ...inv, status: 'open' })
    .onConflict((oc) => oc.doNothing())
    .returning(['id'])
    .executeTakeFirst();
}

/** How many overage invoices of the org are unpaid, and their sum (cents). */
export async function unpaidInvoiceTotals(db: Executor, orgId: string) {
  const row = await db
    .selectFrom('overage_invoices')
    .select((eb) => [eb.fn.countAll<bigint>().as('count'), eb.fn.sum<string | null>('amount_cents').as('cents')])
    .where('org_id', '=', orgId)
    .where('status', '=', 'open')
    .executeTakeFirstOrThrow();
  return { count: BigInt(row.count), cents: BigInt(row.cents ?? 0) };
}
