import { sql, type Expression, type RawBuilder } from 'kysely';

/**
 * Every key of the org, revoked ones too, as a derived table (id, name, revoked_at,
 * created_at), for a statement another feature keeps as one (ADR 017 "Fragments"): the ledger's
 * usage history, charts and per-key usage join it to name the key credits were metered through.
 * A plain subquery: PostgreSQL plans it as the join on api_keys itself. `orgId` is a value (a
 * parameter) or a column of the caller's statement.
 */
export function orgApiKeysSql(orgId: Expression<unknown> | string): RawBuilder<{ id: string; name: string; revoked_at: Date | null; created_at: Date }> {
  return sql`(select id, name, revoked_at, created_at from api_keys where org_id = ${orgId})`;
}
