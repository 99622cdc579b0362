import { sql, type Expression, type RawBuilder } from 'kysely';

/**
 * SQL about the accounts' tables (users, memberships) for a statement another feature must keep
 * as one (ADR 017 "Fragments"): the ledger's batch read under the org lock, and its history and
 * charts, which name who used credits. Each is a scalar subquery; an argument is a column of the
 * caller's statement (`sql.ref('u.user_id')`) or a value (sent as a parameter).
 */

/** The user's display name (null: no such user). */
export function userNameSql(userId: Expression<unknown> | string): RawBuilder<string | null> {
  return sql<string | null>`(select name from users where id = ${userId})`;
}

/** The name of the org's owner, the one who can raise a limit (named in a refusal, issue 24): one index lookup. */
export function ownerNameSql(orgId: Expression<unknown> | string): RawBuilder<string | null> {
  return sql<string | null>`(select u.name from memberships m join users u on u.id = m.user_id where m.org_id = ${orgId} and m.role = 'owner' limit 1)`;
}
