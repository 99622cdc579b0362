import nodemailer from 'nodemailer';
import type { EmailAttachment } from '@ai-credits/shared/contracts/auth';
import type { EmailMode, OutboxEmail } from '@ai-credits/shared/contracts/org';
import type { Executor } from '../../db/db';
import type { Db } from '../../db/db';
import type { Clock } from '../../lib/clock';
import type { Logger } from '../../lib/logger';
import * as directory from '../auth/directory.service';
import * as repo from './email.repository';

/** What the product emails; every kind's words are in templates.ts (ADR 014). */
export type EmailKind = 'invitation' | 'alert' | 'more_request' | 'receipt' | 'overage_invoice' | 'auto_topup_failed';

/** What the product emails to an address about its account (no organization: never under an org's Sent emails). */
export type AccountEmailKind = 'verify_email' | 'password_reset' | 'account_exists';

/** A file sent with an email, stored with its outbox row (ADR 035). */
export interface OutgoingAttachment {
  filename: string;
  contentType: string;
  content: Uint8Array;
}

export interface OutgoingEmail {
  orgId: string;
  kind: EmailKind;
  to: string;
  subject: string;
  text: string;
  /** Stored in the same transaction as the row: every delivery attempt sends the same bytes. */
  attachments?: OutgoingAttachment[];
}

/** One line of user text (a name) in an email: control characters and line breaks become spaces, so it cannot add lines that look like ours. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what this removes
export const oneLine = (text: string) => text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();

/**
 * Queues an email in the caller's transaction (transactional outbox): it is sent only if what
 * it reports commits, and it is never lost once that has committed. Delivery is the
 * dispatcher's job (SMTP when configured; otherwise the outbox is the "test mode" mailbox).
 */
export async function queueEmail(trx: Executor, email: OutgoingEmail, now: Date): Promise<{ id: string }> {
  const row = await repo.insertEmail(trx, {
    org_id: email.orgId,
    kind: email.kind,
    to_address: email.to.toLowerCase(),
    // a header: one line whatever a name stored before names were checked held (issue 20)
    subject: oneLine(email.subject),
    body_text: email.text,
    created_at: now,
  });
  await repo.insertAttachments(
    trx,
    (email.attachments ?? []).map((a, position) => ({ org_id: email.orgId, email_id: row.id, position, filename: oneLine(a.filename), content_type: a.contentType, content: a.content })),
  );
  return row;
}

/**
 * Rewrites a queued email that no dispatcher has sent or taken yet (merged alerts, ADR 037): true
 * when it was revised; false when it is sent or being sent (the caller queues another).
 */
export function reviseUnsentEmail(trx: Executor, orgId: string, id: string, email: { subject: string; text: string }): Promise<boolean> {
  return repo.reviseUnsent(trx, orgId, id, oneLine(email.subject), email.text);
}

/** Queues an account email in the caller's transaction (same guarantees as queueEmail). */
export function queueAccountEmail(trx: Executor, email: { kind: AccountEmailKind; to: string; subject: string; text: string }, now: Date): Promise<{ id: string }> {
  return repo.insertAccountEmail(trx, { kind: email.kind, to_address: email.to.toLowerCase(), subject: oneLine(email.subject), body_text: email.text, created_at: now });
}

/** Where the organization's own emails go (receipts, invoices): its owner's address and the org's name. */
export function ownerOf(trx: Executor, orgId: string): Promise<{ email: string; name: string; orgName: string } | undefined> {
  return directory.orgOwner(trx, orgId);
}

/** The names an email speaks with: the organization's and (when given) a user's. */
export async function names(trx: Executor, orgId: string, userId: string | null): Promise<{ orgName: string; userName: string | null }> {
  const orgName = await directory.orgName(trx, orgId);
  if (orgName === undefined) throw new Error(`no organization ${orgId}`);
  const userName = userId ? ((await directory.userContacts(trx, [userId])).get(userId)?.name ?? null) : null;
  return { orgName: oneLine(orgName), userName: userName === null ? null : oneLine(userName) };
}

/** Sends one message; nodemailer over SMTP in production, replaceable in tests. */
export interface MailTransport {
  send(message: { from: string; to: string; subject: string; text: string; attachments?: { filename: string; contentType: string; content: Buffer }[] }): Promise<void>;
  close(): void;
}

export function smtpTransport(smtpUrl: string): MailTransport {
  // Bounded waits: a silent SMTP server must not hold the dispatcher's row locks for minutes.
  const transporter = nodemailer.createTransport(smtpUrl, { connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 30_000 } as never);
  return {
    async send(message) {
      await transporter.sendMail(message);
    },
    close: () => transporter.close(),
  };
}

/** A row is tried this many times (once per dispatch) before it is left for a person to look at. */
export const MAX_ATTEMPTS = 10;
const BATCH = 20;
const OUTBOX_PAGE = 200;

/**
 * Delivers the outbox over SMTP. Several BFF instances may dispatch at once: each batch locks its
 * rows with FOR UPDATE SKIP LOCKED, so a row is sent by one instance; it is marked sent (or its
 * attempt and error recorded, for the next run) in the transaction that holds the lock. A crash
 * between SMTP's acceptance and the commit sends that email again (at least once, never lost).
 */
export function createEmailService(deps: { db: Db; clock: Clock; logger: Logger; from: string; transport: MailTransport | null }) {
  const { db, clock, logger, from, transport } = deps;
  const mode: EmailMode = transport ? 'smtp' : 'outbox';
  let running: Promise<unknown> | null = null;
  let again = false;

  async function dispatchBatch(): Promise<{ sent: number; failed: number; claimed: number }> {
    if (!transport) return { sent: 0, failed: 0, claimed: 0 };
    const org = await dispatchOrgBatch(transport);
    const account = await dispatchAccountBatch(transport);
    return { sent: org.sent + account.sent, failed: org.failed + account.failed, claimed: Math.max(org.claimed, account.claimed) };
  }

  async function dispatchAccountBatch(transport: MailTransport): Promise<{ sent: number; failed: number; claimed: number }> {
    return db.transaction().execute(async (trx) => {
      const rows = await repo.claimUnsentAccount(trx, BATCH, MAX_ATTEMPTS);
      let sent = 0;
      let failed = 0;
      for (const row of rows) {
        try {
          await transport.send({ from, to: row.to_address, subject: row.subject, text: row.body_text });
          await repo.markAccountSent(trx, row.id, clock.now());
          sent++;
        } catch (err) {
          failed++;
          logger.warn({ err, accountEmailId: row.id, attempts: row.attempts + 1 }, 'account email not delivered; retried on the next dispatch');
          await repo.markAccountFailed(trx, row.id, err instanceof Error ? err.message : String(err));
        }
      }
      return { sent, failed, claimed: rows.length };
    });
  }

  async function dispatchOrgBatch(transport: MailTransport): Promise<{ sent: number; failed: number; claimed: number }> {
    return db.transaction().execute(async (trx) => {
      const rows = await repo.claimUnsent(trx, BATCH, MAX_ATTEMPTS);
      const files = await filesOf(trx, rows);
      let sent = 0;
      let failed = 0;
      for (const row of rows) {
        try {
          const attachments = files.get(row.id);
          await transport.send({ from, to: row.to_address, subject: row.subject, text: row.body_text, ...(attachments ? { attachments } : {}) });
          await repo.markSent(trx, row.org_id, row.id, clock.now());
          sent++;
        } catch (err) {
          failed++;
          logger.warn({ err, emailId: row.id, attempts: row.attempts + 1 }, 'email not delivered; retried on the next dispatch');
          await repo.markFailed(trx, row.org_id, row.id, err instanceof Error ? err.message : String(err));
        }
      }
      return { sent, failed, claimed: rows.length };
    });
  }

  /** The stored files of claimed rows, by email id (nodemailer attachments: filename, content, contentType). */
  async function filesOf(trx: Executor, rows: { org_id: string; id: string }[]) {
    const files = new Map<string, { filename: string; contentType: string; content: Buffer }[]>();
    for (const orgId of new Set(rows.map((r) => r.org_id))) {
      for (const a of await repo.attachmentsOf(trx, orgId, rows.filter((r) => r.org_id === orgId).map((r) => r.id))) {
        files.set(a.email_id, [...(files.get(a.email_id) ?? []), { filename: a.filename, contentType: a.content_type, content: Buffer.from(a.content) }]);
      }
    }
    return files;
  }

  /** One pass over the queue: full batches are followed by the next; a failure waits for the next pass. */
  async function dispatch(): Promise<{ sent: number; failed: number }> {
    let sent = 0;
    let failed = 0;
    for (;;) {
      const r = await dispatchBatch();
      sent += r.sent;
      failed += r.failed;
      if (r.claimed < BATCH || r.failed > 0) return { sent, failed };
    }
  }

  return {
    mode,
    dispatch,

    /** After a request queued mail: dispatch now rather than at the next sweep (never awaited by the request). */
    kick(): void {
      if (!transport) return;
      if (running) {
        again = true;
        return;
      }
      running = (async () => {
        do {
          again = false;
          await dispatch();
        } while (again);
      })()
        .catch((err: unknown) => logger.error({ err }, 'email dispatch failed'))
        .finally(() => (running = null));
    },

    /** Resolves when no dispatch started by kick() is in flight (shutdown, tests). */
    async idle(): Promise<void> {
      while (running) await running;
    },

    close(): void {
      transport?.close();
    },

    /**
     * The dev mailbox (DEV_MAILBOX, never in production): the account emails to one address, for
     * test mode, where no email leaves the server and sign-ups are confirmed from here.
     */
    async accountEmailsTo(to: string): Promise<OutboxEmail[]> {
      const rows = await repo.listAccountEmailsTo(db, to.toLowerCase(), 50);
      return rows.map((r) => ({
        id: r.id,
        kind: r.kind,
        to: r.to_address,
        subject: r.subject,
        text: r.body_text,
        createdAt: r.created_at.toISOString(),
        sentAt: r.sent_at ? r.sent_at.toISOString() : null,
        attempts: r.attempts,
        lastError: r.last_error,
        attachments: [],
      }));
    },

    async outbox(orgId: string): Promise<{ mode: EmailMode; emails: OutboxEmail[] }> {
      const rows = await repo.listForOrg(db, orgId, OUTBOX_PAGE);
      const files = new Map<string, EmailAttachment[]>();
      for (const a of await repo.attachmentInfoOf(db, orgId, rows.map((r) => r.id))) {
        files.set(a.email_id, [...(files.get(a.email_id) ?? []), { filename: a.filename, contentType: a.content_type, sizeBytes: Number(a.size_bytes) }]);
      }
      return {
        mode,
        emails: rows.map((r) => ({
          id: r.id,
          kind: r.kind,
          to: r.to_address,
          subject: r.subject,
          text: r.body_text,
          createdAt: r.created_at.toISOString(),
          sentAt: r.sent_at ? r.sent_at.toISOString() : null,
          attempts: r.attempts,
          lastError: r.last_error,
          attachments: files.get(r.id) ?? [],
        })),
      };
    },
  };
}

export type EmailService = ReturnType<typeof createEmailService>;
