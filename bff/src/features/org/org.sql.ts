import { sql, type Expression, type RawBuilder } from 'kysely';

/**
 * SQL about the org's projects for a statement another feature must keep as one (ADR 017
 * "Fragments"): the ledger's batch read under the org lock names a project's budget in a
 * refusal, and its history and charts name the project credits were used for. An argument is a
 * column of the caller's statement (`sql.ref('b.org_id')`) or a value (sent as a parameter).
 */

/** The org's projects' ids and names, as a derived table to left join on `id` (planned as the join on projects itself). */
export function projectNamesSql(orgId: Expression<unknown> | string): RawBuilder<{ id: string; name: string }> {
  return sql`(select id, name from projects where org_id = ${orgId})`;
}

/** The project's name (null: no such project of the org), a scalar subquery: one index lookup. */
export function projectNameSql(orgId: Expression<unknown> | string, projectId: Expression<unknown> | string): RawBuilder<string | null> {
  return sql<string | null>`(select name from projects where org_id = ${orgId} and id = ${projectId})`;
}
