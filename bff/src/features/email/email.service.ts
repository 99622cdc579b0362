import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/database';
import * as repo from './email.repository';

/** What the product emails; each kind has its own template where it is sent. */
export type EmailKind = 'invitation' | 'alert' | 'receipt' | 'overage_invoice';

export interface OutgoingEmail {
  orgId: string;
  kind: EmailKind;
  to: string;
  subject: string;
  text: string;
}

/**
 * Queues an email in the caller's transaction (transactional outbox): it is sent only if what
 * it reports commits, and it is never lost once that has committed. Delivery is the
 * dispatcher's job (SMTP when configured; otherwise the outbox is the "test mode" mailbox).
 */
export function queueEmail(trx: Kysely<Database> | Transaction<Database>, email: OutgoingEmail, now: Date): Promise<{ id: string }> {
  return repo.insertEmail(trx, {
    org_id: email.orgId,
    kind: email.kind,
    to_address: email.to.toLowerCase(),
    subject: email.subject,
    body_text: email.text,
    created_at: now,
  });
}
