import type { Generated } from 'kysely';
import type { Timestamp } from '../../db/columns';

/**
 * The tables the email feature owns: only its repository reads or writes them; other features
 * go through its service (ADR 017; test/table-ownership.test.ts holds this). Kept in step with
 * db/migrations/ by test/schema.test.ts.
 */
export interface EmailTables {
  email_outbox: EmailOutboxTable;
  account_email_outbox: AccountEmailOutboxTable;
  email_attachments: EmailAttachmentsTable;
}

/** Files an org email carries, stored with it (ADR 035): the dispatcher sends the same bytes on every attempt. */
export interface EmailAttachmentsTable {
  org_id: string;
  email_id: string;
  position: number;
  filename: string;
  content_type: string;
  content: Uint8Array;
}

/** Account emails (verification, reset, sign-up notices): no organization (ADR 028). */
export interface AccountEmailOutboxTable {
  id: Generated<string>;
  seq: Generated<string>;
  kind: string;
  to_address: string;
  subject: string;
  body_text: string;
  created_at: Timestamp;
  attempts: Generated<number>;
  last_error: string | null;
  sent_at: Timestamp | null;
}

export interface EmailOutboxTable {
  org_id: string;
  id: Generated<string>;
  kind: string;
  to_address: string;
  subject: string;
  body_text: string;
  created_at: Timestamp;
  attempts: Generated<number>;
  last_error: string | null;
  sent_at: Timestamp | null;
}
