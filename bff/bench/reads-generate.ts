/**
 * Fills a database with usage at scale, through SQL (generate_series), not through the engine:
 * READS_ORGS organizations (default 1,000), READS_ROWS usage rows in all (default 10,000,000),
 * READS_BIG_ORG_ROWS of them in one organization (default 1,000,000), spread over READS_DAYS
 * days back from now (default 365). Everything the reads read is written consistently with it:
 * the `usage_daily` and `usage_daily_keys` rollups are exact aggregates of the usage rows, the ledger a grant
 * per org and month plus one consume entry per usage row of the last 90 days (the reads only
 * read the ledger from the billing period's start), balances as the running sum.
 *
 * Shape (so the rollup is as fine-grained as a real org's, not a worst case): each org has users
 * (50 in the big org, 8 elsewhere), projects (20 / 4) and API keys (10 / 2); 30% of calls come
 * through an API key (no user; any of four models), the rest from a user in the app, mostly in that
 * user's home project, on the org's configured model; the three use cases evenly.
 *
 * Bulk-load practice: the tables the generator fills are UNLOGGED (no WAL for gigabytes of
 * synthetic rows on a shared server) and their indexes are dropped during the load and rebuilt
 * from their own definitions afterwards; reads use the same indexes and plans as in production.
 */
import { sql, type Kysely } from 'kysely';
import { performance } from 'node:perf_hooks';
import type { Database } from '../src/db/database';

export interface GenerateOptions {
  orgs: number;
  rows: number;
  bigOrgRows: number;
  days: number;
  log: (line: string) => void;
}

const FILLED = ['usage_records', 'usage_daily', 'usage_daily_keys', 'ledger_entries', 'grants'] as const;

export async function generate(db: Kysely<Database>, o: GenerateOptions): Promise<{ bigOrgId: string; seconds: Record<string, number> }> {
  const seconds: Record<string, number> = {};
  const step = async (label: string, fn: () => Promise<unknown>) => {
    const t = performance.now();
    await fn();
    seconds[label] = (performance.now() - t) / 1000;
    o.log(`  ${label}: ${seconds[label].toFixed(1)} s`);
  };
  const otherRows = Math.max(0, o.rows - o.bigOrgRows);
  const perOther = o.orgs > 1 ? Math.floor(otherRows / (o.orgs - 1)) : 0;

  await db.connection().execute(async (c) => {
    // this session only: room for sorts and index builds
    await sql`set work_mem = '256MB'`.execute(c);
    await sql`set maintenance_work_mem = '512MB'`.execute(c);
    await sql`set max_parallel_maintenance_workers = 1`.execute(c);

    const indexes = await sql<{ name: string; def: string }>`
      select indexname as name, indexdef as def from pg_indexes
      where schemaname = 'public' and tablename in ('usage_records', 'usage_daily', 'usage_daily_keys', 'ledger_entries', 'grants')
        and indexname not in (select conname from pg_constraint)`.execute(c);
    await step('unlogged tables, indexes dropped', async () => {
      for (const t of FILLED) await sql`alter table ${sql.table(t)} set unlogged`.execute(c);
      for (const i of indexes.rows) await sql`drop index ${sql.id(i.name)}`.execute(c);
      // primary keys and unique constraints go too (rebuilt below from the same definitions)
      const cons = await sql<{ t: string; name: string; def: string }>`
        select conrelid::regclass::text as t, conname as name, pg_get_constraintdef(oid) as def from pg_constraint
        where conrelid::regclass::text in ('usage_records', 'usage_daily', 'usage_daily_keys', 'ledger_entries', 'grants') and contype in ('p', 'u')`.execute(c);
      for (const k of cons.rows) await sql`alter table ${sql.table(k.t)} drop constraint ${sql.id(k.name)}`.execute(c);
      (indexes.rows as { name: string; def: string; t?: string }[]).push(...cons.rows.map((k) => ({ name: k.name, def: `alter table ${k.t} add constraint ${k.name} ${k.def}` })));
    });

    await step('organizations, users, projects, API keys', async () => {
      await sql`
        create temp table gen_orgs as
        select i as idx, gen_random_uuid() as id, case when i = 1 then ${o.bigOrgRows}::int else ${perOther}::int end as n,
          case when i = 1 then 50 else 8 end as n_users, case when i = 1 then 20 else 4 end as n_projects, case when i = 1 then 10 else 2 end as n_keys,
          (array['gpt-4o-mini', 'gpt-4o', 'claude-sonnet', 'llama-3-70b'])[1 + i % 4] as main_model
        from generate_series(1, ${o.orgs}) i`.execute(c);
      await sql`
        insert into organizations (id, name, created_at)
        select id, 'Reads org ' || idx, now() - make_interval(days => ${o.days} + 30) from gen_orgs`.execute(c);
      await sql`
        insert into credit_accounts (org_id, created_at, overage_limit_mc, balance_mc, period_start, period_end)
        select id, now() - make_interval(days => ${o.days} + 30), 0, 0,
          date_trunc('month', now() at time zone 'UTC') at time zone 'UTC',
          (date_trunc('month', now() at time zone 'UTC') + interval '1 month') at time zone 'UTC'
        from gen_orgs`.execute(c);
      await sql`
        create temp table gen_users as
        select o.idx as org_idx, u as n, gen_random_uuid() as id from gen_orgs o cross join lateral generate_series(1, o.n_users) u`.execute(c);
      await sql`
        insert into users (id, email, name, password_hash, created_at)
        select id, 'u' || org_idx || '-' || n || '@reads.test', 'User ' || n, 'x', now() from gen_users`.execute(c);
      await sql`
        insert into memberships (org_id, user_id, role, created_at)
        select o.id, u.id, case when u.n = 1 then 'owner' else 'member' end, now() from gen_users u join gen_orgs o on o.idx = u.org_idx`.execute(c);
      await sql`
        create temp table gen_projects as
        select o.idx as org_idx, p as n, gen_random_uuid() as id from gen_orgs o cross join lateral generate_series(1, o.n_projects) p`.execute(c);
      await sql`
        insert into projects (org_id, id, name, created_at)
        select o.id, p.id, 'Project ' || p.n, now() from gen_projects p join gen_orgs o on o.idx = p.org_idx`.execute(c);
      await sql`
        create temp table gen_keys as
        select o.idx as org_idx, k as n, gen_random_uuid() as id from gen_orgs o cross join lateral generate_series(1, o.n_keys) k`.execute(c);
      await sql`
        insert into api_keys (org_id, id, name, token_prefix, token_hash, created_at)
        select o.id, k.id, 'Key ' || k.n, 'ak_reads', md5(k.id::text), now() from gen_keys k join gen_orgs o on o.idx = k.org_idx`.execute(c);
      await sql`
        create temp table gen_refs as
        select o.*,
          (select array_agg(id order by n) from gen_users u where u.org_idx = o.idx) as users,
          (select array_agg(id order by n) from gen_projects p where p.org_idx = o.idx) as projects,
          (select array_agg(id order by n) from gen_keys k where k.org_idx = o.idx) as keys
        from gen_orgs o`.execute(c);
    });

    await step(`usage_records (${o.rows.toLocaleString('en-US')} rows)`, async () => {
      // g runs oldest (1) to newest (n): the row's time is its share of the span, plus jitter.
      await sql`
        insert into usage_records (org_id, occurred_at, user_id, project_id, api_key_id, source, use_case, model, rate_version,
          input_mc_per_1k, output_mc_per_1k, input_tokens, output_tokens, charged_mc, overage_mc, allocations)
        select r.id, ts, uid, pid, kid, case when api then 'api' else 'app' end, uc, m.model, 1, m.inr, m.outr, tin, tout,
          (tin::bigint * m.inr + tout::bigint * m.outr + 999) / 1000, 0, '[]'::jsonb
        from gen_refs r
        cross join lateral generate_series(1, r.n) g
        cross join lateral (select
          now() - make_interval(secs => ${o.days}::float8 * 86400 * (r.n - g + random()) / r.n) as ts,
          g % 10 < 3 as api,
          (1 + (g::bigint * 7919) % r.n_users)::int as ui,
          (1 + (g::bigint * 104729) % r.n_keys)::int as ki,
          (array['test_generation', 'chat', 'report'])[1 + g % 3] as uc,
          case when g % 10 >= 3 then r.main_model else (array['gpt-4o-mini', 'gpt-4o', 'claude-sonnet', 'llama-3-70b'])[1 + (g / 10) % 4] end as mname,
          200 + (g * 31) % 4000 as tin,
          50 + (g * 17) % 1500 as tout) x
        cross join lateral (select
          case when x.api then null else r.users[x.ui] end as uid,
          case when x.api then r.keys[x.ki] end as kid,
          case when x.api then r.projects[1 + (x.ki - 1) % r.n_projects]
               when g % 10 = 9 then null
               else r.projects[1 + (x.ui - 1) % r.n_projects] end as pid) y
        cross join lateral (select x.mname as model,
          case x.mname when 'gpt-4o-mini' then 150 when 'gpt-4o' then 2500 when 'claude-sonnet' then 3000 else 800 end as inr,
          case x.mname when 'gpt-4o-mini' then 600 when 'gpt-4o' then 10000 when 'claude-sonnet' then 15000 else 800 end as outr) m`.execute(c);
    });

    await step('usage_daily rollup', async () => {
      await sql`
        insert into usage_daily (org_id, day, use_case, model, user_id, project_id, charged_mc, calls)
        select org_id, (occurred_at at time zone 'UTC')::date, use_case, model, user_id, project_id, sum(charged_mc), count(*)
        from usage_records group by 1, 2, 3, 4, 5, 6`.execute(c);
    });

    await step('usage_daily_keys rollup (ADR 039)', async () => {
      await sql`
        insert into usage_daily_keys (org_id, api_key_id, day, use_case, model, user_id, project_id, charged_mc, calls)
        select org_id, api_key_id, (occurred_at at time zone 'UTC')::date, use_case, model, user_id, project_id, sum(charged_mc), count(*)
        from usage_records where api_key_id is not null group by 1, 2, 3, 4, 5, 6, 7`.execute(c);
    });

    await step('grants and ledger (last 90 days)', async () => {
      // A monthly allowance per org and month of the window, big enough that balances stay positive.
      await sql`
        insert into grants (org_id, source, amount_mc, remaining_mc, starts_at, expires_at, period_start, created_at)
        select o.id, 'monthly_allowance', 10000000000, 10000000000, m, m + interval '1 month', m, m
        from gen_orgs o cross join lateral generate_series(
          date_trunc('month', (now() - interval '90 days') at time zone 'UTC') at time zone 'UTC',
          date_trunc('month', now() at time zone 'UTC') at time zone 'UTC', interval '1 month') m`.execute(c);
      // Grants and consumes in time order (the identity follows it, as in production), each
      // balance the running sum of what came before in the org.
      await sql`
        insert into ledger_entries (org_id, entry_type, amount_mc, balance_after_mc, grant_id, usage_id, created_at)
        select org_id, entry_type, amount_mc, sum(amount_mc) over (partition by org_id order by created_at, seq rows unbounded preceding),
          grant_id, usage_id, created_at
        from (
          select org_id, 'grant' as entry_type, amount_mc, id as grant_id, null::uuid as usage_id, created_at, 0 as seq from grants
          union all
          select org_id, 'consume', -charged_mc, null, id, occurred_at, 1 from usage_records where occurred_at >= now() - interval '90 days'
        ) e
        order by created_at, seq`.execute(c);
      await sql`
        update credit_accounts a set balance_mc = l.balance_after_mc
        from (select distinct on (org_id) org_id, balance_after_mc from ledger_entries order by org_id, id desc) l
        where l.org_id = a.org_id`.execute(c);
    });

    await step('indexes rebuilt', async () => {
      for (const i of indexes.rows) await sql.raw(i.def).execute(c);
    });
    await step('vacuum analyze', async () => {
      for (const t of [...FILLED, 'organizations', 'credit_accounts', 'users', 'projects', 'api_keys', 'memberships']) await sql`vacuum (analyze) ${sql.table(t)}`.execute(c);
    });
  });
  const big = await sql<{ id: string }>`select id from organizations where name = 'Reads org 1'`.execute(db);
  return { bigOrgId: big.rows[0]!.id, seconds };
}
