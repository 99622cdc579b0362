import { sql, type Expression, type RawBuilder } from 'kysely';

/**
 * SQL about API keys for a statement another feature keeps as one (ADR 017 "Fragments"): the
 * ledger's usage history, charts and per-key usage name the key credits were metered through.
 * An argument is a column of the caller's statement (`sql.ref(...)`) or a value (a parameter).
 */

/** The key's name (null: no such key of the org). A scalar subquery. */
export function apiKeyNameSql(orgId: Expression<unknown> | string, apiKeyId: Expression<unknown> | string): RawBuilder<string | null> {
  return sql<string | null>`(select name from api_keys where org_id = ${orgId} and id = ${apiKeyId})`;
}

/** Every key of the org, revoked ones too, as a derived table (the keys page's list, with usage joined on). */
export function orgApiKeysSql(orgId: Expression<unknown> | string): RawBuilder<{ id: string; name: string; revoked_at: Date | null; created_at: Date }> {
  return sql`(select id, name, revoked_at, created_at from api_keys where org_id = ${orgId})`;
}
