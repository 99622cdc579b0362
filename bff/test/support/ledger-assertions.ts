import { sql } from 'kysely';
import { expect } from 'vitest';
import type { Db } from '../../src/db/db';

/** The ledger invariants, read straight from the tables. */
export async function expectLedgerConsistent(db: Db, orgId: string, at: Date) {
  const org = await db.selectFrom('credit_accounts').select('balance_mc').where('org_id', '=', orgId).executeTakeFirstOrThrow();
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
  // the per-key rollup (ADR 039) agrees with the usage rows that carry a key, key by key and day by day
  const keyMismatched = await sql<{ key: string }>`
    select coalesce(r.key, d.key) as key from
      (select api_key_id::text || ' ' || to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD') as key, sum(charged_mc) as mc, count(*) as calls
         from usage_records where org_id = ${orgId} and api_key_id is not null group by 1) r
      full join (select api_key_id::text || ' ' || day::text as key, sum(charged_mc) as mc, sum(calls) as calls from usage_daily_keys where org_id = ${orgId} group by 1) d
      on r.key = d.key
    where r.mc is distinct from d.mc or r.calls is distinct from d.calls`.execute(db);
  expect(keyMismatched.rows).toEqual([]);
  const balance = BigInt(org.balance_mc);
  expect(BigInt(ledger.sum)).toBe(balance);
  expect(BigInt(last.balance_after_mc)).toBe(balance);
  const debt = balance < 0n ? -balance : 0n;
  expect(BigInt(grants.sum) - debt).toBe(balance);
  return balance;
}

/**
 * Everything a fault must leave intact, for one org (issue 9 "Proof"): the ledger invariants
 * above, every paid bundle purchase granted exactly once (and no purchase grant without a paid
 * purchase), no reservation still open past its expiry, and one consume entry per usage row.
 */
export async function expectOrgInvariants(db: Db, orgId: string, at: Date) {
  const balance = await expectLedgerConsistent(db, orgId, at);

  const purchases = await sql<{ id: string; status: string; grants: string }>`
    select p.id, p.status, (select count(*) from grants g where g.org_id = p.org_id and g.purchase_id = p.id)::int as grants
      from purchases p where p.org_id = ${orgId} and p.kind = 'bundle'`.execute(db);
  for (const p of purchases.rows) {
    // 'paid' is only ever a step inside the granting transaction for bundles: settled means granted.
    expect({ id: p.id, status: p.status, grants: Number(p.grants) }).toEqual({ id: p.id, status: p.status, grants: p.status === 'granted' ? 1 : 0 });
  }
  const orphanGrants = await sql<{ id: string }>`
    select g.id from grants g left join purchases p on p.org_id = g.org_id and p.id = g.purchase_id
     where g.org_id = ${orgId} and g.source = 'purchase' and (p.id is null or p.status <> 'granted')`.execute(db);
  expect(orphanGrants.rows).toEqual([]);

  const staleOpen = await db
    .selectFrom('reservations')
    .select('id')
    .where('org_id', '=', orgId)
    .where('status', '=', 'open')
    .where('expires_at', '<=', at)
    .execute();
  expect(staleOpen).toEqual([]);

  // usage rows = consume entries, one to one and amount for amount
  const unmatched = await sql<{ usage_id: string | null; entry_usage_id: string | null }>`
    select u.id as usage_id, e.usage_id as entry_usage_id
      from (select id, charged_mc from usage_records where org_id = ${orgId}) u
      full join (select usage_id, amount_mc from ledger_entries where org_id = ${orgId} and entry_type = 'consume') e
        on e.usage_id = u.id and e.amount_mc = -u.charged_mc
     where u.id is null or e.usage_id is null`.execute(db);
  expect(unmatched.rows).toEqual([]);
  const duplicated = await sql<{ usage_id: string }>`
    select usage_id from ledger_entries where org_id = ${orgId} and entry_type = 'consume' group by usage_id having count(*) > 1`.execute(db);
  expect(duplicated.rows).toEqual([]);
  return balance;
}
