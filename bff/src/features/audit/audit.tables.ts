import type { Generated } from 'kysely';
import type { Timestamp, Json } from '../../db/columns';

/**
 * The tables the audit feature owns: only its repository reads or writes them; other features
 * go through its service (ADR 017; test/table-ownership.test.ts holds this). Kept in step with
 * db/migrations/ by test/schema.test.ts.
 */
export interface AuditTables {
  audit_log: AuditLogTable;
}

export interface AuditLogTable {
  org_id: string;
  id: Generated<string>;
  actor_user_id: string | null;
  action: string;
  from_value: Json | null;
  to_value: Json | null;
  created_at: Timestamp;
}
