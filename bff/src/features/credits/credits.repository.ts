import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../db/database';

type Q = Kysely<Database> | Transaction<Database>;

export interface UsageQuery {
  from?: Date;
  to?: Date;
  useCase?: string;
  userId?: string;
  projectId?: string;
  apiKeyId?: string;
  model?: string;
}

export async function unpaidInvoices(db: Q, orgId: string) {
  const row = await db
    .selectFrom('overage_invoices')
    .select([sql<bigint>`count(*)`.as('count'), sql<bigint>`coalesce(sum(amount_cents), 0)::bigint`.as('cents')])
    .where('org_id', '=', orgId)
    .where('status', '=', 'open')
    .executeTakeFirstOrThrow();
  return { count: BigInt(row.count), cents: BigInt(row.cents) };
}

function filtered(db: Q, orgId: string, f: UsageQuery) {
  let q = db
    .selectFrom('usage_records as u')
    .leftJoin('users', 'users.id', 'u.user_id')
    .leftJoin('projects as p', (j) => j.onRef('p.org_id', '=', 'u.org_id').onRef('p.id', '=', 'u.project_id'))
    .leftJoin('api_keys as k', (j) => j.onRef('k.org_id', '=', 'u.org_id').onRef('k.id', '=', 'u.api_key_id'))
    .where('u.org_id', '=', orgId);
  if (f.from) q = q.where('u.occurred_at', '>=', f.from);
  if (f.to) q = q.where('u.occurred_at', '<', f.to);
  if (f.useCase) q = q.where('u.use_case', '=', f.useCase);
  if (f.userId) q = q.where('u.user_id', '=', f.userId);
  if (f.projectId) q = q.where('u.project_id', '=', f.projectId);
  if (f.apiKeyId) q = q.where('u.api_key_id', '=', f.apiKeyId);
  if (f.model) q = q.where('u.model', '=', f.model);
  return q;
}

/** How many rows the filter matches (every page) and the credits they charged. */
export async function usageTotals(db: Q, orgId: string, f: UsageQuery) {
  const row = await filtered(db, orgId, f)
    .select([sql<bigint>`count(*)`.as('count'), sql<bigint>`coalesce(sum(u.charged_mc), 0)::bigint`.as('mc')])
    .executeTakeFirstOrThrow();
  return { count: BigInt(row.count), chargedMc: BigInt(row.mc) };
}

/** The org's API keys by name, for the history's filter (no token prefix: every role may read it). */
export function apiKeyNames(db: Q, orgId: string) {
  return db.selectFrom('api_keys').select(['id', 'name', 'revoked_at']).where('org_id', '=', orgId).orderBy('name').orderBy('created_at').execute();
}

/** Credits metered through each API key in [from, to) (usage rows: the daily rollup has no key). */
export function byApiKey(db: Q, orgId: string, from: Date, to: Date) {
  return db
    .selectFrom('usage_records as u')
    .leftJoin('api_keys as k', (j) => j.onRef('k.org_id', '=', 'u.org_id').onRef('k.id', '=', 'u.api_key_id'))
    .select([sql<string>`u.api_key_id::text`.as('id'), sql<string>`coalesce(k.name, 'Deleted key')`.as('label'), sql<bigint>`sum(u.charged_mc)::bigint`.as('mc')])
    .where('u.org_id', '=', orgId)
    .where('u.api_key_id', 'is not', null)
    .where('u.occurred_at', '>=', from)
    .where('u.occurred_at', '<', to)
    .groupBy(['u.api_key_id', 'k.name'])
    .orderBy('mc', 'desc')
    .execute();
}

/** Newest first, keyset on (occurred_at, id): stable under inserts, no OFFSET scans. */
export function usagePage(db: Q, orgId: string, f: UsageQuery, after: { at: Date; id: string } | null, limit: number) {
  let q = filtered(db, orgId, f).select([
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
    'users.name as user_name',
    'u.project_id',
    'p.name as project_name',
    'u.api_key_id',
    'k.name as api_key_name',
  ]);
  if (after) q = q.where((eb) => eb(eb.refTuple('u.occurred_at', 'u.id'), '<', eb.tuple(after.at, after.id)));
  return q.orderBy('u.occurred_at', 'desc').orderBy('u.id', 'desc').limit(limit).execute();
}

/** Credits consumed on days [fromDay, toDay) from the daily rollup ('YYYY-MM-DD', UTC). */
export async function sumDaily(db: Q, orgId: string, fromDay: string, toDay?: string): Promise<bigint> {
  let q = db
    .selectFrom('usage_daily')
    .select(sql<bigint>`coalesce(sum(charged_mc), 0)::bigint`.as('total'))
    .where('org_id', '=', orgId)
    .where('day', '>=', fromDay);
  if (toDay) q = q.where('day', '<', toDay);
  return BigInt((await q.executeTakeFirstOrThrow()).total);
}

export function dailyByUseCase(db: Q, orgId: string, fromDay: string, toDay: string) {
  return db
    .selectFrom('usage_daily')
    .select(['day', 'use_case', sql<bigint>`sum(charged_mc)::bigint`.as('mc')])
    .where('org_id', '=', orgId)
    .where('day', '>=', fromDay)
    .where('day', '<', toDay)
    .groupBy(['day', 'use_case'])
    .execute();
}

export function breakdown(db: Q, orgId: string, fromDay: string, toDay: string, by: 'user' | 'project' | 'model') {
  const base = db
    .selectFrom('usage_daily as u')
    .where('u.org_id', '=', orgId)
    .where('u.day', '>=', fromDay)
    .where('u.day', '<', toDay);
  const mc = sql<bigint>`sum(u.charged_mc)::bigint`.as('mc');
  if (by === 'user') {
    return base
      .leftJoin('users', 'users.id', 'u.user_id')
      .select([sql<string>`coalesce(u.user_id::text, 'api')`.as('id'), sql<string>`coalesce(users.name, 'API (service)')`.as('label'), mc])
      .groupBy(['u.user_id', 'users.name'])
      .orderBy('mc', 'desc')
      .execute();
  }
  if (by === 'project') {
    return base
      .leftJoin('projects as p', (j) => j.onRef('p.org_id', '=', 'u.org_id').onRef('p.id', '=', 'u.project_id'))
      .select([sql<string>`coalesce(u.project_id::text, 'none')`.as('id'), sql<string>`coalesce(p.name, 'No project')`.as('label'), mc])
      .groupBy(['u.project_id', 'p.name'])
      .orderBy('mc', 'desc')
      .execute();
  }
  return base.select(['u.model as id', 'u.model as label', mc]).groupBy('u.model').orderBy('mc', 'desc').execute();
}

/** The last balance of each hour of the period (the balance chart needs shape, not every entry). */
export function balanceByHour(db: Q, orgId: string, from: Date) {
  return db
    .selectFrom('ledger_entries')
    .select(['created_at', 'balance_after_mc'])
    .distinctOn(sql`date_trunc('hour', created_at)`)
    .where('org_id', '=', orgId)
    .where('created_at', '>=', from)
    .orderBy(sql`date_trunc('hour', created_at)`)
    .orderBy('id', 'desc')
    .execute();
}

export function grantEvents(db: Q, orgId: string, from: Date) {
  return db
    .selectFrom('ledger_entries as l')
    .innerJoin('grants as g', (j) => j.onRef('g.org_id', '=', 'l.org_id').onRef('g.id', '=', 'l.grant_id'))
    .select(['l.created_at', 'l.amount_mc', 'g.source'])
    .where('l.org_id', '=', orgId)
    .where('l.entry_type', '=', 'grant')
    .where('l.created_at', '>=', from)
    .orderBy('l.id')
    .execute();
}
