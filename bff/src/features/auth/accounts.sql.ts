import { sql, type Expression, type RawBuilder } from 'kysely';

/**
 * SQL about the accounts' tables (users, memberships, organizations) for a statement another
 * feature must keep as one (ADR 017 "Fragments"): the ledger's batch read under the org lock, its
 * history and charts, which name who used credits, and billing's auto top-up check. An argument is a column of the caller's statement
 * (`sql.ref('s.org_id')`) or a value (sent as a parameter).
 */

/** Every user's id and display name, as a derived table to left join on `id` (planned as the join on users itself). */
export function userNamesSql(): RawBuilder<{ id: string; name: string }> {
  return sql`(select id, name from users)`;
}

/** The user's display name (null: no such user), a scalar subquery: one index lookup. */
export function userNameSql(userId: Expression<unknown> | string): RawBuilder<string | null> {
  return sql<string | null>`(select name from users where id = ${userId})`;
}

/**
 * The start of the org's current billing period, as stored (the ledger moves it on at rollover),
 * a scalar subquery: the auto top-up check reads it in its one statement inside the ledger's batch.
 */
export function orgPeriodStartSql(orgId: Expression<unknown> | string): RawBuilder<Date> {
  return sql<Date>`(select period_start from organizations where id = ${orgId})`;
}

/** The name of the org's owner, the one who can raise a limit (named in a refusal, issue 24): one index lookup. */
export function ownerNameSql(orgId: Expression<unknown> | string): RawBuilder<string | null> {
  return sql<string | null>`(select u.name from memberships m join users u on u.id = m.user_id where m.org_id = ${orgId} and m.role = 'owner' limit 1)`;
}
