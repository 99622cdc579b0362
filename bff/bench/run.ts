/**
 * `pnpm bench`: speed of the credit engine and the history queries on real PostgreSQL, each
 * next to a baseline measured in the same run on the same machine (the machines are shared and
 * noisy: compare ratios, not absolute numbers). Creates and drops its own database.
 * BENCH_DATABASE_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import pg from 'pg';
import { createPostgresDb, migrateToLatest } from '../src/db/db';
import { loadEnv } from '../src/env';
import { systemClock } from '../src/lib/clock';
import { createLogger } from '../src/lib/logger';
import { createServices } from '../src/services';

const adminUrl = process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const name = `ai_credits_bench_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`create database ${name}`);
const url = new URL(adminUrl);
url.pathname = `/${name}`;
const db = createPostgresDb(url.toString(), 20);
const rows: string[][] = [];

function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return { p50: q(0.5), p95: q(0.95) };
}
const ms = (x: number) => `${x.toFixed(2)} ms`;

async function timeEach(n: number, fn: (i: number) => Promise<unknown>) {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    samples.push(performance.now() - t);
  }
  return stats(samples);
}

try {
  await migrateToLatest(db);
  const env = loadEnv({ DATABASE_URL: url.toString(), LOG_LEVEL: 'silent' });
  const s = createServices({ env, db, clock: systemClock, logger: createLogger('silent') });
  const newOrg = async () => (await s.accounts.signup({ orgName: 'Bench', name: 'B', email: `${randomUUID()}@bench.test`, password: 'password123' })).context.info.org.id;
  const orgId = await newOrg();
  await db.transaction().execute((trx) => s.ledger.grantInTransaction(trx, orgId, { source: 'adjustment', amountMc: 10n ** 12n }));
  const meter = { orgId, userId: null, projectId: null, apiKeyId: null, source: 'api' as const };

  // 1. One metered AI call (reserve + settle) vs the bare cost of two locked transactions.
  const N = 400;
  const baseline = await timeEach(N, () =>
    db.transaction().execute(async (trx) => {
      await trx.selectFrom('organizations').select('id').where('id', '=', orgId).forUpdate().execute();
      await trx.updateTable('organizations').set({ name: 'Bench' }).where('id', '=', orgId).execute();
    }),
  );
  const cycle = await timeEach(N, async (i) => {
    const r = await s.ledger.reserve({ ...meter, useCase: 'chat', model: 'gpt-4o-mini', estimateMc: 5_000n, idempotencyKey: `r-${i}` });
    await s.ledger.settle({ orgId, reservationId: r.reservation.id, inputTokens: 1000, outputTokens: 500, idempotencyKey: `s-${i}` });
  });
  rows.push(['baseline: 2 empty locked transactions', ms(baseline.p50 * 2), ms(baseline.p95 * 2), '1.0×']);
  rows.push(['reserve + settle (one metered AI call)', ms(cycle.p50), ms(cycle.p95), `${(cycle.p50 / (baseline.p50 * 2)).toFixed(1)}×`]);

  // 2. 200 concurrent one-shot meterings: one org (serialised by its row lock) vs 20 orgs.
  const orgs = [orgId];
  for (let i = 0; i < 19; i++) orgs.push(await newOrg());
  const burst = async (pickOrg: (i: number) => string) => {
    const t = performance.now();
    await Promise.all(Array.from({ length: 200 }, (_, i) => s.ledger.record({ ...meter, orgId: pickOrg(i), useCase: 'chat', model: 'gpt-4o-mini', inputTokens: 100, outputTokens: 10 })));
    return performance.now() - t;
  };
  const oneOrg = await burst(() => orgId);
  const manyOrgs = await burst((i) => orgs[i % 20]!);
  rows.push(['200 concurrent meterings, 20 orgs (baseline)', ms(manyOrgs), '', `${Math.round(200_000 / manyOrgs)} ops/s`]);
  rows.push(['200 concurrent meterings, 1 org', ms(oneOrg), '', `${Math.round(200_000 / oneOrg)} ops/s`]);

  // 3. History page deep in 100,000 rows: keyset cursor vs OFFSET (the baseline it replaces).
  await sql`
    insert into usage_records (org_id, occurred_at, source, use_case, model, rate_version, input_mc_per_1k, output_mc_per_1k,
      input_tokens, output_tokens, charged_mc, overage_mc, allocations)
    select ${orgId}::uuid, now() - (g || ' seconds')::interval, 'api', (array['chat','report','test_generation'])[1 + g % 3],
      'gpt-4o-mini', 1, 150, 600, 1000, 500, 450, 0, '[]'::jsonb
    from generate_series(1, 100000) g`.execute(db);
  await sql`
    insert into usage_daily (org_id, day, use_case, model, user_id, project_id, charged_mc, calls)
    select org_id, (occurred_at at time zone 'UTC')::date, use_case, model, user_id, project_id, sum(charged_mc), count(*)
    from usage_records where org_id = ${orgId} group by 1, 2, 3, 4, 5, 6
    on conflict (org_id, day, use_case, model, user_id, project_id)
      do update set charged_mc = usage_daily.charged_mc + excluded.charged_mc, calls = usage_daily.calls + excluded.calls`.execute(db);
  await sql`analyze usage_records`.execute(db);
  const depth = 80_000;
  const pivot = await db.selectFrom('usage_records').select(['occurred_at', 'id']).where('org_id', '=', orgId).orderBy('occurred_at', 'desc').orderBy('id', 'desc').offset(depth).limit(1).executeTakeFirstOrThrow();
  const cursor = Buffer.from(JSON.stringify([pivot.occurred_at.toISOString(), pivot.id])).toString('base64url');
  const offsetPage = await timeEach(30, () =>
    db.selectFrom('usage_records').select(['id']).where('org_id', '=', orgId).orderBy('occurred_at', 'desc').orderBy('id', 'desc').offset(depth).limit(25).execute(),
  );
  const keysetPage = await timeEach(30, () => s.credits.usage(orgId, { cursor, limit: 25 }));
  const summary = await timeEach(30, () => s.credits.summary(orgId));
  const charts = await timeEach(10, () => s.credits.charts(orgId, {}));
  rows.push([`history page at row ${depth.toLocaleString('en-US')}, OFFSET (baseline)`, ms(offsetPage.p50), ms(offsetPage.p95), '1.0×']);
  rows.push([`history page at row ${depth.toLocaleString('en-US')}, keyset (ours)`, ms(keysetPage.p50), ms(keysetPage.p95), `${(keysetPage.p50 / offsetPage.p50).toFixed(2)}×`]);
  rows.push(['dashboard summary (100k usage rows)', ms(summary.p50), ms(summary.p95), '']);
  rows.push(['charts, 30 days (100k usage rows)', ms(charts.p50), ms(charts.p95), '']);

  console.log(`\n| measurement | p50 / total | p95 | vs baseline |\n|---|---|---|---|`);
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
} finally {
  await db.destroy();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.end();
}
