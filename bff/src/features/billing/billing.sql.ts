import { sql, type Expression, type RawBuilder } from 'kysely';

/** An org's auto top-up settings that may start a top-up now (on, not paused): what the ledger's hook decides with. */
export interface ArmedAutoTopUp {
  threshold_mc: bigint;
  bundle_id: string;
  cap_kind: 'count' | 'amount';
  cap_value: bigint;
}

/**
 * The org's armed auto top-up settings as JSON (null when off, paused or never set), for the
 * ledger's batch read under the org lock, which must stay one statement (ADR 017 "Fragments"):
 * the auto top-up hook then decides a crossing without a round trip of its own (ADR 040). A
 * scalar subquery; `armedAutoTopUpFromJson` reads its value.
 */
export function armedAutoTopUpSql(orgId: Expression<unknown> | string): RawBuilder<Record<string, string> | null> {
  return sql`(select json_build_object('threshold_mc', threshold_mc::text, 'bundle_id', bundle_id, 'cap_kind', cap_kind, 'cap_value', cap_value::text)
    from auto_topup_settings where org_id = ${orgId} and enabled and paused_at is null)`;
}

export function armedAutoTopUpFromJson(row: Record<string, string> | null): ArmedAutoTopUp | null {
  if (!row) return null;
  return { threshold_mc: BigInt(row.threshold_mc!), bundle_id: row.bundle_id!, cap_kind: row.cap_kind as ArmedAutoTopUp['cap_kind'], cap_value: BigInt(row.cap_value!) };
}
