import type { Transaction } from 'kysely';
import { DEFAULT_BUDGET_ALERT_PERCENTS, DEFAULT_CREDIT_ALERT_PERCENTS } from '@ai-credits/shared/budgets';
import type { AlertThresholds, NotificationList } from '@ai-credits/shared/contracts/budgets';
import type { Database } from '../../db/database';
import type { Executor } from '../../db/db';
import { queueEmail } from '../email/email.service';
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

/** Whole credits; what was used is rounded up (never understated), the total is whole already. */
const credits = (mc: bigint) => ((mc + 999n) / 1000n).toLocaleString('en-US');

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
  const resetOn = periodEnd.toISOString().slice(0, 10);

  const notifications: Parameters<typeof repo.insertNotifications>[1] = [];
  const emails: { to: string; subject: string; text: string }[] = [];
  for (const c of fired) {
    const used = `${credits(c.usedMc)} of ${credits(c.totalMc)} credits`;
    const refusal = c.refused ? ' An AI request was refused because it would have passed the budget.' : '';
    let title: string;
    let body: string;
    let link: string;
    const recipients = [...managers];
    if (c.subject === 'credits') {
      title = `${c.threshold}% of this month's credits used`;
      body = `The organization has used ${used} this month (allowance and purchases). Credits reset on ${resetOn}.`;
      link = '/settings/ai-credits';
    } else if (c.subject.startsWith('project:')) {
      const name = projects.find((p) => p.id === subjectId(c))?.name ?? 'a project';
      title = `Project "${name}" is at ${c.threshold}% of its budget`;
      body = `Project "${name}" has used ${used} of its monthly budget (settled and in progress).${refusal} ${c.threshold >= 100 ? 'Further AI work in it is refused' : 'AI work in it stops at the budget'} until the owner raises it or the budget resets on ${resetOn}.`;
      link = `/settings/ai-credits?projectId=${subjectId(c)}`;
    } else {
      const member = members.find((m) => m.id === subjectId(c));
      const name = member?.name ?? 'a member';
      title = `${name} is at ${c.threshold}% of their budget`;
      body = `${name} has used ${used} of their monthly budget (settled and in progress).${refusal} ${c.threshold >= 100 ? 'Further AI work is refused' : 'AI work stops at the budget'} until the owner raises it or the budget resets on ${resetOn}.`;
      link = `/settings/ai-credits?userId=${subjectId(c)}`;
      if (member && !recipients.some((r) => r.id === member.id)) recipients.push(member);
    }
    for (const r of recipients) {
      notifications.push({ org_id: orgId, user_id: r.id, title, body, link, created_at: now });
      emails.push({ to: r.email, subject: `AI Credits: ${title}`, text: `${body}\n` });
    }
  }
  await repo.insertNotifications(trx, notifications);
  for (const e of emails) await queueEmail(trx, { orgId, kind: 'alert', ...e }, now);
}
