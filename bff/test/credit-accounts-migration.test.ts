import { sql, type Kysely } from 'kysely';
import { Migrator } from 'kysely/migration';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDb } from '../src/db/db';
import { migrations } from '../src/db/migrations';
import { scratchDatabase } from './support/fault-helpers';

/**
 * Migration 2026_12_06_0200 (issue 23) moves every org's credit account from columns of
 * organizations to credit_accounts, the ledger's table: down puts the columns back with the
 * values, up copies them again, whatever they are.
 */
let database: Awaited<ReturnType<typeof scratchDatabase>>;
// Kysely<any>: the schema between migrations has no Database type.
let db: Kysely<any>;
let migrator: Migrator;
beforeAll(async () => {
  database = await scratchDatabase(undefined, 'ai_credits_migration');
  db = createPostgresDb(database.url, 2);
  migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
});
afterAll(async () => {
  await db.destroy();
  await database.drop();
});

const THIS = '2026_12_06_0200_credit_accounts';
const BEFORE = Object.keys(migrations)[Object.keys(migrations).indexOf(THIS) - 1]!;
const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';

describe('migration 2026_12_06_0200_credit_accounts', () => {
  it('down then up keeps every org’s balance, switch, limit and period', async () => {
    const down = await migrator.migrateTo(BEFORE);
    expect(down.error).toBeUndefined();
    expect(down.results?.at(-1)).toMatchObject({ migrationName: THIS, direction: 'Down', status: 'Success' });
    // The schema before it: the account on the org row.
    await sql`
      insert into organizations (id, name, created_at, ai_enabled, overage_limit_mc, balance_mc, period_start, period_end) values
        (${A}, 'A', '2026-01-31T10:00:00Z', false, 5000, -1200, '2026-11-30T00:00:00Z', '2026-12-31T00:00:00Z'),
        (${B}, 'B', '2026-03-05T00:00:00Z', true, 0, 300000, '2026-12-05T00:00:00Z', '2027-01-05T00:00:00Z')`.execute(db);

    const up = await migrator.migrateTo(THIS);
    expect(up.error).toBeUndefined();
    const { rows } = await sql<Record<string, unknown>>`
      select org_id, created_at, balance_mc::text as balance_mc, ai_enabled, overage_limit_mc::text as overage_limit_mc, period_start, period_end
      from credit_accounts order by org_id`.execute(db);
    expect(rows).toEqual([
      { org_id: A, created_at: new Date('2026-01-31T10:00:00Z'), balance_mc: '-1200', ai_enabled: false, overage_limit_mc: '5000', period_start: new Date('2026-11-30T00:00:00Z'), period_end: new Date('2026-12-31T00:00:00Z') },
      { org_id: B, created_at: new Date('2026-03-05T00:00:00Z'), balance_mc: '300000', ai_enabled: true, overage_limit_mc: '0', period_start: new Date('2026-12-05T00:00:00Z'), period_end: new Date('2027-01-05T00:00:00Z') },
    ]);
    const columns = await sql<{ column_name: string }>`
      select column_name from information_schema.columns where table_schema = 'public' and table_name = 'organizations' order by column_name`.execute(db);
    expect(columns.rows.map((c) => c.column_name)).toEqual(['created_at', 'id', 'name']);
    // The checks moved with the columns.
    await expect(sql`update credit_accounts set overage_limit_mc = -1 where org_id = ${A}`.execute(db)).rejects.toThrow(/check constraint/);
    await expect(sql`update credit_accounts set period_end = period_start where org_id = ${A}`.execute(db)).rejects.toThrow(/check constraint/);

    // And back: down restores the values on the org row.
    await sql`update credit_accounts set balance_mc = 42 where org_id = ${B}`.execute(db);
    expect((await migrator.migrateTo(BEFORE)).error).toBeUndefined();
    const back = await sql<Record<string, unknown>>`
      select id, balance_mc::text as balance_mc, ai_enabled, overage_limit_mc::text as overage_limit_mc, period_start from organizations order by id`.execute(db);
    expect(back.rows).toEqual([
      { id: A, balance_mc: '-1200', ai_enabled: false, overage_limit_mc: '5000', period_start: new Date('2026-11-30T00:00:00Z') },
      { id: B, balance_mc: '42', ai_enabled: true, overage_limit_mc: '0', period_start: new Date('2026-12-05T00:00:00Z') },
    ]);
    expect((await migrator.migrateToLatest()).error).toBeUndefined();
  });
});
