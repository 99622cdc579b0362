import type { Generated } from 'kysely';
import type { Timestamp } from '../../db/columns';

/**
 * The tables the org feature owns: only its repository reads or writes them; other features
 * go through its service (ADR 017; test/table-ownership.test.ts holds this). Kept in step with
 * db/migrations/ by test/schema.test.ts.
 */
export interface OrgTables {
  projects: ProjectsTable;
  invitations: InvitationsTable;
}

export interface ProjectsTable {
  org_id: string;
  id: Generated<string>;
  name: string;
  created_at: Timestamp;
  archived_at: Timestamp | null;
}

export interface InvitationsTable {
  org_id: string;
  id: Generated<string>;
  email: string;
  role: 'admin' | 'member';
  token_hash: string;
  invited_by: string | null;
  created_at: Timestamp;
  expires_at: Timestamp;
  accepted_at: Timestamp | null;
  accepted_by: string | null;
  revoked_at: Timestamp | null;
}
