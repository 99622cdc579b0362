import type { Transaction } from 'kysely';
import { DEFAULT_BUDGET_ALERT_PERCENTS, DEFAULT_CREDIT_ALERT_PERCENTS } from '@ai-credits/shared/budgets';
import type { AlertSettings, AlertThresholds, AskForMoreResult, MoreRequestLimit, NotificationList } from '@ai-credits/shared/contracts/budgets';
import type { Database } from '../../db/database';
import type { Executor } from '../../db/db';
import { HttpError, notFound } from '../../http/http-error';
import * as directory from '../auth/directory.service';
import { queueEmail, reviseUnsentEmail } from '../email/email.service';
import { alertDigest, moreRequestMessage, type AlertItem, type StoppedBy } from '../email/templates';
import { projectNames } from '../org/org.service';
import * as repo from './alerts.repository';

/** The org's alert thresholds: its own, else the defaults; with when the owner last saved them (null: never). */
export async function thresholds(q: Executor, orgId: string): Promise<AlertSettings> {
  const row = await repo.findSettings(q, orgId);
  return {
    creditPercents: row?.credit_percents ?? [...DEFAULT_CREDIT_ALERT_PERCENTS],
    budgetPercents: row?.budget_percents ?? [...DEFAULT_BUDGET_ALERT_PERCENTS],
    savedAt: row ? row.updated_at.toISOString() : null,
  };
}

export async function saveThresholds(trx: Executor, orgId: string, next: AlertThresholds, at: Date): Promise<void> {
  await repo.upsertSettings(trx, orgId, next.creditPercents, next.budgetPercents, at);
}

/** A user's newest notifications and how many are unread. */
export async function notifications(q: Executor, orgId: string, userId: string, limit: number): Promise<NotificationList> {
  const [rows, unread] = await Promise.all([repo.listNotifications(q, orgId, userId, limit), repo.unreadCount(q, orgId, userId)]);
  return {
    unread,
    notifications: rows.map((n) => ({
      id: n.id,
      kind: n.kind,
      title: n.title,
      body: n.body,
      link: n.link,
      resetsAt: n.resets_at?.toISOString() ?? null,
      createdAt: n.created_at.toISOString(),
      readAt: n.read_at?.toISOString() ?? null,
    })),
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
  /** An "AI stopped" alert: requests began to be refused by this limit (subject `stopped:…`, threshold 100). */
  stopped?: StoppedBy;
}

/** Alerts that fire within this time of an unread alert notification merge into it (ADR 037). */
export const MERGE_WINDOW_MS = 5 * 60_000;

type Person = directory.OrgMember;

/**
 * Called by the ledger inside the batch transaction that crossed the thresholds: the alert rows,
 * the notifications and the emails commit (or roll back) with the usage. Cheap when nothing new
 * fired: one insert that conflicts, no further statement.
 *
 * Alerts that fire together are one notification and one email per recipient (issue 24): those
 * of this batch, merged into the recipient's unread alert notification of the last few minutes
 * (the org lock serialises the batches of an org, so two never merge at once) and into its email
 * while no dispatcher has taken it.
 */
export async function fireAlerts(trx: Transaction<Database>, orgId: string, periodStart: Date, periodEnd: Date, now: Date, crossings: Crossing[]) {
  if (!crossings.length) return;
  const inserted = await repo.insertAlerts(trx, orgId, periodStart, now, crossings);
  if (!inserted.length) return;
  const fired = crossings.filter((c) => inserted.some((i) => i.subject === c.subject && i.threshold === c.threshold));
  const target = (c: Crossing) => c.subject.replace(/^stopped:/, '');
  const subjectId = (c: Crossing) => target(c).slice(target(c).indexOf(':') + 1);
  const userIds = [...new Set(fired.filter((c) => target(c).startsWith('user:')).map(subjectId))];
  const projectIds = [...new Set(fired.filter((c) => target(c).startsWith('project:')).map(subjectId))];
  // Recipients and names from their owners (accounts, org), in this transaction: one statement each.
  const [managers, members, projects] = await Promise.all([directory.orgManagers(trx, orgId), directory.orgMembersByIds(trx, orgId, userIds), projectNames(trx, orgId, projectIds)]);
  const ownerName = managers.find((m) => m.role === 'owner')?.name ?? null;

  // Each recipient's alerts of this batch.
  const byRecipient = new Map<string, { person: Person; items: AlertItem[] }>();
  const add = (person: Person, item: AlertItem) => {
    const entry = byRecipient.get(person.id) ?? { person, items: [] };
    entry.items.push(item);
    byRecipient.set(person.id, entry);
  };
  for (const c of fired) {
    const base = { threshold: c.threshold, stopped: c.stopped ?? null, usedMc: c.usedMc.toString(), totalMc: c.totalMc.toString(), at: now.toISOString() };
    let item: AlertItem;
    let member: Person | undefined;
    if (target(c).startsWith('project:')) {
      item = { ...base, kind: 'project', id: subjectId(c), name: projects.get(subjectId(c)) ?? null };
    } else if (target(c).startsWith('user:')) {
      member = members.find((m) => m.id === subjectId(c));
      item = { ...base, kind: 'member', id: subjectId(c), name: member?.name ?? null };
    } else {
      item = { ...base, kind: c.stopped ? 'org' : 'credits', id: null, name: null };
    }
    for (const m of managers) add(m, item);
    // A member's budget alert also goes to the member, in the second person.
    if (member && !managers.some((m) => m.id === member.id)) add(member, item);
  }

  const recipients = [...byRecipient.values()];
  const merging = new Map((await repo.mergeTargets(trx, orgId, recipients.map((r) => r.person.id), new Date(now.getTime() - MERGE_WINDOW_MS), periodEnd)).map((n) => [n.user_id, n]));
  const fresh: repo.NotificationRow[] = [];
  for (const { person, items } of recipients) {
    const reader = { id: person.id, role: person.role };
    const prior = merging.get(person.id);
    if (prior) {
      const all = [...((prior.items as AlertItem[] | null) ?? []), ...items];
      const merged = alertDigest({ items: all, reader, ownerName, resetsAt: periodEnd });
      // The email of the earlier alerts, if still unsent, now lists them all; else one email with the new ones.
      const revised = prior.email_id !== null && (await reviseUnsentEmail(trx, orgId, prior.email_id, merged.email));
      const emailId = revised ? prior.email_id : (await queueEmail(trx, { orgId, kind: 'alert', to: person.email, ...alertDigest({ items, reader, ownerName, resetsAt: periodEnd }).email }, now)).id;
      await repo.updateNotification(trx, orgId, prior.id, { title: merged.title, body: merged.body, link: merged.link, items: JSON.stringify(all), email_id: emailId, created_at: now });
      continue;
    }
    const message = alertDigest({ items, reader, ownerName, resetsAt: periodEnd });
    const { id: emailId } = await queueEmail(trx, { orgId, kind: 'alert', to: person.email, ...message.email }, now);
    fresh.push({ org_id: orgId, user_id: person.id, kind: 'alert', title: message.title, body: message.body, link: message.link, items: JSON.stringify(items), resets_at: periodEnd, email_id: emailId, created_at: now });
  }
  await repo.insertNotifications(trx, fresh);
}

/**
 * "Ask for more" (issue 24): a member (or an admin) refused by a limit asks the owner and the
 * admins: a notification and an email each, in one transaction with the request's row. The row's
 * key (org, member, limit, UTC day) makes it once a day whatever the clicks: a repeat answers
 * `already_sent` with the first request's time and sends nothing.
 */
export async function askForMore(
  trx: Executor,
  input: { orgId: string; userId: string; limit: MoreRequestLimit; projectId?: string; now: Date; resetsAt: Date | null },
): Promise<AskForMoreResult> {
  const { orgId, userId, limit, now } = input;
  let projectName: string | null = null;
  if (limit === 'project_budget') {
    if (!input.projectId) throw new HttpError(400, 'VALIDATION_FAILED', 'projectId: the project whose budget was reached');
    projectName = (await projectNames(trx, orgId, [input.projectId])).get(input.projectId) ?? null;
    if (projectName === null) throw notFound('Project');
  }
  const limitKey = limit === 'project_budget' ? `project_budget:${input.projectId}` : limit;
  const request = await repo.insertMoreRequest(trx, { org_id: orgId, user_id: userId, limit_key: limitKey, day: now.toISOString().slice(0, 10), created_at: now });
  const managers = await directory.orgManagers(trx, orgId);
  const notified = managers.filter((m) => m.id !== userId).map((m) => ({ name: m.name, role: m.role as 'owner' | 'admin' }));
  if (!request.created) return { status: 'already_sent', sentAt: request.at.toISOString(), notified };
  const requester = await directory.orgMember(trx, orgId, userId);
  const ownerName = managers.find((m) => m.role === 'owner')?.name ?? null;
  const rows: repo.NotificationRow[] = [];
  for (const m of managers) {
    if (m.id === userId) continue;
    const message = moreRequestMessage({ requesterName: requester?.name ?? 'A member', limit, projectName, reader: { id: m.id, role: m.role }, ownerName, sentAt: now });
    const { id: emailId } = await queueEmail(trx, { orgId, kind: 'more_request', to: m.email, ...message.email }, now);
    rows.push({ org_id: orgId, user_id: m.id, kind: 'more_request', title: message.title, body: message.body, link: message.link, items: null, resets_at: input.resetsAt, email_id: emailId, created_at: now });
  }
  await repo.insertNotifications(trx, rows);
  return { status: 'sent', sentAt: now.toISOString(), notified };
}
