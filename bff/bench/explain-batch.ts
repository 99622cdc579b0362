/**
 * `pnpm bench:explain-batch`: EXPLAIN (ANALYZE, BUFFERS) of every statement of one ledger
 * group-commit batch of metering `record` calls (API key, one org), on real PostgreSQL, in a
 * database it creates and drops. The statements are captured as the ledger sends them; each is
 * run as EXPLAIN ANALYZE in its place (same effects), so the plans are those of a real batch.
 * BENCH_DATABASE_ADMIN_URL as in run.ts; BATCH (default 25) calls in the batch.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { createPostgresDb, migrateToLatest } from '../src/db/db';
import { loadEnv } from '../src/env';
import { systemClock } from '../src/lib/clock';
import { createLogger } from '../src/lib/logger';
import { createServices } from '../src/services';

const adminUrl = process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const BATCH = Number(process.env.BATCH ?? 25);
const name = `ai_credits_explain_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`create database ${name}`);
const url = new URL(adminUrl);
url.pathname = `/${name}`;
const db = createPostgresDb(url.toString(), 4);
try {
  await migrateToLatest(db);
  const env = loadEnv({ DATABASE_URL: url.toString(), LOG_LEVEL: 'silent' });
  const s = createServices({ env, db, clock: systemClock, logger: createLogger('silent') });
  const { context } = await s.accounts.signup({ orgName: 'Explain', name: 'E', email: `${randomUUID()}@bench.test`, password: 'password123' });
  const orgId = context.info.org.id;
  await db.transaction().execute((trx) => s.ledger.grantInTransaction(trx, orgId, { source: 'adjustment', amountMc: 10n ** 12n }));
  const { apiKey } = await s.apiKeys.create(orgId, context.info.user.id, 'explain');
  const call = (i: number) =>
    s.metering.record({ orgId, apiKeyId: apiKey.id, idempotencyKey: `k-${i}-${randomUUID()}` }, { useCase: 'chat', model: 'gpt-4o-mini', inputTokens: 100, outputTokens: 10 });
  // warm: a batch or two, so the caches and the rollup rows exist
  await Promise.all(Array.from({ length: BATCH }, (_, i) => call(i)));

  // Every statement of the next batch, each run as EXPLAIN (ANALYZE, BUFFERS) in its place.
  const plans: string[] = [];
  const original = pg.Client.prototype.query;
  const send = original as unknown as (this: pg.Client, ...args: unknown[]) => Promise<pg.QueryResult<Record<string, string>>>;
  let capturing = true;
  pg.Client.prototype.query = function (this: pg.Client, config: unknown, values?: unknown, cb?: unknown) {
    const text = typeof config === 'string' ? config : (config as { text?: string }).text;
    if (capturing && text && !/^\s*(begin|commit|rollback)\s*$/i.test(text)) {
      const commit = /;\s*commit\s*$/i.test(text);
      const body = text.replace(/;\s*commit\s*$/i, '');
      const explained = `explain (analyze, buffers, costs off, timing on) ${body}`;
      const params = (config as { values?: unknown[] }).values ?? (Array.isArray(values) ? values : undefined);
      const run = (async () => {
        const r = await send.call(this, { text: explained, values: params });
        plans.push(`-- ${body.trim().split('\n')[0]!.slice(0, 120)}\n${r.rows.map((row) => row['QUERY PLAN']).join('\n')}`);
        // The write statement ran (EXPLAIN ANALYZE executes it): its commit follows. A read runs again for its rows.
        if (/^\s*with input as/.test(body)) {
          if (commit) await send.call(this, 'commit');
          return { rows: [], rowCount: 0, fields: [], command: 'SELECT' };
        }
        return send.call(this, { text, values: params });
      })();
      // kysely awaits the promise form
      return run as never;
    }
    return original.call(this, config as never, values as never, cb as never) as never;
  } as typeof original;
  await Promise.all(Array.from({ length: BATCH }, (_, i) => call(1000 + i))).catch((e: unknown) => console.error('(calls answered from the empty EXPLAIN results:', String(e), ')'));
  capturing = false;
  pg.Client.prototype.query = original;
  console.log(plans.join('\n\n'));
} finally {
  await db.destroy();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.end();
}
