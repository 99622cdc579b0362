import { sql } from 'kysely';
import { expect } from 'vitest';
import type { Db } from '../../src/db/db';

/** The ledger invariants, read straight from the tables. */
export async function expectLedgerConsistent(db: Db, orgId: string, at: Date) {
  const org = await db.selectFrom('organizations').select('balance_mc').where('id', '=', orgId).executeTakeFirstOrThrow();
  const ledger = await db
    .selectFrom('ledger_entries')
    .select(sql<bigint>`coalesce(sum(amount_mc), 0)::bigint`.as('sum'))
    .where('org_id', '=', orgId)
    .executeTakeFirstOrThrow();
  const grants = await db
    .selectFrom('grants')
    .select(sql<bigint>`coalesce(sum(remaining_mc), 0)::bigint`.as('sum'))
    .where('org_id', '=', orgId)
    .where('expires_at', '>', at)
    .executeTakeFirstOrThrow();
  const last = await db
    .selectFrom('ledger_entries')
    .select('balance_after_mc')
    .where('org_id', '=', orgId)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirstOrThrow();
  // the daily rollup agrees with the usage rows, day by day
  const mismatched = await sql<{ day: string }>`
    select coalesce(r.day, d.day) as day from
      (select to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD') as day, sum(charged_mc) as mc, count(*) as calls
         from usage_records where org_id = ${orgId} group by 1) r
      full join (select day::text as day, sum(charged_mc) as mc, sum(calls) as calls from usage_daily where org_id = ${orgId} group by 1) d
      on r.day = d.day
    where r.mc is distinct from d.mc or r.calls is distinct from d.calls`.execute(db);
  expect(mismatched.rows).toEqual([]);
  const balance = BigInt(org.balance_mc);
  expect(BigInt(ledger.sum)).toBe(balance);
  expect(BigInt(last.balance_after_mc)).toBe(balance);
  const debt = balance < 0n ? -balance : 0n;
  expect(BigInt(grants.sum) - debt).toBe(balance);
  return balance;
}
