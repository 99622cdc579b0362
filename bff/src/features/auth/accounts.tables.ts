import type { Generated } from 'kysely';
import type { Timestamp, Json } from '../../db/columns';

/**
 * The tables the accounts feature owns: only its repository reads or writes them; other features
 * go through its service (ADR 017; test/table-ownership.test.ts holds this). Kept in step with
 * db/migrations/ by test/schema.test.ts.
 */
export interface AccountsTables {
  organizations: OrganizationsTable;
  users: UsersTable;
  memberships: MembershipsTable;
  sessions: SessionsTable;
  rate_limits: RateLimitsTable;
  account_tokens: AccountTokensTable;
}

export interface OrganizationsTable {
  id: Generated<string>;
  name: string;
  created_at: Timestamp;
}

export interface UsersTable {
  id: Generated<string>;
  email: string;
  name: string;
  password_hash: string;
  created_at: Timestamp;
  /** Null until the owner of the address opened an emailed link (issue 20). */
  email_verified_at: Timestamp | null;
  /** How the SPA shows this user's times: the browser's zone or UTC (issue 24; a per-user choice). */
  time_zone: Generated<'local' | 'utc'>;
}

/** Emailed single-use links (ADR 028): only their SHA-256 is stored. */
export interface AccountTokensTable {
  id: Generated<string>;
  purpose: 'verify_email' | 'claim_email' | 'reset_password';
  user_id: string | null;
  email: string;
  token_hash: string;
  payload: Json | null;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: Timestamp | null;
}

export interface MembershipsTable {
  org_id: string;
  user_id: string;
  role: 'owner' | 'admin' | 'member';
  created_at: Timestamp;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  org_id: string;
  csrf_token: string;
  created_at: Timestamp;
  expires_at: Timestamp;
}

export interface RateLimitsTable {
  key: string;
  window_start: Timestamp;
  count: number;
}
