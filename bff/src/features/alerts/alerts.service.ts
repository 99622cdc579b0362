import type { Transaction } from 'kysely';
import { DEFAULT_BUDGET_ALERT_PERCENTS, DEFAULT_CREDIT_ALERT_PERCENTS } from '@ai-credits/shared/budgets';
import type { AlertThresholds, NotificationList } from '@ai-credits/shared/contracts/budgets';
import type { Database } from '../../db/database';
import type { Executor } from '../../db/db';
import { queueEmail } from '../email/email.service';
import { alertMessage, type AlertAbout } from '../email/templates';
import * as repo from './alerts.repository';

/** The org's alert thresholds: its own, else the defaults. */
export async function thresholds(q: Executor, orgId: string): Promise<AlertThresholds> {
  const row = await repo.findSettings(q, orgId);
  return { creditPercents: row?.credit_percents ?? [...DEFAULT_CREDIT_ALERT_PERCENTS], budgetPercents: row?.budget_percents ?? [...DEFAULT_BUDGET_ALERT_PERCENTS] };
}

export async function saveThresholds(trx: Executor, orgId: string, next: AlertThresholds, at: Date): Promise<void> {
  await repo.upsertSettings(trx, orgId, next.creditPercents, next.budgetPercents, at);
}

/** A user's newest notifications and how many are unread. */
export async function notifications(q: Executor, orgId: string, userId: string, limit: number): Promise<NotificationList> {
  const [rows, unread] = await Promise.all([repo.listNotifications(q, orgId, userId, limit), repo.unreadCount(q, orgId, userId)]);
  return {
    unread,
    notifications: rows.map((n) => ({ id: n.id, title: n.title, body: n.body, link: n.link, createdAt: n.created_at.toISOString(), readAt: n.read_at?.toISOString() ?? null })),
  };
}

export async function markRead(q: Executor, orgId: string, userId: string, ids: string[] | 'all', at: Date): Promise<void> {
  await repo.markRead(q, orgId, userId, ids, at);
}

/** What the ledger batch knows about a crossing, for the message. */
export interface Crossing extends repo.AlertCandidate {
  usedMc: bigint;
  totalMc: bigint;
  /** The budget refused an AI request in this batch (it is reached even if less is used). */
  refused?: boolean;
}

/**
 * Called by the ledger inside the batch transaction that crossed the thresholds: the alert row,
 * the notifications and the emails commit (or roll back) with the usage. Cheap when nothing new
 * fired: one insert that conflicts, no further statement.
 */
export async function fireAlerts(trx: Transaction<Database>, orgId: string, periodStart: Date, periodEnd: Date, now: Date, crossings: Crossing[]) {
  if (!crossings.length) return;
  const inserted = await repo.insertAlerts(trx, orgId, periodStart, now, crossings);
  if (!inserted.length) return;
  const fired = crossings.filter((c) => inserted.some((i) => i.subject === c.subject && i.threshold === c.threshold));
  const subjectId = (c: Crossing) => c.subject.slice(c.subject.indexOf(':') + 1);
  const userIds = [...new Set(fired.filter((c) => c.subject.startsWith('user:')).map(subjectId))];
  const projectIds = [...new Set(fired.filter((c) => c.subject.startsWith('project:')).map(subjectId))];
  const [managers, members, projects] = await Promise.all([repo.managers(trx, orgId), repo.membersByIds(trx, orgId, userIds), repo.projectNames(trx, orgId, projectIds)]);

  const notifications: Parameters<typeof repo.insertNotifications>[1] = [];
  const emails: { to: string; subject: string; text: string }[] = [];
  for (const c of fired) {
    const recipients = [...managers];
    let about: AlertAbout = { kind: 'credits' };
    if (c.subject.startsWith('project:')) {
      about = { kind: 'project', id: subjectId(c), name: projects.find((p) => p.id === subjectId(c))?.name ?? 'a project' };
    } else if (c.subject !== 'credits') {
      const member = members.find((m) => m.id === subjectId(c));
      about = { kind: 'member', id: subjectId(c), name: member?.name ?? 'a member' };
      if (member && !recipients.some((r) => r.id === member.id)) recipients.push(member);
    }
    // The words are email/templates.ts's (ADR 014): the notification and the email say the same.
    const message = alertMessage({ about, threshold: c.threshold, usedMc: c.usedMc, totalMc: c.totalMc, refused: c.refused ?? false, resetOn: periodEnd });
    // The member it is about reads it as "you" (issue 24).
    const own = about.kind === 'member' ? alertMessage({ about, threshold: c.threshold, usedMc: c.usedMc, totalMc: c.totalMc, refused: c.refused ?? false, resetOn: periodEnd, toSubject: true }) : null;
    for (const r of recipients) {
      const m = own && about.kind === 'member' && r.id === about.id ? own : message;
      notifications.push({ org_id: orgId, user_id: r.id, title: m.title, body: m.body, link: m.link, created_at: now });
      emails.push({ to: r.email, ...m.email });
    }
  }
  await repo.insertNotifications(trx, notifications);
  for (const e of emails) await queueEmail(trx, { orgId, kind: 'alert', ...e }, now);
}
