import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { Executor } from '../../db/db';
import type { Database } from '../../db/database';
import { orgApiKeysSql } from '../api-keys/api-keys.sql';
import { userNamesSql } from '../auth/accounts.sql';
import { projectNamesSql } from '../org/org.sql';

/**
 * The ledger's read side (ADR 017): what the credits summary, usage history, CSV, charts and
 * statements read of the ledger's tables (grants, ledger_entries, usage_records and the daily
 * rollups). Each function takes the executor the caller picks: the read replica (ADR 023) or a
 * repeatable-read snapshot (a statement). Names of users, projects and API keys come from their
 * owners' SQL fragments (*.sql.ts): derived tables joined in the same statement, planned as the
 * joins on the owners' tables they replaced.
 */

export interface UsageQuery {
  from?: Date;
  to?: Date;
  useCase?: string;
  userId?: string;
  projectId?: string;
  apiKeyId?: string;
  model?: string;
}

/** The history filters, one definition for the page, its totals and the CSV. */
function usageFilter(eb: ExpressionBuilder<{ u: Database['usage_records'] }, 'u'>, orgId: string, f: UsageQuery): Expression<SqlBool> {
  const conditions = [eb('u.org_id', '=', orgId)];
  if (f.from) conditions.push(eb('u.occurred_at', '>=', f.from));
  if (f.to) conditions.push(eb('u.occurred_at', '<', f.to));
  if (f.useCase) conditions.push(eb('u.use_case', '=', f.useCase));
  if (f.userId) conditions.push(eb('u.user_id', '=', f.userId));
  if (f.projectId) conditions.push(eb('u.project_id', '=', f.projectId));
  if (f.apiKeyId) conditions.push(eb('u.api_key_id', '=', f.apiKeyId));
  if (f.model) conditions.push(eb('u.model', '=', f.model));
  return eb.and(conditions);
}

const DAY_MS = 86_400_000;
const dayText = (t: number) => new Date(t).toISOString().slice(0, 10);

/** Count and credits straight from the usage rows (no joins: the totals name nothing). */
async function rowTotals(db: Executor, orgId: string, f: UsageQuery) {
  const row = await db
    .selectFrom('usage_records as u')
    .select([sql<bigint>`count(*)`.as('count'), sql<bigint>`coalesce(sum(u.charged_mc), 0)::bigint`.as('mc')])
    .where((eb) => usageFilter(eb, orgId, f))
    .executeTakeFirstOrThrow();
  return { count: BigInt(row.count), chargedMc: BigInt(row.mc) };
}

/**
 * How many rows the filter matches (every page) and the credits they charged. Whole UTC days
 * come from the daily rollup (written with each usage row, so it is exact), which reads days,
 * not calls: counting an org's million rows on every page took far longer than the page itself.
 * Partial days at either edge of a date-time range are counted from the rows. The rollup has no
 * API key, so that filter counts rows (through its own index).
 */
export async function usageTotals(db: Executor, orgId: string, f: UsageQuery) {
  if (f.apiKeyId) return rowTotals(db, orgId, f);
  const fromDay = f.from ? Math.ceil(f.from.getTime() / DAY_MS) * DAY_MS : undefined;
  const toDay = f.to ? Math.floor(f.to.getTime() / DAY_MS) * DAY_MS : undefined;
  if (fromDay !== undefined && toDay !== undefined && fromDay >= toDay) return rowTotals(db, orgId, f);
  let q = db
    .selectFrom('usage_daily as d')
    .select([sql<bigint>`coalesce(sum(d.calls), 0)::bigint`.as('count'), sql<bigint>`coalesce(sum(d.charged_mc), 0)::bigint`.as('mc')])
    .where('d.org_id', '=', orgId);
  if (fromDay !== undefined) q = q.where('d.day', '>=', dayText(fromDay));
  if (toDay !== undefined) q = q.where('d.day', '<', dayText(toDay));
  if (f.useCase) q = q.where('d.use_case', '=', f.useCase);
  if (f.userId) q = q.where('d.user_id', '=', f.userId);
  if (f.projectId) q = q.where('d.project_id', '=', f.projectId);
  if (f.model) q = q.where('d.model', '=', f.model);
  const edges = [
    f.from && fromDay !== undefined && f.from.getTime() < fromDay ? rowTotals(db, orgId, { ...f, to: new Date(fromDay) }) : null,
    f.to && toDay !== undefined && toDay < f.to.getTime() ? rowTotals(db, orgId, { ...f, from: new Date(toDay) }) : null,
  ];
  const [days, ...parts] = await Promise.all([q.executeTakeFirstOrThrow(), ...edges]);
  let count = BigInt(days.count);
  let chargedMc = BigInt(days.mc);
  for (const p of parts) {
    if (!p) continue;
    count += p.count;
    chargedMc += p.chargedMc;
  }
  return { count, chargedMc };
}

/**
 * Credits metered through each API key on days [fromDay, toDay) ('YYYY-MM-DD', UTC), from the
 * per-key daily rollup (ADR 039), summed per key first and named after: a handful of keys.
 */
export function byApiKey(db: Executor, orgId: string, fromDay: string, toDay: string, f: ChartFilters = {}) {
  const perKey = db
    .selectFrom('usage_daily_keys as u')
    .select(['u.api_key_id', sql<bigint>`sum(u.charged_mc)::bigint`.as('mc')])
    .where('u.org_id', '=', orgId)
    .where('u.day', '>=', fromDay)
    .where('u.day', '<', toDay)
    .$if(!!f.apiKeyId, (q) => q.where('u.api_key_id', '=', f.apiKeyId!))
    .$if(!!f.useCase, (q) => q.where('u.use_case', '=', f.useCase!))
    .$if(!!f.userId, (q) => q.where('u.user_id', '=', f.userId!))
    .$if(!!f.projectId, (q) => q.where('u.project_id', '=', f.projectId!))
    .$if(!!f.model, (q) => q.where('u.model', '=', f.model!))
    .groupBy('u.api_key_id')
    .as('s');
  return db
    .selectFrom(perKey)
    .leftJoin(orgApiKeysSql(orgId).as('k'), 'k.id', 's.api_key_id')
    .select([sql<string>`s.api_key_id::text`.as('id'), sql<string>`coalesce(k.name, 'Deleted key')`.as('label'), 's.mc'])
    .orderBy('s.mc', 'desc')
    .execute();
}

/**
 * Every API key of the org with the calls and credits metered through it in [from, to): the
 * keys page's "usage this period" (issue 22). Summed per key first (usage_records_api_key), then
 * joined onto the key list, so a key that metered nothing reads 0.
 */
export function usageByApiKey(db: Executor, orgId: string, from: Date, to: Date) {
  const perKey = db
    .selectFrom('usage_records as u')
    .select(['u.api_key_id', sql<bigint>`count(*)`.as('calls'), sql<bigint>`sum(u.charged_mc)::bigint`.as('mc')])
    .where('u.org_id', '=', orgId)
    .where('u.api_key_id', 'is not', null)
    .where('u.occurred_at', '>=', from)
    .where('u.occurred_at', '<', to)
    .groupBy('u.api_key_id')
    .as('s');
  return db
    .selectFrom(orgApiKeysSql(orgId).as('k'))
    .leftJoin(perKey, 's.api_key_id', 'k.id')
    .select(['k.id', 'k.name', sql<bigint>`coalesce(s.calls, 0)`.as('calls'), sql<bigint>`coalesce(s.mc, 0)::bigint`.as('mc')])
    .orderBy('k.revoked_at', (ob) => ob.desc().nullsFirst())
    .orderBy('k.created_at', 'desc')
    .execute();
}

/** Newest first, keyset on (occurred_at, id): stable under inserts, no OFFSET scans. */
export function usagePage(db: Executor, orgId: string, f: UsageQuery, after: { at: Date; id: string } | null, limit: number) {
  let q = db
    .selectFrom('usage_records as u')
    .leftJoin(userNamesSql().as('n'), 'n.id', 'u.user_id')
    .leftJoin(projectNamesSql(orgId).as('p'), 'p.id', 'u.project_id')
    .leftJoin(orgApiKeysSql(orgId).as('k'), 'k.id', 'u.api_key_id')
    .where((eb) => usageFilter(eb, orgId, f))
    .select([
    'u.id',
    'u.occurred_at',
    'u.use_case',
    'u.model',
    'u.input_tokens',
    'u.output_tokens',
    'u.charged_mc',
    'u.overage_mc',
    'u.source',
    'u.user_id',
    'n.name as user_name',
    'u.project_id',
    'p.name as project_name',
    'u.api_key_id',
    'k.name as api_key_name',
  ]);
  if (after) q = q.where((eb) => eb(eb.refTuple('u.occurred_at', 'u.id'), '<', eb.tuple(after.at, after.id)));
  return q.orderBy('u.occurred_at', 'desc').orderBy('u.id', 'desc').limit(limit).execute();
}

/** Credits consumed on days [fromDay, toDay) from the daily rollup ('YYYY-MM-DD', UTC). */
export async function sumDaily(db: Executor, orgId: string, fromDay: string, toDay?: string): Promise<bigint> {
  let q = db
    .selectFrom('usage_daily')
    .select(sql<bigint>`coalesce(sum(charged_mc), 0)::bigint`.as('total'))
    .where('org_id', '=', orgId)
    .where('day', '>=', fromDay);
  if (toDay) q = q.where('day', '<', toDay);
  return BigInt((await q.executeTakeFirstOrThrow()).total);
}

/**
 * Every rollup aggregate the charts show, in one read of the range's rollup rows (grouping sets):
 * credits per day and use case, and per user, project and model, each named. One index-only scan
 * instead of four over the same rows (a busy org has about 13,000 of them in 90 days).
 */
export type ChartFilters = Pick<UsageQuery, 'useCase' | 'userId' | 'projectId' | 'apiKeyId' | 'model'>;

/** The history's filters (but the dates and the key) as SQL conditions on usage_daily or usage_daily_keys: the same columns. */
function chartConditions(f: ChartFilters) {
  const conditions = [];
  if (f.useCase) conditions.push(sql`use_case = ${f.useCase}`);
  if (f.userId) conditions.push(sql`user_id = ${f.userId}`);
  if (f.projectId) conditions.push(sql`project_id = ${f.projectId}`);
  if (f.model) conditions.push(sql`model = ${f.model}`);
  return conditions;
}

export async function chartRollup(db: Executor, orgId: string, fromDay: string, toDay: string, f: ChartFilters = {}) {
  // usage_daily has no API key: with that filter the same aggregates come from the per-key rollup
  // (ADR 039), the key's range of its unique index, read index-only.
  const source = f.apiKeyId ? sql`usage_daily_keys` : sql`usage_daily`;
  const where = sql.join(
    [sql`org_id = ${orgId}`, ...(f.apiKeyId ? [sql`api_key_id = ${f.apiKeyId}`] : []), sql`day >= ${fromDay}`, sql`day < ${toDay}`, ...chartConditions(f)],
    sql` and `,
  );
  const { rows } = await sql<{ kind: 'daily' | 'user' | 'project' | 'model'; day: string | null; use_case: string | null; id: string | null; label: string | null; mc: bigint }>`
    with g as (
      select day::text as day, use_case, user_id, project_id, model, sum(charged_mc)::bigint as mc,
        case when grouping(day, use_case) = 0 then 'daily' when grouping(user_id) = 0 then 'user' when grouping(project_id) = 0 then 'project' else 'model' end as kind
      from ${source}
      where ${where}
      group by grouping sets ((day, use_case), (user_id), (project_id), (model))
    )
    select g.kind, g.day, g.use_case,
      case g.kind when 'user' then coalesce(g.user_id::text, 'api') when 'project' then coalesce(g.project_id::text, 'none') when 'model' then g.model end as id,
      case g.kind when 'user' then coalesce(n.name, 'API (service)') when 'project' then coalesce(p.name, 'No project') when 'model' then g.model end as label,
      g.mc
    from g
    left join ${userNamesSql()} n on g.kind = 'user' and n.id = g.user_id
    left join ${projectNamesSql(orgId)} p on g.kind = 'project' and p.id = g.project_id
    order by g.mc desc`.execute(db);
  const pick = (kind: 'user' | 'project' | 'model') => rows.filter((r) => r.kind === kind).map((r) => ({ id: r.id!, label: r.label!, mc: r.mc }));
  return {
    daily: rows.filter((r) => r.kind === 'daily').map((r) => ({ day: r.day!, use_case: r.use_case!, mc: r.mc })),
    byUser: pick('user'),
    byProject: pick('project'),
    byModel: pick('model'),
  };
}

/**
 * The last balance of each hour of the period (the balance chart needs shape, not every entry).
 * One index probe per hour, newest entry first (ledger_entries_recent), rather than reading and
 * sorting every entry of the period: a busy org writes a hundred thousand of them a month. Under
 * the org's row lock an org's entries are written in time order, so the newest entry of an hour
 * is its last one.
 */
export async function balanceByHour(db: Executor, orgId: string, from: Date) {
  const rows = await sql<{ id: string; created_at: Date; balance_after_mc: bigint }>`
    select l.id, l.created_at, l.balance_after_mc
    from generate_series(
      date_trunc('hour', ${from}::timestamptz),
      (select max(created_at) from ledger_entries where org_id = ${orgId}),
      interval '1 hour') h
    cross join lateral (
      select id, created_at, balance_after_mc from ledger_entries
      where org_id = ${orgId} and created_at >= greatest(h, ${from}::timestamptz) and created_at < h + interval '1 hour'
      order by created_at desc, id desc
      limit 1) l
    order by h`.execute(db);
  return rows.rows;
}

export function grantEvents(db: Executor, orgId: string, from: Date) {
  return db
    .selectFrom('ledger_entries as l')
    .innerJoin('grants as g', (j) => j.onRef('g.org_id', '=', 'l.org_id').onRef('g.id', '=', 'l.grant_id'))
    .select(['l.id', 'l.created_at', 'l.amount_mc', 'l.balance_after_mc', 'g.source'])
    .where('l.org_id', '=', orgId)
    .where('l.entry_type', '=', 'grant')
    .where('l.created_at', '>=', from)
    .orderBy('l.id')
    .execute();
}

/**
 * The entries of one billing period [start, end) for its statement (ADR 035). The rollover writes
 * the closing entries of a period (expire, overage_invoiced) at the instant the period ends, the
 * same instant as the next period's allowance: a closing entry belongs to the period it closes
 * ((start, end]), every other entry to the period its time falls in ([start, end)).
 */
function inPeriod(start: Date, end: Date) {
  return sql<boolean>`((l.entry_type in ('expire', 'overage_invoiced') and l.created_at > ${start} and l.created_at <= ${end})
    or (l.entry_type not in ('expire', 'overage_invoiced') and l.created_at >= ${start} and l.created_at < ${end}))`;
}

/** The balance after the last entry before the period (0 before the first entry); ledger order is id order within an org (appended under its lock). */
export async function balanceBefore(db: Executor, orgId: string, start: Date): Promise<bigint> {
  const row = await sql<{ balance_after_mc: bigint }>`
    select l.balance_after_mc from ledger_entries l
    where l.org_id = ${orgId} and (l.created_at < ${start} or (l.created_at = ${start} and l.entry_type in ('expire', 'overage_invoiced')))
    order by l.id desc limit 1`.execute(db);
  return row.rows[0] ? BigInt(row.rows[0].balance_after_mc) : 0n;
}

/** The balance after the period's last entry (undefined: no entry in the period). */
export async function balanceAtPeriodEnd(db: Executor, orgId: string, start: Date, end: Date): Promise<bigint | undefined> {
  const row = await sql<{ balance_after_mc: bigint }>`
    select l.balance_after_mc from ledger_entries l where l.org_id = ${orgId} and ${inPeriod(start, end)} order by l.id desc limit 1`.execute(db);
  return row.rows[0] ? BigInt(row.rows[0].balance_after_mc) : undefined;
}

/** The period's entries summed by type (and by grant source for grants). */
export async function periodTotals(db: Executor, orgId: string, start: Date, end: Date) {
  const rows = await sql<{ entry_type: string; source: string | null; mc: bigint }>`
    select l.entry_type, g.source, sum(l.amount_mc)::bigint as mc
    from ledger_entries l left join grants g on g.org_id = l.org_id and g.id = l.grant_id and l.entry_type = 'grant'
    where l.org_id = ${orgId} and ${inPeriod(start, end)}
    group by l.entry_type, g.source`.execute(db);
  return rows.rows.map((r) => ({ type: r.entry_type, source: r.source, mc: BigInt(r.mc) }));
}

/** Each purchase and adjustment granted in the period, in ledger order. */
export async function periodGrants(db: Executor, orgId: string, start: Date, end: Date) {
  const rows = await sql<{ created_at: Date; amount_mc: bigint; source: 'purchase' | 'adjustment'; purchase_id: string | null; note: string | null }>`
    select l.created_at, l.amount_mc, g.source, g.purchase_id, g.note
    from ledger_entries l join grants g on g.org_id = l.org_id and g.id = l.grant_id
    where l.org_id = ${orgId} and l.entry_type = 'grant' and g.source <> 'monthly_allowance' and ${inPeriod(start, end)}
    order by l.id`.execute(db);
  return rows.rows.map((r) => ({ ...r, amount_mc: BigInt(r.amount_mc) }));
}

/** The period's consumption by use case: what the consume entries took, and how many. */
export async function periodUsageByUseCase(db: Executor, orgId: string, start: Date, end: Date) {
  const rows = await sql<{ use_case: string; calls: bigint; mc: bigint }>`
    select u.use_case, count(*)::bigint as calls, (-sum(l.amount_mc))::bigint as mc
    from ledger_entries l join usage_records u on u.org_id = l.org_id and u.id = l.usage_id
    where l.org_id = ${orgId} and l.entry_type = 'consume' and ${inPeriod(start, end)}
    group by u.use_case order by u.use_case`.execute(db);
  return rows.rows.map((r) => ({ useCase: r.use_case, calls: BigInt(r.calls), mc: BigInt(r.mc) }));
}
