import { sql, type Expression, type RawBuilder } from 'kysely';

/**
 * The org's alert thresholds as JSON (`{ credit, budget }`: percents; null when never saved), for
 * the ledger's batch read under the org lock, which must stay one statement (ADR 017
 * "Fragments"): the engine decides there which thresholds a batch crossed. A scalar subquery.
 */
export function alertThresholdsSql(orgId: Expression<unknown> | string): RawBuilder<{ credit: number[]; budget: number[] } | null> {
  return sql`(select json_build_object('credit', credit_percents, 'budget', budget_percents) from alert_settings where org_id = ${orgId})`;
}
