/**
 * `pnpm bench:reads`: the dashboard's reads at scale. Creates a database of its own, runs the
 * production migrations, fills it through SQL (reads-generate.ts: 10 million usage rows over
 * 1,000 orgs, one org with 1 million), then times every read of the AI Credits page for the big
 * org in-process (the service calls the routes make, so parsing and mapping are in the figure):
 * summary, history first page and a deep page (keyset cursor) with each filter, every chart
 * aggregate for 90 days, and the CSV export of the whole org (rows/s, RSS before and after).
 * Each query the measured calls run is captured and its EXPLAIN (ANALYZE, BUFFERS) written to
 * READS_EXPLAIN (default docs/benchmarks-reads-explain.md).
 *
 * READS_ROWS (10,000,000), READS_ORGS (1,000), READS_BIG_ORG_ROWS (1,000,000), READS_DAYS (365),
 * READS_RUNS (timed runs per read, 30), BENCH_DATABASE_ADMIN_URL,
 * READS_DATABASE=name (reuse a database a previous run kept: no generation, not dropped),
 * READS_KEEP=1 (keep the generated database for a later READS_DATABASE run).
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Kysely, PostgresDialect, sql, type CompiledQuery } from 'kysely';
import pg from 'pg';
import { migrateToLatest } from '../src/db/db';
import type { Database } from '../src/db/database';
import { loadEnv } from '../src/env';
import { systemClock } from '../src/lib/clock';
import { createLogger } from '../src/lib/logger';
import { createServices } from '../src/services';
import * as repo from '../src/features/ledger/ledger.reads';
import { generate } from './reads-generate';

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const ROWS = num('READS_ROWS', 10_000_000);
const ORGS = num('READS_ORGS', 1_000);
const BIG = num('READS_BIG_ORG_ROWS', 1_000_000);
const DAYS = num('READS_DAYS', 365);
const RUNS = num('READS_RUNS', 30);
const TARGET_MS = 30;
const adminUrl = process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const reuse = process.env.READS_DATABASE;
const keep = Boolean(reuse) || process.env.READS_KEEP === '1';
const explainPath = process.env.READS_EXPLAIN ?? path.resolve(import.meta.dirname, '../../docs/benchmarks-reads-explain.md');
const name = reuse ?? `ai_credits_reads_${randomBytes(4).toString('hex')}`;

const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
if (!reuse) await admin.query(`create database ${name}`);
const url = new URL(adminUrl);
url.pathname = `/${name}`;
const pool = new pg.Pool({ connectionString: url.toString(), max: 8 });
pool.on('error', () => {});
// Every query the measured calls run, captured while `capturing` (for EXPLAIN).
let capturing: CompiledQuery[] | null = null;
const db = new Kysely<Database>({
  dialect: new PostgresDialect({ pool }),
  log: (e) => {
    if (e.level === 'query') capturing?.push(e.query);
  },
});
const log = (line: string) => console.log(line);

function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
  return { p50: q(0.5), p95: q(0.95), max: s.at(-1) ?? NaN };
}

const results: { label: string; p50: number; p95: number; max: number }[] = [];
const explains: string[] = [];

/** Two warm-up calls, then RUNS timed calls one after another; EXPLAIN of each query one call runs. */
async function measure(label: string, fn: () => Promise<unknown>) {
  capturing = [];
  await fn();
  const queries = capturing;
  capturing = null;
  await fn();
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  const s = stats(samples);
  results.push({ label, ...s });
  log(`${s.p95 < TARGET_MS ? 'ok  ' : 'MISS'} ${label}: p50 ${s.p50.toFixed(2)} ms, p95 ${s.p95.toFixed(2)} ms`);
  explains.push(`## ${label}\n\np50 ${s.p50.toFixed(2)} ms, p95 ${s.p95.toFixed(2)} ms (${RUNS} runs)\n`);
  const seen = new Set<string>();
  for (const q of queries) {
    if (seen.has(q.sql)) continue;
    seen.add(q.sql);
    const plan = await pool.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers) ${q.sql}`, q.parameters as unknown[]);
    explains.push('```sql\n' + q.sql + '\n```\n```\n' + plan.rows.map((r) => r['QUERY PLAN']).join('\n') + '\n```\n');
  }
}

try {
  await migrateToLatest(db);
  let bigOrgId: string;
  if (!reuse) {
    log(`generating ${ROWS.toLocaleString('en-US')} usage rows over ${ORGS.toLocaleString('en-US')} orgs (${BIG.toLocaleString('en-US')} in one) into ${name}`);
    const t = performance.now();
    ({ bigOrgId } = await generate(db, { orgs: ORGS, rows: ROWS, bigOrgRows: BIG, days: DAYS, log }));
    log(`generated in ${((performance.now() - t) / 1000).toFixed(0)} s`);
  } else {
    bigOrgId = (await sql<{ id: string }>`select id from organizations where name = 'Reads org 1'`.execute(db)).rows[0]!.id;
  }
  const counts = await sql<{ usage: string; daily: string; ledger: string; big: string }>`
    select (select count(*) from usage_records)::text as usage, (select count(*) from usage_daily)::text as daily,
      (select count(*) from ledger_entries)::text as ledger, (select count(*) from usage_records where org_id = ${bigOrgId})::text as big`.execute(db);
  const c = counts.rows[0]!;
  log(`usage_records ${Number(c.usage).toLocaleString('en-US')}, big org ${Number(c.big).toLocaleString('en-US')}, usage_daily ${Number(c.daily).toLocaleString('en-US')}, ledger_entries ${Number(c.ledger).toLocaleString('en-US')}`);

  const env = loadEnv({ DATABASE_URL: url.toString(), LOG_LEVEL: 'silent' });
  const s = createServices({ env, db, clock: systemClock, logger: createLogger('silent') });
  const org = bigOrgId;

  // Filter values: the big org's busiest user and project (from the rollup), and an API key with calls.
  const pick = async (q: string) => (await pool.query<{ v: string }>(q, [org])).rows[0]!.v;
  const userId = await pick(`select user_id::text as v from usage_daily where org_id = $1 and user_id is not null group by 1 order by sum(calls) desc limit 1`);
  const projectId = await pick(`select project_id::text as v from usage_daily where org_id = $1 and project_id is not null group by 1 order by sum(calls) desc limit 1`);
  const apiKeyId = await pick(`select api_key_id::text as v from usage_records where org_id = $1 and api_key_id is not null limit 1`);
  const DAY_MS = 86_400_000;
  const day = (t: number) => new Date(t).toISOString().slice(0, 10);
  const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
  const filters: [string, Parameters<typeof s.credits.usage>[1]][] = [
    ['no filter', { limit: 25 }],
    ['use case', { limit: 25, useCase: 'report' }],
    ['user', { limit: 25, userId }],
    ['project', { limit: 25, projectId }],
    ['model (API calls on a second model)', { limit: 25, model: 'claude-sonnet' }],
    ['API key', { limit: 25, apiKeyId }],
    ['date range (30 days, 60 days back)', { limit: 25, from: day(today - 90 * DAY_MS), to: day(today - 61 * DAY_MS) }],
    // The page's default since issue 24: the current billing period so far, resolved on the server.
    ['this billing period (period=current, the page default)', { limit: 25, period: 'current' }],
  ];

  await measure('summary', () => s.credits.summary(org));
  for (const [label, f] of filters) {
    await measure(`history first page, ${label}`, () => s.credits.usage(org, f));
    // A cursor halfway through what the filter matches: the page a user reaches by scrolling far.
    const first = await s.credits.usage(org, f);
    const depth = Math.floor(first.totals.count / 2);
    let q = db.selectFrom('usage_records as u').select(['u.occurred_at', 'u.id']).where('u.org_id', '=', org);
    if (f.useCase) q = q.where('u.use_case', '=', f.useCase);
    if (f.userId) q = q.where('u.user_id', '=', f.userId);
    if (f.projectId) q = q.where('u.project_id', '=', f.projectId);
    if (f.apiKeyId) q = q.where('u.api_key_id', '=', f.apiKeyId);
    if (f.model) q = q.where('u.model', '=', f.model);
    if (f.from) q = q.where('u.occurred_at', '>=', new Date(`${f.from}T00:00:00Z`));
    if (f.to) q = q.where('u.occurred_at', '<', new Date(new Date(`${f.to}T00:00:00Z`).getTime() + DAY_MS));
    const pivot = await q.orderBy('u.occurred_at', 'desc').orderBy('u.id', 'desc').offset(depth).limit(1).executeTakeFirstOrThrow();
    const cursor = Buffer.from(JSON.stringify([pivot.occurred_at.toISOString(), pivot.id])).toString('base64url');
    await measure(`history page at row ${depth.toLocaleString('en-US')} of ${first.totals.count.toLocaleString('en-US')}, ${label}`, () => s.credits.usage(org, { ...f, cursor }));
  }

  const range = { from: day(today - 89 * DAY_MS), to: day(today) };
  const fromDay = range.from;
  const toDay = day(today + DAY_MS);
  const period = (await s.ledger.ensureCurrentPeriod(org)).periodStart;
  await measure('charts, 90 days (the whole call)', () => s.credits.charts(org, range));
  await measure('  daily by use case, by user, by project, by model (one read of the rollup)', () => repo.chartRollup(db, org, fromDay, toDay));
  await measure('  by API key', () => repo.byApiKey(db, org, fromDay, toDay));
  await measure('  balance by hour (billing period)', () => repo.balanceByHour(db, org, period));
  await measure('  grant events (billing period)', () => repo.grantEvents(db, org, period));
  // Issue 24: the page's default charts call (this billing period, no from/to; the forecast and the
  // top spenders list read this answer) and the charts following the history's filters.
  await measure('charts, this billing period (the page default; forecast and top spenders)', () => s.credits.charts(org, {}));
  await measure('charts, 90 days, filtered by project', () => s.credits.charts(org, { ...range, projectId }));
  await measure('charts, 90 days, filtered by user', () => s.credits.charts(org, { ...range, userId }));
  await measure('charts, 90 days, filtered by API key (the per-key rollup, ADR 039)', () => s.credits.charts(org, { ...range, apiKeyId }));

  // CSV: the whole big org, streamed; RSS sampled while it runs.
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  const heapBefore = process.memoryUsage().heapUsed;
  let rssPeak = rssBefore;
  let lines = -1;
  let bytes = 0;
  const t = performance.now();
  for await (const chunk of s.credits.usageCsv(org, {})) {
    bytes += Buffer.byteLength(chunk);
    for (let i = chunk.indexOf('\n'); i !== -1; i = chunk.indexOf('\n', i + 1)) lines++;
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  }
  const csvSeconds = (performance.now() - t) / 1000;
  global.gc?.();
  const rssAfter = process.memoryUsage().rss;
  const heapAfter = process.memoryUsage().heapUsed;
  const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
  const csvLine = `CSV export, whole big org: ${lines.toLocaleString('en-US')} rows (${mb(bytes)}) in ${csvSeconds.toFixed(1)} s = ${Math.round(lines / csvSeconds).toLocaleString('en-US')} rows/s; RSS before ${mb(rssBefore)}, peak ${mb(rssPeak)}, after ${mb(rssAfter)}; V8 heap in use before ${mb(heapBefore)}, after ${mb(heapAfter)}${global.gc ? ' (after a full GC)' : ' (run with --expose-gc for a GC first)'}`;
  log(csvLine);

  const table = [
    `| read (big org: ${Number(c.big).toLocaleString('en-US')} of ${Number(c.usage).toLocaleString('en-US')} usage rows) | p50 | p95 | under ${TARGET_MS} ms |`,
    '|---|---|---|---|',
    ...results.map((r) => `| ${r.label.trim()} | ${r.p50.toFixed(2)} ms | ${r.p95.toFixed(2)} ms | ${r.p95 < TARGET_MS ? 'yes' : '**no**'} |`),
  ].join('\n');
  console.log(`\n${table}\n\n${csvLine}`);
  writeFileSync(
    explainPath,
    `# EXPLAIN (ANALYZE, BUFFERS) of the dashboard's reads at scale\n\nWritten by \`pnpm bench:reads\` (bff/bench/reads.ts): ${Number(c.usage).toLocaleString('en-US')} usage rows, the big org ${Number(c.big).toLocaleString('en-US')}, ${RUNS} timed runs per read.\n\n${table}\n\n${csvLine}\n\n${explains.join('\n')}`,
  );
  log(`EXPLAIN of every query: ${explainPath}`);
  if (results.some((r) => r.p95 >= TARGET_MS)) process.exitCode = 1;
} finally {
  await db.destroy();
  if (keep) log(`kept database ${name} (READS_DATABASE=${name} to reuse it; drop it when done)`);
  else await admin.query(`drop database if exists ${name} with (force)`);
  await admin.end();
}
