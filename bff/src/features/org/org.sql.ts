import { sql, type Expression, type RawBuilder } from 'kysely';

/**
 * SQL about the org's projects for a statement another feature must keep as one (ADR 017
 * "Fragments"): the ledger's batch read under the org lock names a project's budget in a
 * refusal, and its history and charts name the project credits were used for. A scalar
 * subquery; an argument is a column of the caller's statement or a value (a parameter).
 */
export function projectNameSql(orgId: Expression<unknown> | string, projectId: Expression<unknown> | string): RawBuilder<string | null> {
  return sql<string | null>`(select name from projects where org_id = ${orgId} and id = ${projectId})`;
}
