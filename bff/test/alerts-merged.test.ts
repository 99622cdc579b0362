import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Endpoint } from '@ai-credits/shared/api';
import { apiKeysContract } from '@ai-credits/shared/contracts/api-keys';
import { budgetsContract } from '@ai-credits/shared/contracts/budgets';
import { meteringContract } from '@ai-credits/shared/contracts/metering';
import { orgContract } from '@ai-credits/shared/contracts/org';
import { TestClock } from '../src/lib/clock';
import { createOrg, startApp, uniq, type TestApp } from './support/harness';

/**
 * Issue 24 items 4 and 5 (ADR 037): alerts that fire together are one notification and one email
 * per reader, "you" for the reader, one "AI stopped" alert per limit and period, and "Ask for
 * more" once per limit per member per day, under real concurrency on real PostgreSQL.
 */
// demo-model: 500 mc / 1K input tokens: 2,000 input tokens = 1 credit.
const clock = new TestClock();
let app: TestApp;
let second: TestApp; // another BFF instance on the same database
beforeAll(async () => {
  clock.set('2026-03-10T12:00:00Z');
  const options = { clock, env: { SESSION_TTL_HOURS: '2160' }, poolMax: 20 };
  [app, second] = await Promise.all([startApp(options), startApp(options)]);
});
afterAll(() => Promise.all([app.close(), second.close()]));

async function meter(base: string, e: Endpoint, token: string, body: unknown) {
  const res = await fetch(base + e.path, {
    method: e.method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': `k-${randomUUID()}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}
const record = (userId: string | undefined, credits: number) => ({ useCase: 'chat', model: 'demo-model', inputTokens: Math.round(2000 * credits), outputTokens: 0, ...(userId ? { userId } : {}) });
const codes = (results: { status: number; body: any }[]) => {
  const t: Record<string, number> = {};
  for (const r of results) t[r.status === 200 ? 'OK' : r.body.error.code] = (t[r.status === 200 ? 'OK' : r.body.error.code] ?? 0) + 1;
  return t;
};

async function setup() {
  const org = await createOrg(app);
  const key = await org.owner.call(apiKeysContract.create, { body: { name: 'ci' } });
  const members = (await org.owner.call(orgContract.listMembers)).body.members as { userId: string; role: string; name: string; email: string }[];
  const byRole = (role: string) => members.find((m) => m.role === role)!;
  return { ...org, token: key.body.token as string, mia: byRole('member'), olivia: byRole('owner'), adam: byRole('admin') };
}

const alertEmails = (orgId: string) => app.db.selectFrom('email_outbox').select(['to_address', 'subject', 'body_text', 'kind']).where('org_id', '=', orgId).where('kind', 'in', ['alert', 'more_request']).orderBy('created_at').execute();

describe('alerts that fire together', () => {
  it('50 concurrent metering calls crossing 50/75/90 % of a budget: one notification and one email per reader, newest and most severe first, "you" for Mia', async () => {
    const { owner, admin, member, orgId, token, mia, olivia } = await setup();
    await owner.call(budgetsContract.setThresholds, { body: { creditPercents: [50, 75, 90, 100], budgetPercents: [50, 75, 90, 100] } });
    await owner.call(budgetsContract.set, { body: { subjectType: 'user', subjectId: mia.userId, limitCredits: 100 } });
    // 50 × 1.8 credits = 90 of Mia's 100 (30 % of the month's 300: no credit alert).
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => meter(i % 2 ? second.baseUrl : app.baseUrl, meteringContract.record, token, record(mia.userId, 1.8))));
    expect(codes(results)).toEqual({ OK: 50 });

    const alerts = await app.db.selectFrom('alerts').select(['subject', 'threshold']).where('org_id', '=', orgId).orderBy('threshold').execute();
    expect(alerts).toEqual([50, 75, 90].map((threshold) => ({ subject: `user:${mia.userId}`, threshold })));

    const miaBell = (await member.call(budgetsContract.notifications)).body;
    expect(miaBell.unread).toBe(1);
    expect(miaBell.notifications[0]).toMatchObject({ kind: 'alert', title: 'You have used 90% of your monthly budget (+2 more)', link: `/settings/ai-credits?userId=${mia.userId}`, resetsAt: '2026-04-10T00:00:00.000Z' });
    expect(miaBell.notifications[0].body.split('\n')).toEqual([
      'You have used 90% of your monthly budget (90 of 100 credits, settled and in progress).',
      expect.stringMatching(/^You have used 75% of your monthly budget \(\d+ of 100 credits, settled and in progress\)\.$/),
      expect.stringMatching(/^You have used 50% of your monthly budget /),
    ]);
    const ownerBell = (await owner.call(budgetsContract.notifications)).body;
    expect(ownerBell.notifications.map((n: any) => n.title)).toEqual([`${mia.name} has used 90% of their monthly budget (+2 more)`]);
    expect((await admin.call(budgetsContract.notifications)).body.unread).toBe(1);

    const emails = await alertEmails(orgId);
    expect(emails.map((e) => [e.kind, e.to_address]).sort()).toEqual([mia.email, olivia.email, (await admin.call(orgContract.listMembers)).body.members.find((m: any) => m.role === 'admin').email].sort().map((to) => ['alert', to]));
    const toMia = emails.find((e) => e.to_address === mia.email)!;
    expect(toMia.subject).toBe('TestKase AI credits: You have used 90% of your monthly budget (+2 more)');
    expect(toMia.body_text).toContain("Budgets and this month's credits reset on 2026-04-10 00:00 UTC.");
  });

  it('50 concurrent calls refused by a member budget: one "AI stopped for Mia" alert, merged into the 100 % alert, one email per reader', async () => {
    const { owner, member, orgId, token, mia } = await setup();
    await owner.call(budgetsContract.set, { body: { subjectType: 'user', subjectId: mia.userId, limitCredits: 2 } });
    expect((await meter(app.baseUrl, meteringContract.record, token, record(mia.userId, 2))).status).toBe(200);
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => meter(i % 2 ? second.baseUrl : app.baseUrl, meteringContract.record, token, record(mia.userId, 0.5))));
    expect(codes(results)).toEqual({ BUDGET_REACHED: 50 });

    const stopped = await app.db.selectFrom('alerts').select(['subject', 'threshold']).where('org_id', '=', orgId).where('subject', 'like', 'stopped:%').execute();
    expect(stopped).toEqual([{ subject: `stopped:user:${mia.userId}`, threshold: 100 }]);
    const ownerBell = (await owner.call(budgetsContract.notifications)).body;
    expect(ownerBell.notifications).toHaveLength(1);
    expect(ownerBell.notifications[0].title).toBe(`AI stopped for ${mia.name}: member budget reached (+2 more)`);
    expect(ownerBell.notifications[0].body).toContain('AI requests stay refused until you raise the limit');
    const miaBell = (await member.call(budgetsContract.notifications)).body;
    expect(miaBell.notifications.map((n: any) => n.title)).toEqual(['AI stopped for you: your monthly budget is reached (+2 more)']);
    const emails = await alertEmails(orgId);
    expect(emails).toHaveLength(3);
    for (const e of emails) expect(e.body_text.match(/AI stopped for/g)).toHaveLength(1);
  });

  it('50 concurrent calls refused for lack of credits: one "AI stopped: out of credits" alert; one oversized request alone stops nothing', async () => {
    const { owner, orgId, token } = await setup();
    const huge = await meter(app.baseUrl, meteringContract.record, token, record(undefined, 1000));
    expect(huge.body.error.code).toBe('INSUFFICIENT_CREDITS');
    expect(await app.db.selectFrom('alerts').select('subject').where('org_id', '=', orgId).execute()).toEqual([]);

    expect((await meter(app.baseUrl, meteringContract.record, token, record(undefined, 299.5))).status).toBe(200);
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => meter(i % 2 ? second.baseUrl : app.baseUrl, meteringContract.record, token, record(undefined, 1))));
    expect(codes(results)).toEqual({ INSUFFICIENT_CREDITS: 50 });
    const stopped = await app.db.selectFrom('alerts').select('subject').where('org_id', '=', orgId).where('subject', 'like', 'stopped:%').execute();
    expect(stopped).toEqual([{ subject: 'stopped:balance' }]);
    const titles = (await owner.call(budgetsContract.notifications)).body.notifications.map((n: any) => n.title);
    expect(titles).toEqual(['AI stopped: out of credits (+3 more)']);
  });

  it('alerts an hour apart are separate notifications', async () => {
    const { owner, orgId, token, mia } = await setup();
    await owner.call(budgetsContract.set, { body: { subjectType: 'user', subjectId: mia.userId, limitCredits: 10 } });
    await meter(app.baseUrl, meteringContract.record, token, record(mia.userId, 9));
    clock.set('2026-03-10T13:00:00Z');
    try {
      await meter(app.baseUrl, meteringContract.record, token, record(mia.userId, 1));
      const titles = (await owner.call(budgetsContract.notifications)).body.notifications.map((n: any) => n.title);
      expect(titles).toEqual([`${mia.name} has used 100% of their monthly budget`, `${mia.name} has used 90% of their monthly budget`]);
      expect(await alertEmails(orgId)).toHaveLength(6);
    } finally {
      clock.set('2026-03-10T12:00:00Z');
    }
  });

  it('a notification the reader has read is not merged into: the owner gets a new one, Mia (unread) one merged', async () => {
    const { owner, member, token, mia } = await setup();
    await owner.call(budgetsContract.set, { body: { subjectType: 'user', subjectId: mia.userId, limitCredits: 10 } });
    await meter(app.baseUrl, meteringContract.record, token, record(mia.userId, 9));
    await owner.call(budgetsContract.markRead, { body: { all: true } });
    await meter(app.baseUrl, meteringContract.record, token, record(mia.userId, 1));
    // (The test clock stands still: both were created at the same instant, so their order is not asserted.)
    const ownerTitles = (await owner.call(budgetsContract.notifications)).body.notifications.map((n: any) => n.title);
    expect(ownerTitles.sort()).toEqual([`${mia.name} has used 100% of their monthly budget`, `${mia.name} has used 90% of their monthly budget`]);
    const miaTitles = (await member.call(budgetsContract.notifications)).body.notifications.map((n: any) => n.title);
    expect(miaTitles).toEqual(['You have used 100% of your monthly budget (+1 more)']);
  });
});

describe('the email of merged alerts', () => {
  it('an email already sent is not rewritten: the later alerts of the window go in a second email, with only them', async () => {
    const { owner, orgId, token, olivia, mia } = await setup();
    await owner.call(budgetsContract.set, { body: { subjectType: 'user', subjectId: mia.userId, limitCredits: 10 } });
    await meter(app.baseUrl, meteringContract.record, token, record(mia.userId, 9));
    // The dispatcher sent the 90 % emails (as with SMTP_URL).
    await app.db.updateTable('email_outbox').set({ sent_at: clock.now(), attempts: 1 }).where('org_id', '=', orgId).where('kind', '=', 'alert').execute();
    await meter(app.baseUrl, meteringContract.record, token, record(mia.userId, 1));
    const toOlivia = (await alertEmails(orgId)).filter((e) => e.to_address === olivia.email);
    // (The test clock stands still: both were queued at the same instant, so their order is not asserted.)
    expect(toOlivia.map((e) => e.subject).sort()).toEqual([`TestKase AI credits: ${mia.name} has used 100% of their monthly budget`, `TestKase AI credits: ${mia.name} has used 90% of their monthly budget`]);
    expect(toOlivia.find((e) => e.subject.includes('100%'))!.body_text).not.toContain('90%');
    // The notification, unread, lists both.
    expect((await owner.call(budgetsContract.notifications)).body.notifications.map((n: any) => n.title)).toEqual([`${mia.name} has used 100% of their monthly budget (+1 more)`]);
  });

  it('an email a dispatcher holds (sending it) is skipped, never waited for: the batch queues another and commits', async () => {
    const { owner, orgId, token, olivia, mia } = await setup();
    await owner.call(budgetsContract.set, { body: { subjectType: 'user', subjectId: mia.userId, limitCredits: 10 } });
    await meter(app.baseUrl, meteringContract.record, token, record(mia.userId, 9));
    const first = await app.db.selectFrom('email_outbox').select('id').where('org_id', '=', orgId).where('to_address', '=', olivia.email).where('kind', '=', 'alert').executeTakeFirstOrThrow();
    // A dispatcher's transaction holds the row (FOR UPDATE) for as long as its SMTP send takes.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const dispatcher = app.db.transaction().execute(async (trx) => {
      await trx.selectFrom('email_outbox').select('id').where('org_id', '=', orgId).where('id', '=', first.id).forUpdate().execute();
      locked();
      await held;
    });
    await isLocked;
    try {
      expect((await meter(app.baseUrl, meteringContract.record, token, record(mia.userId, 1))).status).toBe(200);
    } finally {
      release();
      await dispatcher;
    }
    const toOlivia = (await alertEmails(orgId)).filter((e) => e.to_address === olivia.email);
    expect(toOlivia.map((e) => e.subject).sort()).toEqual([`TestKase AI credits: ${mia.name} has used 100% of their monthly budget`, `TestKase AI credits: ${mia.name} has used 90% of their monthly budget`]);
  });
});

describe('Ask for more', () => {
  it('20 concurrent clicks: one request (a notification and an email for the owner and the admin), the others answer already_sent', async () => {
    const { owner, admin, member, orgId, mia, olivia, adam } = await setup();
    const results = await Promise.all(Array.from({ length: 20 }, () => member.call(budgetsContract.askForMore, { body: { limit: 'member_budget' } })));
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(results.filter((r) => r.body.status === 'sent')).toHaveLength(1);
    const sent = results.find((r) => r.body.status === 'sent')!.body;
    expect(sent).toEqual({ status: 'sent', sentAt: '2026-03-10T12:00:00.000Z', notified: [{ name: olivia.name, role: 'owner' }, { name: adam.name, role: 'admin' }] });
    for (const r of results) if (r.body.status !== 'sent') expect(r.body).toEqual({ ...sent, status: 'already_sent' });

    const ownerBell = (await owner.call(budgetsContract.notifications)).body;
    expect(ownerBell.notifications).toEqual([
      expect.objectContaining({ kind: 'more_request', title: `${mia.name} asks for more credits`, body: `${mia.name}'s AI requests are refused: their monthly budget is reached. You can raise the budget in Settings → Budgets.`, link: '/settings/budgets' }),
    ]);
    expect((await admin.call(budgetsContract.notifications)).body.notifications[0].body).toContain(`${olivia.name} (the owner) can raise the budget`);
    expect((await member.call(budgetsContract.notifications)).body.notifications).toEqual([]);
    const emails = await alertEmails(orgId);
    expect(emails.map((e) => [e.kind, e.to_address, e.subject]).sort()).toEqual([olivia.email, adam.email].sort().map((to) => ['more_request', to, `TestKase AI credits: ${mia.name} asks for more credits`]));

    // Another limit is another request; the next UTC day asks again.
    expect((await member.call(budgetsContract.askForMore, { body: { limit: 'credits' } })).body.status).toBe('sent');
    clock.set('2026-03-11T00:00:01Z');
    try {
      expect((await member.call(budgetsContract.askForMore, { body: { limit: 'member_budget' } })).body.status).toBe('sent');
    } finally {
      clock.set('2026-03-10T12:00:00Z');
    }
    expect(await app.db.selectFrom('more_requests').select('limit_key').where('org_id', '=', orgId).execute()).toHaveLength(3);
  });

  it('a project budget names the project; the owner cannot ask herself; a project of another org is not found', async () => {
    const { owner, member } = await setup();
    const project = (await owner.call(orgContract.createProject, { body: { name: uniq('Checkout ') } })).data;
    const asked = await member.call(budgetsContract.askForMore, { body: { limit: 'project_budget', projectId: project.id } });
    expect(asked.body.status).toBe('sent');
    expect((await owner.call(budgetsContract.notifications)).body.notifications[0].body).toContain(`the budget of project "${project.name}" is reached`);
    expect((await member.call(budgetsContract.askForMore, { body: { limit: 'project_budget' } })).status).toBe(400);
    expect((await member.call(budgetsContract.askForMore, { body: { limit: 'project_budget', projectId: randomUUID() } })).status).toBe(404);
    const own = await owner.call(budgetsContract.askForMore, { body: { limit: 'credits' } });
    expect([own.status, own.body.error.code]).toEqual([403, 'FORBIDDEN']);
  });
});
