import type { Generated } from 'kysely';
import type { Json, Timestamp } from '../../db/columns';

/**
 * The tables the alerts feature owns: only its repository reads or writes them; other features
 * go through its service (ADR 017; test/table-ownership.test.ts holds this). Kept in step with
 * db/migrations/ by test/schema.test.ts.
 */
export interface AlertsTables {
  alert_settings: AlertSettingsTable;
  alerts: AlertsTable;
  notifications: NotificationsTable;
  more_requests: MoreRequestsTable;
}

export interface AlertSettingsTable {
  org_id: string;
  credit_percents: number[];
  budget_percents: number[];
  updated_at: Timestamp;
}

export interface AlertsTable {
  org_id: string;
  period_start: Timestamp;
  subject: string;
  threshold: number;
  created_at: Timestamp;
}

export interface NotificationsTable {
  org_id: string;
  id: Generated<string>;
  user_id: string;
  title: string;
  body: string;
  link: string | null;
  created_at: Timestamp;
  read_at: Timestamp | null;
  kind: Generated<'alert' | 'more_request'>;
  /** The alerts an 'alert' notification lists (AlertItem[]), merged while it is unread (ADR 037). */
  items: Json | null;
  resets_at: Timestamp | null;
  /** Its email in the outbox, revised with the notification while unsent. */
  email_id: string | null;
}

/** "Ask for more": one row per member, limit and UTC day (the key is the once-a-day rule). */
export interface MoreRequestsTable {
  org_id: string;
  user_id: string;
  limit_key: string;
  day: string;
  created_at: Timestamp;
}
