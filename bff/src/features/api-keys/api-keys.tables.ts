import type { Generated } from 'kysely';
import type { Timestamp } from '../../db/columns';

/**
 * The tables the api-keys feature owns: only its repository reads or writes them; other features
 * go through its service (ADR 017; test/table-ownership.test.ts holds this). Kept in step with
 * db/migrations/ by test/schema.test.ts.
 */
export interface ApiKeysTables {
  api_keys: ApiKeysTable;
}

export interface ApiKeysTable {
  org_id: string;
  id: Generated<string>;
  name: string;
  token_prefix: string;
  token_hash: string;
  created_by: string | null;
  created_at: Timestamp;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
}
