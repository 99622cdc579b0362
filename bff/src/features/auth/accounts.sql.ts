import { sql, type Expression, type RawBuilder } from 'kysely';

/**
 * SQL about the accounts' tables (users, memberships, organizations) for a statement another
 * feature must keep as one (ADR 017 "Fragments"): the ledger's batch read under the org lock, its
 * history and charts, which name who used credits. An argument is a column of the caller's statement
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

/** The name of the org's owner, the one who can raise a limit (named in a refusal, issue 24): one index lookup. */
export function ownerNameSql(orgId: Expression<unknown> | string): RawBuilder<string | null> {
  return sql<string | null>`(select u.name from memberships m join users u on u.id = m.user_id where m.org_id = ${orgId} and m.role = 'owner' limit 1)`;
}
