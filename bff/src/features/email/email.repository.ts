import { sql, type Insertable, type Transaction } from 'kysely';
import type { Database } from '../../db/database';
import type { Executor } from '../../db/db';
import type { AccountEmailOutboxTable, EmailAttachmentsTable, EmailOutboxTable } from './email.tables';

export async function insertEmail(db: Executor, row: Insertable<EmailOutboxTable>): Promise<{ id: string }> {
  return db.insertInto('email_outbox').values(row).returning('id').executeTakeFirstOrThrow();
}

/** Revises an unsent row, unless a dispatcher holds it (SKIP LOCKED: never waits for an SMTP send). */
export async function reviseUnsent(db: Executor, orgId: string, id: string, subject: string, text: string): Promise<boolean> {
  const { rows } = await sql<{ id: string }>`
    update email_outbox set subject = ${subject}, body_text = ${text}
    where org_id = ${orgId} and id = (
      select id from email_outbox where org_id = ${orgId} and id = ${id} and sent_at is null and attempts = 0 for update skip locked)
    returning id`.execute(db);
  return rows.length > 0;
}

export async function insertAttachments(db: Executor, rows: Insertable<EmailAttachmentsTable>[]) {
  if (rows.length) await db.insertInto('email_attachments').values(rows).execute();
}

/** The files of the given emails (with their bytes: the dispatcher sends them), in order. */
export function attachmentsOf(db: Executor, orgId: string, emailIds: string[]) {
  if (emailIds.length === 0) return Promise.resolve([]);
  return db.selectFrom('email_attachments').selectAll().where('org_id', '=', orgId).where('email_id', 'in', emailIds).orderBy('email_id').orderBy('position').execute();
}

/** What the given emails carry, without the bytes (the Sent emails list). */
export function attachmentInfoOf(db: Executor, orgId: string, emailIds: string[]) {
  if (emailIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('email_attachments')
    .select(['email_id', 'filename', 'content_type', sql<number>`octet_length(content)`.as('size_bytes')])
    .where('org_id', '=', orgId)
    .where('email_id', 'in', emailIds)
    .orderBy('email_id')
    .orderBy('position')
    .execute();
}

/**
 * Locks up to `limit` unsent rows, oldest first, skipping rows another instance holds: each row
 * is delivered by one dispatcher at a time. Rows that failed `maxAttempts` times are left alone.
 */
export function claimUnsent(trx: Transaction<Database>, limit: number, maxAttempts: number) {
  return trx
    .selectFrom('email_outbox')
    .select(['org_id', 'id', 'to_address', 'subject', 'body_text', 'attempts'])
    .where('sent_at', 'is', null)
    .where('attempts', '<', maxAttempts)
    .orderBy('created_at')
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();
}

export async function markSent(trx: Transaction<Database>, orgId: string, id: string, at: Date) {
  await trx.updateTable('email_outbox').set({ sent_at: at, last_error: null, attempts: sql`attempts + 1` }).where('org_id', '=', orgId).where('id', '=', id).execute();
}

export async function markFailed(trx: Transaction<Database>, orgId: string, id: string, error: string) {
  await trx.updateTable('email_outbox').set({ last_error: error.slice(0, 500), attempts: sql`attempts + 1` }).where('org_id', '=', orgId).where('id', '=', id).execute();
}

export function listForOrg(db: Executor, orgId: string, limit: number) {
  return db
    .selectFrom('email_outbox')
    .select(['id', 'kind', 'to_address', 'subject', 'body_text', 'created_at', 'sent_at', 'attempts', 'last_error'])
    .where('org_id', '=', orgId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

// Account emails (verification, password reset, sign-up notices): no organization (issue 20).

export async function insertAccountEmail(db: Executor, row: Insertable<AccountEmailOutboxTable>): Promise<{ id: string }> {
  return db.insertInto('account_email_outbox').values(row).returning('id').executeTakeFirstOrThrow();
}

/** As claimUnsent, for account emails. */
export function claimUnsentAccount(trx: Transaction<Database>, limit: number, maxAttempts: number) {
  return trx
    .selectFrom('account_email_outbox')
    .select(['id', 'to_address', 'subject', 'body_text', 'attempts'])
    .where('sent_at', 'is', null)
    .where('attempts', '<', maxAttempts)
    .orderBy('created_at')
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();
}

export async function markAccountSent(trx: Transaction<Database>, id: string, at: Date) {
  await trx.updateTable('account_email_outbox').set({ sent_at: at, last_error: null, attempts: sql`attempts + 1` }).where('id', '=', id).execute();
}

export async function markAccountFailed(trx: Transaction<Database>, id: string, error: string) {
  await trx.updateTable('account_email_outbox').set({ last_error: error.slice(0, 500), attempts: sql`attempts + 1` }).where('id', '=', id).execute();
}

export function listAccountEmailsTo(db: Executor, to: string, limit: number) {
  return db
    .selectFrom('account_email_outbox')
    .select(['id', 'kind', 'to_address', 'subject', 'body_text', 'created_at', 'sent_at', 'attempts', 'last_error'])
    .where('to_address', '=', to)
    .orderBy('seq', 'desc')
    .limit(limit)
    .execute();
}
