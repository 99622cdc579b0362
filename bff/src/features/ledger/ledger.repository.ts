import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, GrantSource, LedgerEntryType, ReservationStatus } from '../../db/database';
import { notFound } from '../../http/http-error';

type Q = Kysely<Database> | Transaction<Database>;

/** Locks the org row for the rest of the transaction: every credit write of an org is serialised here. */
export async function lockOrg(trx: Transaction<Database>, orgId: string) {
  const org = await trx.selectFrom('organizations').selectAll().where('id', '=', orgId).forUpdate().executeTakeFirst();
  if (!org) throw notFound('Organization');
  return org;
}

export function findOrg(db: Q, orgId: string) {
  return db.selectFrom('organizations').selectAll().where('id', '=', orgId).executeTakeFirst();
}

export async function updateOrg(
  trx: Q,
  orgId: string,
  patch: Partial<{ balance_mc: bigint; period_start: Date; period_end: Date; ai_enabled: boolean; overage_limit_mc: bigint }>,
) {
  await trx.updateTable('organizations').set(patch).where('id', '=', orgId).execute();
}

export function insertGrant(
  trx: Q,
  grant: {
    org_id: string;
    source: GrantSource;
    amount_mc: bigint;
    remaining_mc: bigint;
    starts_at: Date;
    expires_at: Date;
    period_start: Date;
    purchase_id: string | null;
    note: string | null;
    created_at: Date;
  },
) {
  // A second grant for the same purchase or the same period's allowance hits a unique index:
  // do nothing and return nothing, so "exactly once" lives in the database.
  return trx
    .insertInto('grants')
    .values(grant)
    .onConflict((oc) => oc.doNothing())
    .returning(['id'])
    .executeTakeFirst();
}

/** PRODUCT.md: burn grants by earliest expiry, then allowance before purchases, then oldest first. */
export function spendableGrants(trx: Q, orgId: string, at: Date) {
  return trx
    .selectFrom('grants')
    .select(['id', 'remaining_mc'])
    .where('org_id', '=', orgId)
    .where('remaining_mc', '>', 0n)
    .where('starts_at', '<=', at)
    .where('expires_at', '>', at)
    .orderBy('expires_at')
    .orderBy(sql`case source when 'monthly_allowance' then 0 when 'adjustment' then 1 else 2 end`)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

export async function setGrantRemaining(trx: Q, orgId: string, grantId: string, remaining: bigint) {
  await trx.updateTable('grants').set({ remaining_mc: remaining }).where('org_id', '=', orgId).where('id', '=', grantId).execute();
}

export function grantsToExpire(trx: Q, orgId: string, at: Date) {
  return trx
    .selectFrom('grants')
    .select(['id', 'remaining_mc'])
    .where('org_id', '=', orgId)
    .where('remaining_mc', '>', 0n)
    .where('expires_at', '<=', at)
    .orderBy('expires_at')
    .orderBy('id')
    .execute();
}

export async function appendLedgerEntry(
  trx: Q,
  entry: {
    org_id: string;
    entry_type: LedgerEntryType;
    amount_mc: bigint;
    balance_after_mc: bigint;
    grant_id?: string | null;
    usage_id?: string | null;
    invoice_id?: string | null;
    created_at: Date;
  },
) {
  await trx.insertInto('ledger_entries').values(entry).execute();
}

export async function heldByOpenReservations(trx: Q, orgId: string, at: Date): Promise<bigint> {
  const row = await trx
    .selectFrom('reservations')
    .select(sql<bigint>`coalesce(sum(estimate_mc), 0)::bigint`.as('held'))
    .where('org_id', '=', orgId)
    .where('status', '=', 'open')
    .where('expires_at', '>', at)
    .executeTakeFirstOrThrow();
  return BigInt(row.held);
}

export async function expireStaleReservations(trx: Q, orgId: string, at: Date) {
  await trx
    .updateTable('reservations')
    .set({ status: 'expired', closed_at: at })
    .where('org_id', '=', orgId)
    .where('status', '=', 'open')
    .where('expires_at', '<=', at)
    .execute();
}

export async function releaseOpenReservations(trx: Q, orgId: string, at: Date) {
  await trx
    .updateTable('reservations')
    .set({ status: 'released', closed_at: at })
    .where('org_id', '=', orgId)
    .where('status', '=', 'open')
    .execute();
}

export function insertReservation(
  trx: Q,
  r: {
    org_id: string;
    user_id: string | null;
    project_id: string | null;
    api_key_id: string | null;
    source: 'app' | 'api';
    use_case: string;
    model: string;
    estimate_mc: bigint;
    created_at: Date;
    expires_at: Date;
  },
) {
  return trx
    .insertInto('reservations')
    .values({ ...r, status: 'open' })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export function findReservation(trx: Q, orgId: string, id: string) {
  return trx.selectFrom('reservations').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

export async function closeReservation(trx: Q, orgId: string, id: string, status: ReservationStatus, at: Date, usageId: string | null = null) {
  await trx
    .updateTable('reservations')
    .set({ status, closed_at: at, usage_id: usageId })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .execute();
}

export function insertUsage(
  trx: Q,
  u: {
    org_id: string;
    occurred_at: Date;
    user_id: string | null;
    project_id: string | null;
    api_key_id: string | null;
    source: 'app' | 'api';
    use_case: string;
    model: string;
    rate_version: number;
    input_mc_per_1k: number;
    output_mc_per_1k: number;
    input_tokens: number;
    output_tokens: number;
    charged_mc: bigint;
    overage_mc: bigint;
    allocations: string;
    reservation_id: string | null;
    idempotency_key: string | null;
  },
) {
  return trx.insertInto('usage_records').values(u).returning(['id']).executeTakeFirstOrThrow();
}

/** Add one usage to its day's rollup row (same transaction as the usage row). */
export async function addToDailyRollup(
  trx: Q,
  u: { org_id: string; day: string; use_case: string; model: string; user_id: string | null; project_id: string | null; charged_mc: bigint },
) {
  await trx
    .insertInto('usage_daily')
    .values({ ...u, calls: 1 })
    .onConflict((oc) =>
      oc.columns(['org_id', 'day', 'use_case', 'model', 'user_id', 'project_id']).doUpdateSet((eb) => ({
        charged_mc: eb('usage_daily.charged_mc', '+', eb.ref('excluded.charged_mc')),
        calls: eb('usage_daily.calls', '+', 1),
      })),
    )
    .execute();
}

export function findIdempotencyRecord(trx: Q, orgId: string, key: string) {
  return trx.selectFrom('idempotency_keys').selectAll().where('org_id', '=', orgId).where('key', '=', key).executeTakeFirst();
}

export async function saveIdempotencyRecord(
  trx: Q,
  r: { org_id: string; key: string; operation: string; request_hash: string; status_code: number; response: string; created_at: Date },
) {
  await trx.insertInto('idempotency_keys').values(r).execute();
}

export async function insertOverageInvoice(
  trx: Q,
  inv: { org_id: string; period_start: Date; period_end: Date; overage_mc: bigint; credits: bigint; amount_cents: bigint; created_at: Date },
) {
  return trx
    .insertInto('overage_invoices')
    .values({ ...inv, status: 'open' })
    .onConflict((oc) => oc.doNothing())
    .returning(['id'])
    .executeTakeFirst();
}

export async function insertAudit(
  trx: Q,
  entry: { org_id: string; actor_user_id: string | null; action: string; from_value: unknown; to_value: unknown; created_at: Date },
) {
  await trx
    .insertInto('audit_log')
    .values({ ...entry, from_value: JSON.stringify(entry.from_value), to_value: JSON.stringify(entry.to_value) })
    .execute();
}

/** Organizations whose current period has ended (for the background sweep). */
export function orgsPastPeriodEnd(db: Q, at: Date, limit: number) {
  return db.selectFrom('organizations').select('id').where('period_end', '<=', at).limit(limit).execute();
}

// ---- Set-based writes of a batch (ledger.service "group commit"): one statement per table. ----

export function findIdempotencyRecords(trx: Q, orgId: string, keys: string[]) {
  return trx
    .selectFrom('idempotency_keys')
    .select(['key', 'operation', 'request_hash', 'response'])
    .where('org_id', '=', orgId)
    .where('key', 'in', keys)
    .execute();
}

export function findReservations(trx: Q, orgId: string, ids: string[]) {
  return trx.selectFrom('reservations').selectAll().where('org_id', '=', orgId).where('id', 'in', ids).execute();
}

export type ReservationRow = Awaited<ReturnType<typeof findReservations>>[number];

export async function insertReservations(trx: Q, rows: ReservationRow[]) {
  if (rows.length) await trx.insertInto('reservations').values(rows).execute();
}

/** Close reservations in one statement: (id, status, closed_at, usage_id) each. */
export async function closeReservations(trx: Q, orgId: string, rows: { id: string; status: ReservationStatus; closedAt: Date; usageId: string | null }[]) {
  if (!rows.length) return;
  const values = sql.join(rows.map((r) => sql`(${r.id}::uuid, ${r.status}::text, ${r.closedAt}::timestamptz, ${r.usageId}::uuid)`));
  await sql`
    update reservations set status = v.status, closed_at = v.closed_at, usage_id = v.usage_id
    from (values ${values}) as v (id, status, closed_at, usage_id)
    where reservations.org_id = ${orgId} and reservations.id = v.id`.execute(trx);
}

export async function insertUsages(trx: Q, rows: (Parameters<typeof insertUsage>[1] & { id: string })[]) {
  if (rows.length) await trx.insertInto('usage_records').values(rows).execute();
}

export async function setGrantsRemaining(trx: Q, orgId: string, rows: { id: string; remaining: bigint }[]) {
  if (!rows.length) return;
  const values = sql.join(rows.map((r) => sql`(${r.id}::uuid, ${r.remaining}::bigint)`));
  await sql`
    update grants set remaining_mc = v.remaining
    from (values ${values}) as v (id, remaining)
    where grants.org_id = ${orgId} and grants.id = v.id`.execute(trx);
}

/** Rows must be summed per rollup key first: one statement cannot upsert the same row twice. */
export async function addToDailyRollups(trx: Q, rows: (Parameters<typeof addToDailyRollup>[1] & { calls: number })[]) {
  if (!rows.length) return;
  await trx
    .insertInto('usage_daily')
    .values(rows)
    .onConflict((oc) =>
      oc.columns(['org_id', 'day', 'use_case', 'model', 'user_id', 'project_id']).doUpdateSet((eb) => ({
        charged_mc: eb('usage_daily.charged_mc', '+', eb.ref('excluded.charged_mc')),
        calls: eb('usage_daily.calls', '+', eb.ref('excluded.calls')),
      })),
    )
    .execute();
}

/** In the given order: the identity column then follows the order of the balance_after values. */
export async function appendLedgerEntries(trx: Q, rows: Parameters<typeof appendLedgerEntry>[1][]) {
  if (rows.length) await trx.insertInto('ledger_entries').values(rows).execute();
}

export async function saveIdempotencyRecords(trx: Q, rows: Parameters<typeof saveIdempotencyRecord>[1][]) {
  if (rows.length) await trx.insertInto('idempotency_keys').values(rows).execute();
}

/**
 * Everything a batch reads, in one statement, after the org row is locked (a statement of its
 * own, so this one's snapshot sees every batch committed before the lock was granted).
 */
export async function readBatchState(trx: Q, orgId: string, at: Date, keys: string[], reservationIds: string[]) {
  const { rows } = await sql<{ held: string; grants: { id: string; remaining: string }[]; idem: { key: string; operation: string; request_hash: string; response: unknown }[]; res: Record<string, string | null>[] }>`
    select
      (select coalesce(sum(estimate_mc), 0) from reservations
        where org_id = ${orgId} and status = 'open' and expires_at > ${at})::text as held,
      (select coalesce(json_agg(json_build_object('id', id, 'remaining', remaining_mc::text)
          order by expires_at, case source when 'monthly_allowance' then 0 when 'adjustment' then 1 else 2 end, created_at, id), '[]')
        from grants where org_id = ${orgId} and remaining_mc > 0 and starts_at <= ${at} and expires_at > ${at}) as grants,
      (select coalesce(json_agg(json_build_object('key', key, 'operation', operation, 'request_hash', request_hash, 'response', response)), '[]')
        from idempotency_keys where org_id = ${orgId} and key = any(${keys}::text[])) as idem,
      (select coalesce(json_agg(json_build_object('org_id', org_id, 'id', id, 'status', status, 'user_id', user_id, 'project_id', project_id,
          'api_key_id', api_key_id, 'source', source, 'use_case', use_case, 'model', model, 'estimate_mc', estimate_mc::text, 'usage_id', usage_id,
          'created_at', created_at, 'expires_at', expires_at, 'closed_at', closed_at)), '[]')
        from reservations where org_id = ${orgId} and id = any(${reservationIds}::uuid[])) as res`.execute(trx);
  const row = rows[0]!;
  return {
    held: BigInt(row.held),
    grants: row.grants.map((g) => ({ id: g.id, remaining: BigInt(g.remaining) })),
    idempotency: row.idem,
    reservations: row.res.map(
      (r): ReservationRow => ({
        org_id: r.org_id!,
        id: r.id!,
        status: r.status as ReservationStatus,
        user_id: r.user_id ?? null,
        project_id: r.project_id ?? null,
        api_key_id: r.api_key_id ?? null,
        source: r.source as 'app' | 'api',
        use_case: r.use_case!,
        model: r.model!,
        estimate_mc: BigInt(r.estimate_mc!),
        usage_id: r.usage_id ?? null,
        created_at: new Date(r.created_at!),
        expires_at: new Date(r.expires_at!),
        closed_at: r.closed_at ? new Date(r.closed_at) : null,
      }),
    ),
  };
}
