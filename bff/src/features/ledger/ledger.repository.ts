import { sql, type Insertable, type Selectable, type Transaction } from 'kysely';
import type { Database } from '../../db/database';
import type { Executor } from '../../db/db';
import { notFound } from '../../http/http-error';
import { alertThresholdsSql } from '../alerts/alerts.sql';
import { ownerNameSql, userNameSql } from '../auth/accounts.sql';
import { armedAutoTopUpFromJson, armedAutoTopUpSql } from '../billing/billing.sql';
import { budgetRowsSql } from '../budgets/budgets.sql';
import { projectNameSql } from '../org/org.sql';
import { budgetUseSql } from './budget-use';
import type { CreditAccountsTable, GrantsTable, IdempotencyKeysTable, LedgerEntriesTable, ReservationStatus, UsageDailyKeysTable, UsageDailyTable, UsageRecordsTable } from './ledger.tables';

type Q = Executor;

/**
 * Locks the org's credit account (credit_accounts, one row per org) for the rest of the
 * transaction: every credit write of an org is serialised here. FOR NO KEY UPDATE, not FOR UPDATE:
 * it still excludes every other ledger transaction of the org, but not a key-share lock (ADR 001
 * "Lock order": when the balance lived on the org row, inserting any row referencing the org took
 * one, and FOR UPDATE deadlocked two transactions that each inserted such a row first).
 */
export async function lockOrg(trx: Transaction<Database>, orgId: string) {
  const org = await trx.selectFrom('credit_accounts').selectAll().where('org_id', '=', orgId).forNoKeyUpdate().executeTakeFirst();
  if (!org) throw notFound('Organization');
  return org;
}

export function findOrg(db: Q, orgId: string) {
  return db.selectFrom('credit_accounts').selectAll().where('org_id', '=', orgId).executeTakeFirst();
}

/** A new org's credit account (sign-up), in the caller's transaction. */
export async function insertAccount(trx: Q, account: Insertable<CreditAccountsTable>) {
  await trx.insertInto('credit_accounts').values(account).execute();
}

export async function updateOrg(
  trx: Q,
  orgId: string,
  patch: Partial<{ balance_mc: bigint; period_start: Date; period_end: Date; ai_enabled: boolean; overage_limit_mc: bigint }>,
) {
  await trx.updateTable('credit_accounts').set(patch).where('org_id', '=', orgId).execute();
}

export function insertGrant(
  trx: Q,
  grant: Insertable<GrantsTable>,
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

export async function appendLedgerEntry(trx: Q, entry: Insertable<LedgerEntriesTable>) {
  await trx.insertInto('ledger_entries').values(entry).execute();
}

/** Every budget of the org (budgets' rows) with this period's use (budget-use.ts), by subject type and id: one statement. */
export async function budgetsWithUse(db: Q, orgId: string, periodStart: Date, at: Date) {
  const periodDay = sql`${periodStart.toISOString().slice(0, 10)}::date`;
  const { rows } = await sql<{ subject_type: 'project' | 'user'; subject_id: string; limit_mc: string; used_mc: string }>`
    select b.subject_type, b.subject_id, b.limit_mc::text, ${budgetUseSql(periodDay, at)}::text as used_mc
    from ${budgetRowsSql(orgId)} b
    order by b.subject_type, b.subject_id`.execute(db);
  return rows;
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

/**
 * Locks orgs' credit accounts for the rest of the transaction, in org id order (ADR 020): `skip` never waits
 * (SKIP LOCKED: a row held elsewhere is left out of the answer), `wait` waits for each (bounded
 * by lock_timeout). Returns the ids it locked. Parameters, never ids joined into the SQL text.
 */
export async function lockOrgs(trx: Q, ids: string[], mode: 'skip' | 'wait'): Promise<string[]> {
  const { rows } =
    mode === 'skip'
      ? await sql<{ id: string }>`select org_id as id from credit_accounts where org_id = any(${ids}::uuid[]) order by org_id for no key update skip locked`.execute(trx)
      : await sql<{ id: string }>`select org_id as id from credit_accounts where org_id = any(${ids}::uuid[]) order by org_id for no key update`.execute(trx);
  return rows.map((r) => r.id);
}

/**
 * Orgs with housekeeping due, for the background sweep (ADR 020): the current period has ended
 * (rollover), or an open reservation is past its expiry (to be marked expired), whatever the org.
 */
export async function orgsWithHousekeepingDue(db: Q, at: Date, limit: number): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`
    select org_id as id from credit_accounts where period_end <= ${at}
    union
    select distinct org_id from reservations where status = 'open' and expires_at <= ${at}
    limit ${limit}`.execute(db);
  return rows.map((r) => r.id);
}

// ---- Set-based writes of a batch (ledger.service "group commit"): one statement per table. ----

export function findReservations(trx: Q, orgId: string, ids: string[]) {
  return trx.selectFrom('reservations').selectAll().where('org_id', '=', orgId).where('id', 'in', ids).execute();
}

export type ReservationRow = Awaited<ReturnType<typeof findReservations>>[number];

// Complete rows as a batch writes them: every column, because jsonb_populate_recordset fills an
// absent key with NULL, not with the column's default. (Insertable<> would make defaulted columns optional.)
export type UsageRow = Omit<Selectable<UsageRecordsTable>, 'allocations'> & { allocations: string };
export type DailyRow = Selectable<UsageDailyTable>;
export type DailyKeyRow = Selectable<UsageDailyKeysTable>;
export type LedgerRow = Omit<Selectable<LedgerEntriesTable>, 'id'>;
export type IdempotencyRow = Omit<Selectable<IdempotencyKeysTable>, 'response'> & { response: unknown };

/** Everything a batch writes. Daily rows must be summed per rollup key (one statement cannot upsert a row twice). */
/** Everything one org's part of a batch writes. Daily rows must be summed per rollup key (one statement cannot upsert a row twice). */
export interface BatchWrites {
  orgId: string;
  /** Mark the org's open reservations past their expiry as expired (except those closed by this batch). */
  expireStale: boolean;
  newReservations: ReservationRow[];
  closedReservations: ReservationRow[];
  usages: UsageRow[];
  grants: { id: string; remaining_mc: bigint }[];
  daily: DailyRow[];
  /** The per-key rollup of the usages that carry an API key (ADR 039), summed per rollup key like `daily`; empty for app calls. */
  dailyKeys: DailyKeyRow[];
  /** In order: the identity column follows the order of balance_after_mc. */
  ledger: LedgerRow[];
  idempotency: IdempotencyRow[];
  /** The credit account's new balance and settings, or null when the caller writes it itself. */
  org: { balance_mc: bigint; ai_enabled: boolean; overage_limit_mc: bigint } | null;
}

const toJson = (value: unknown) => JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));

/**
 * All of a batch's writes, for every org in it, in ONE statement (data-modifying CTEs over one
 * jsonb value): one round trip under the locks however many operations and orgs the batch
 * holds. Every CTE runs to completion; foreign keys are checked at the end of the statement.
 *
 * The jsonb is sent as an escaped literal, not a parameter, so the statement goes in the simple
 * protocol and `commit` can follow it in the same message (`commit: true`): the batch's last
 * round trip writes and commits. If the statement fails, PostgreSQL skips the `commit` and the
 * caller rolls back.
 */
export async function writeBatch(trx: Q, at: Date, writes: BatchWrites[], options: { commit: boolean }) {
  if (!writes.length) {
    if (options.commit) await sql`commit`.execute(trx);
    return;
  }
  const all = <K extends keyof BatchWrites>(k: K) => writes.flatMap((w) => w[k] as unknown[]);
  // Dates as JSON writes them (Date#toJSON), each distinct time once: a batch's rows share its
  // time, and formatting a date is most of the cost of serialising a row.
  const isoCache = new Map<number, string | null>();
  const iso = (d: Date | null) => {
    if (d === null) return null;
    const t = d.getTime();
    let s = isoCache.get(t);
    if (s === undefined) isoCache.set(t, (s = d.toJSON()));
    return s;
  };
  const reservation = (r: ReservationRow) => ({ ...r, created_at: iso(r.created_at), expires_at: iso(r.expires_at), closed_at: iso(r.closed_at) });
  const input = {
    expireStale: writes.filter((w) => w.expireStale).map((w) => w.orgId),
    orgs: writes.flatMap((w) => (w.org === null ? [] : [{ org_id: w.orgId, ...w.org }])),
    newReservations: writes.flatMap((w) => w.newReservations.map(reservation)),
    closed: writes.flatMap((w) => w.closedReservations.map(reservation)),
    usages: writes.flatMap((w) => w.usages.map((u) => ({ ...u, occurred_at: iso(u.occurred_at), allocations: JSON.parse(u.allocations) as unknown }))),
    grants: writes.flatMap((w) => w.grants.map((g) => ({ ...g, org_id: w.orgId }))),
    daily: all('daily'),
    dailyKeys: all('dailyKeys'),
    ledger: writes.flatMap((w) => w.ledger.map((e) => ({ ...e, created_at: iso(e.created_at) }))),
    idempotency: writes.flatMap((w) => w.idempotency.map((k) => ({ ...k, created_at: iso(k.created_at) }))),
  };
  // Only the parts this batch has rows for are sent, and only their CTEs are planned: PostgreSQL
  // plans this statement on every batch (no prepared statements: ADR 022, ADR 040), and a part
  // with no rows would change nothing. (So an app call's batch never names the per-key rollup,
  // ADR 039; a record batch no reservation CTE.)
  const has = (k: keyof typeof input) => input[k].length > 0;
  const ctes = [
    has('expireStale') &&
      `expired as (
      update reservations r set status = 'expired', closed_at = p.at
      from p
      where r.org_id in (select (x #>> '{}')::uuid from jsonb_array_elements(p.j->'expireStale') x)
        and r.status = 'open' and r.expires_at <= p.at${
          has('closed') ? `
        and r.id not in (select c.id from jsonb_populate_recordset(null::reservations, p.j->'closed') c)` : ''
        })`,
    has('newReservations') &&
      `new_reservations as (
      insert into reservations (org_id, id, status, user_id, project_id, api_key_id, source, use_case, model, estimate_mc, usage_id, created_at, expires_at, closed_at)
      select org_id, id, status, user_id, project_id, api_key_id, source, use_case, model, estimate_mc, usage_id, created_at, expires_at, closed_at
      from p, jsonb_populate_recordset(null::reservations, p.j->'newReservations'))`,
    has('closed') &&
      `closed as (
      update reservations r set status = v.status, closed_at = v.closed_at, usage_id = v.usage_id
      from p, jsonb_populate_recordset(null::reservations, p.j->'closed') v
      where r.org_id = v.org_id and r.id = v.id)`,
    has('usages') &&
      `usages as (
      insert into usage_records (org_id, id, occurred_at, user_id, project_id, api_key_id, source, use_case, model, rate_version,
        input_mc_per_1k, output_mc_per_1k, input_tokens, output_tokens, charged_mc, overage_mc, allocations, reservation_id, idempotency_key)
      select org_id, id, occurred_at, user_id, project_id, api_key_id, source, use_case, model, rate_version,
        input_mc_per_1k, output_mc_per_1k, input_tokens, output_tokens, charged_mc, overage_mc, allocations, reservation_id, idempotency_key
      from p, jsonb_populate_recordset(null::usage_records, p.j->'usages'))`,
    has('grants') &&
      `grants_spent as (
      update grants g set remaining_mc = v.remaining_mc
      from p, jsonb_populate_recordset(null::grants, p.j->'grants') v
      where g.org_id = v.org_id and g.id = v.id)`,
    has('daily') &&
      `daily as (
      insert into usage_daily (org_id, day, use_case, model, user_id, project_id, charged_mc, calls)
      select org_id, day, use_case, model, user_id, project_id, charged_mc, calls
      from p, jsonb_populate_recordset(null::usage_daily, p.j->'daily')
      on conflict (org_id, day, use_case, model, user_id, project_id)
        do update set charged_mc = usage_daily.charged_mc + excluded.charged_mc, calls = usage_daily.calls + excluded.calls)`,
    // Only batches that metered through an API key write the per-key rollup (ADR 039).
    has('dailyKeys') &&
      `daily_keys as (
      insert into usage_daily_keys (org_id, api_key_id, day, use_case, model, user_id, project_id, charged_mc, calls)
      select org_id, api_key_id, day, use_case, model, user_id, project_id, charged_mc, calls
      from p, jsonb_populate_recordset(null::usage_daily_keys, p.j->'dailyKeys')
      on conflict (org_id, api_key_id, day, use_case, model, user_id, project_id)
        do update set charged_mc = usage_daily_keys.charged_mc + excluded.charged_mc, calls = usage_daily_keys.calls + excluded.calls)`,
    has('ledger') &&
      `ledger as (
      insert into ledger_entries (org_id, entry_type, amount_mc, balance_after_mc, grant_id, usage_id, invoice_id, created_at)
      select e.org_id, e.entry_type, e.amount_mc, e.balance_after_mc, e.grant_id, e.usage_id, e.invoice_id, e.created_at
      from p, jsonb_array_elements(p.j->'ledger') with ordinality as x (v, n), jsonb_populate_record(null::ledger_entries, x.v) e
      order by x.n)`,
    has('idempotency') &&
      `idempotency as (
      insert into idempotency_keys (org_id, key, operation, request_hash, status_code, response, created_at)
      select org_id, key, operation, request_hash, status_code, response, created_at
      from p, jsonb_populate_recordset(null::idempotency_keys, p.j->'idempotency'))`,
    has('orgs') &&
      `org as (
      update credit_accounts o set balance_mc = v.balance_mc, ai_enabled = v.ai_enabled, overage_limit_mc = v.overage_limit_mc
      from p, jsonb_populate_recordset(null::credit_accounts, p.j->'orgs') v
      where o.org_id = v.org_id)`,
  ].filter((cte) => cte !== false);
  const j = toJson({ at: iso(at), ...Object.fromEntries(Object.entries(input).filter(([, rows]) => rows.length > 0)) });
  const text = `
    with input as (select ${quoteLiteral(j)}::jsonb as j),
    p as (select j, (j->>'at')::timestamptz as at from input)${ctes.map((cte) => `,\n    ${cte}`).join('')}
    select 1${options.commit ? ';\n    commit' : ''}`;
  await sql.raw(text).execute(trx);
}

/**
 * pg's escapeLiteral, with the same output, by two regular-expression passes instead of a loop
 * over every character (a batch's JSON is tens of kilobytes): quotes doubled, and when there is
 * a backslash, backslashes doubled and the E'' form.
 */
export function quoteLiteral(value: string): string {
  const quoted = `'${value.replace(/'/g, "''")}'`;
  return value.includes('\\') ? ` E${quoted.replace(/\\/g, '\\\\')}` : quoted;
}

/**
 * Everything a batch reads, in one statement, after the credit account is locked (a statement of its
 * own, so this one's snapshot sees every batch committed before the lock was granted).
 */
interface BatchStateRow {
  org: Record<string, string | boolean> | null;
  owner_name: string | null;
  held: string;
  grants: { id: string; remaining: string }[];
  idem: { key: string; operation: string; request_hash: string; response: unknown }[];
  res: Record<string, string | null>[];
  budgets: { type: 'project' | 'user'; id: string; name: string | null; limit: string; used: string }[];
  month: { granted: string; remaining: string };
  alert_settings: { credit: number[]; budget: number[] } | null;
  auto_topup: Record<string, string> | null;
}

/** What one org's part of a batch reads: its idempotency keys, reservations and metered subjects. */
export interface BatchScope {
  orgId: string;
  keys: string[];
  reservationIds: string[];
  /** null reads the credit account's own (the batch's first read, before the org is known). */
  periodStart: Date | null;
  projectIds: string[];
  userIds: string[];
  /** Every open reservation of the org too (AI switched off releases them all). */
  openReservations: boolean;
}

/**
 * ONE statement reads what a batch needs for every org in it (a statement of its own, after the
 * locks, so its snapshot sees every batch committed before the locks were granted). An org
 * without a row is missing from the map. Planned on every batch, with the tables as they are
 * now: a prepared statement's cached plan was measured to go stale as the tables grow (ADR 040).
 */
export async function readBatchStates(trx: Q, at: Date, scopes: BatchScope[]) {
  const input = JSON.stringify(
    scopes.map((s) => ({ org_id: s.orgId, keys: s.keys, reservation_ids: s.reservationIds, period_start: s.periodStart, project_ids: s.projectIds, user_ids: s.userIds, open_reservations: s.openReservations })),
  );
  const { rows } = await sql<BatchStateRow & { org_id: string }>`
    select
      s.org_id::text as org_id,
      (select json_build_object('id', org_id, 'created_at', created_at, 'period_start', period_start, 'period_end', period_end,
          'balance_mc', balance_mc::text, 'ai_enabled', ai_enabled, 'overage_limit_mc', overage_limit_mc::text)
        from credit_accounts where org_id = s.org_id) as org,
      -- Who can raise a limit, named in a refusal (issue 24): one index lookup per org of the batch.
      -- The SQL about another feature's table is its owner's (ADR 017 "Fragments"): names (auth,
      -- org), budget rows (budgets), thresholds (alerts), composed here into this one statement.
      ${ownerNameSql(sql.ref('s.org_id'))} as owner_name,
      -- Budgets of the projects and members this batch meters, with this period's use of each:
      -- settled usage (the daily rollup; periods start at 00:00 UTC) plus open reservations.
      -- Nothing is summed for subjects without a budget, so orgs without budgets pay ~nothing.
      (select coalesce(json_agg(json_build_object('type', b.subject_type, 'id', b.subject_id, 'limit', b.limit_mc::text,
          'name', case b.subject_type when 'project' then ${projectNameSql(sql.ref('b.org_id'), sql.ref('b.subject_id'))}
                                      else ${userNameSql(sql.ref('b.subject_id'))} end,
          'used', ${budgetUseSql(sql`(period.start at time zone 'UTC')::date`, at)}::text)), '[]')
        from ${budgetRowsSql(sql.ref('s.org_id'), { projectIds: sql.ref('s.project_ids'), userIds: sql.ref('s.user_ids') })} b) as budgets,
      -- The month's credits (allowance + purchases + adjustments granted this period) and what is left of them.
      (select json_build_object('granted', coalesce(sum(amount_mc), 0)::text, 'remaining', coalesce(sum(remaining_mc), 0)::text)
        from grants where org_id = s.org_id and period_start = period.start) as month,
      ${alertThresholdsSql(sql.ref('s.org_id'))} as alert_settings,
      -- Auto top-up's settings (billing's fragment): its hook decides a crossing without a read of its own.
      ${armedAutoTopUpSql(sql.ref('s.org_id'))} as auto_topup,
      (select coalesce(sum(estimate_mc), 0) from reservations
        where org_id = s.org_id and status = 'open' and expires_at > ${at})::text as held,
      -- Spendable grants in burn order (docs/product.md): earliest expiry, allowance before purchases, oldest first.
      (select coalesce(json_agg(json_build_object('id', id, 'remaining', remaining_mc::text)
          order by expires_at, case source when 'monthly_allowance' then 0 when 'adjustment' then 1 else 2 end, created_at, id), '[]')
        from grants where org_id = s.org_id and remaining_mc > 0 and starts_at <= ${at} and expires_at > ${at}) as grants,
      (select coalesce(json_agg(json_build_object('key', key, 'operation', operation, 'request_hash', request_hash, 'response', response)), '[]')
        from idempotency_keys where org_id = s.org_id and key = any(s.keys)) as idem,
      (select coalesce(json_agg(json_build_object('org_id', org_id, 'id', id, 'status', status, 'user_id', user_id, 'project_id', project_id,
          'api_key_id', api_key_id, 'source', source, 'use_case', use_case, 'model', model, 'estimate_mc', estimate_mc::text, 'usage_id', usage_id,
          'created_at', created_at, 'expires_at', expires_at, 'closed_at', closed_at)), '[]')
        from (select * from reservations where org_id = s.org_id and id = any(s.reservation_ids)
              -- AI switched off: every open one too (a one-time filter: nothing is read otherwise).
              union all select * from reservations where s.open_reservations and org_id = s.org_id and status = 'open' and id <> all(s.reservation_ids)) r) as res
    from jsonb_to_recordset(${input}::jsonb)
      as s (org_id uuid, keys text[], reservation_ids uuid[], period_start timestamptz, project_ids uuid[], user_ids uuid[], open_reservations boolean)
    cross join lateral (select coalesce(s.period_start, (select period_start from credit_accounts where org_id = s.org_id)) as start) period`.execute(trx);
  return new Map(rows.filter((row) => row.org).map((row) => [row.org_id, toBatchState(row)]));
}

export type BatchState = ReturnType<typeof toBatchState>;

function toBatchState(row: BatchStateRow) {
  const org = row.org;
  return {
    org: org && {
      org_id: org.id as string,
      created_at: new Date(org.created_at as string),
      period_start: new Date(org.period_start as string),
      period_end: new Date(org.period_end as string),
      balance_mc: BigInt(org.balance_mc as string),
      ai_enabled: org.ai_enabled as boolean,
      overage_limit_mc: BigInt(org.overage_limit_mc as string),
    },
    ownerName: row.owner_name,
    budgets: row.budgets.map((b) => ({ type: b.type, id: b.id, name: b.name, limitMc: BigInt(b.limit), usedMc: BigInt(b.used) })),
    month: { grantedMc: BigInt(row.month.granted), remainingMc: BigInt(row.month.remaining) },
    alertSettings: row.alert_settings,
    autoTopUp: armedAutoTopUpFromJson(row.auto_topup),
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

/** What the ledger needs of the credit account it locked. */
export type LockedOrgRow = Pick<Awaited<ReturnType<typeof lockOrg>>, 'org_id' | 'created_at' | 'period_start' | 'period_end' | 'balance_mc' | 'ai_enabled' | 'overage_limit_mc'>;
