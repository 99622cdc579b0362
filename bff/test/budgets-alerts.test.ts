import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { aiContract } from '@ai-credits/shared/contracts/ai';
import { apiKeysContract } from '@ai-credits/shared/contracts/api-keys';
import { budgetsContract } from '@ai-credits/shared/contracts/budgets';
import { creditsContract } from '@ai-credits/shared/contracts/credits';
import { meteringContract } from '@ai-credits/shared/contracts/metering';
import { orgContract } from '@ai-credits/shared/contracts/org';
import type { Endpoint } from '@ai-credits/shared/api';
import { TestClock } from '../src/lib/clock';
import { type Client, createOrg, startApp, uniq, type TestApp } from './support/harness';
import { expectLedgerConsistent } from './support/ledger-assertions';

// demo-model: 500 mc / 1K input tokens, 1,500 mc / 1K output tokens: 2,000 input tokens = 1 credit.
const clock = new TestClock();
let app: TestApp;
let second: TestApp; // a second BFF instance on the same database
beforeAll(async () => {
  clock.set('2026-03-10T12:00:00Z');
  const options = { clock, env: { SESSION_TTL_HOURS: '2160' }, poolMax: 20 };
  [app, second] = await Promise.all([startApp(options), startApp(options)]);
});
afterEach(() => {
  app.services.ledger.batching.beforeCommit = undefined;
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

async function setup() {
  const org = await createOrg(app);
  const key = await org.owner.call(apiKeysContract.create, { body: { name: 'ci' } });
  const members = (await org.owner.call(orgContract.listMembers)).body.members as { userId: string; role: string; name: string; email: string }[];
  const memberId = members.find((m) => m.role === 'member')!.userId;
  const project = (await org.owner.call(orgContract.createProject, { body: { name: uniq('Budgeted ') } })).data;
  return { ...org, token: key.body.token as string, memberId, members, project };
}

async function buy(orgId: string, credits: number) {
  await app.db.transaction().execute((trx) => app.services.ledger.grantInTransaction(trx, orgId, { source: 'purchase', amountMc: BigInt(credits) * 1000n, purchaseId: randomUUID() }));
}

async function setBudget(owner: Client, subjectType: 'project' | 'user', subjectId: string, limitCredits: number | null) {
  const res = await owner.call(budgetsContract.set, { body: { subjectType, subjectId, limitCredits } });
  expect(res.status).toBe(200);
  return res.body;
}

const reserveBody = (who: { projectId?: string; userId?: string }) => ({ useCase: 'test_generation', model: 'demo-model', estimateMc: 1000, ...who });
const recordBody = (who: { projectId?: string; userId?: string }, credits = 1) => ({ useCase: 'chat', model: 'demo-model', inputTokens: 2000 * credits, outputTokens: 0, ...who });

function tally(results: { status: number; body: any }[]) {
  const t: Record<string, number> = {};
  for (const r of results) {
    const k = r.status === 200 || r.status === 201 ? 'OK' : (r.body.error?.code ?? String(r.status));
    t[k] = (t[k] ?? 0) + 1;
  }
  return t;
}

describe('budgets under concurrency', () => {
  it('200 concurrent reserves against a project budget that covers 50: exactly 50 succeed, whatever the balance', async () => {
    const { owner, orgId, token, project } = await setup();
    await buy(orgId, 100_000); // the balance covers all 200 many times over
    await setBudget(owner, 'project', project.id, 50);
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => meter(i % 2 ? second.baseUrl : app.baseUrl, meteringContract.reserve, token, reserveBody({ projectId: project.id }))));
    expect(tally(results)).toEqual({ OK: 50, BUDGET_REACHED: 150 });
    const refused = results.find((r) => r.status === 402)!;
    expect(refused.body.error.message).toContain(`project "${project.name}"`);
    // The owner who can raise it is named (issue 24).
    const ownerName = (await owner.call(orgContract.listMembers)).body.members.find((m: any) => m.role === 'owner').name;
    expect(refused.body.error.message).toContain(`${ownerName} (the owner) can raise the budget in Settings → Budgets.`);
    const list = (await owner.call(budgetsContract.list)).body;
    expect(list.budgets).toEqual([{ subjectType: 'project', subjectId: project.id, name: project.name, limitMc: 50_000, usedMc: 50_000 }]);
    await expectLedgerConsistent(app.db, orgId, clock.now());
  });

  it('200 concurrent reserves against a member budget that covers 50: exactly 50 succeed', async () => {
    const { owner, orgId, token, memberId } = await setup();
    await buy(orgId, 100_000);
    await setBudget(owner, 'user', memberId, 50);
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => meter(i % 2 ? second.baseUrl : app.baseUrl, meteringContract.reserve, token, reserveBody({ userId: memberId }))));
    expect(tally(results)).toEqual({ OK: 50, BUDGET_REACHED: 150 });
    expect(results.find((r) => r.status === 402)!.body.error.message).toMatch(/budget of the member .+ has 0 of 50 credits left/);
  });

  it('the lowest limit wins: a balance below the budget refuses with INSUFFICIENT_CREDITS', async () => {
    const { owner, token, project } = await setup();
    await setBudget(owner, 'project', project.id, 1000); // above the 300-credit allowance
    const res = await meter(app.baseUrl, meteringContract.reserve, token, { ...reserveBody({ projectId: project.id }), estimateMc: 301_000 });
    expect(res.status).toBe(402);
    expect(res.body.error.code).toBe('INSUFFICIENT_CREDITS');
  });

  it('usage through an API key without a user counts only against the project budget; a member budget counts app and API use', async () => {
    const { owner, token, project, memberId } = await setup();
    await setBudget(owner, 'user', memberId, 2);
    // No user: the member budget does not apply.
    expect((await meter(app.baseUrl, meteringContract.record, token, recordBody({ projectId: project.id }, 5))).status).toBe(200);
    // With the member: 2 credits fit, the third is refused.
    expect((await meter(app.baseUrl, meteringContract.record, token, recordBody({ projectId: project.id, userId: memberId }, 2))).status).toBe(200);
    const res = await meter(app.baseUrl, meteringContract.record, token, recordBody({ userId: memberId }, 1));
    expect(res.body.error.code).toBe('BUDGET_REACHED');
    const list = (await owner.call(budgetsContract.list)).body;
    expect(list.budgets[0]).toMatchObject({ subjectType: 'user', subjectId: memberId, limitMc: 2000, usedMc: 2000 });
  });

  it('a batch where the budget stops some operations and not others', async () => {
    const { owner, orgId, token, project } = await setup();
    const other = (await owner.call(orgContract.createProject, { body: { name: uniq('Free ') } })).data;
    await setBudget(owner, 'project', project.id, 3);
    // Hold the first batch open so the next operations queue up and go as one batch.
    const sizes: number[] = [];
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    app.services.ledger.batching.beforeCommit = async (_trx, size) => {
      sizes.push(size);
      if (sizes.length === 1) await released;
    };
    const first = meter(app.baseUrl, meteringContract.reserve, token, reserveBody({ projectId: other.id }));
    while (sizes.length === 0) await new Promise((r) => setTimeout(r, 2));
    const queued: Promise<{ status: number; body: any }>[] = [];
    const plan = [
      { projectId: project.id, estimateMc: 2000 }, // fits (2 of 3)
      { projectId: project.id, estimateMc: 2000 }, // refused: 4 > 3
      { projectId: other.id, estimateMc: 2000 }, // no budget: fits
      { projectId: project.id, estimateMc: 1000 }, // fits exactly (3 of 3)
      { projectId: project.id, estimateMc: 1 }, // refused
    ];
    for (const [i, p] of plan.entries()) {
      queued.push(meter(app.baseUrl, meteringContract.reserve, token, { ...reserveBody({ projectId: p.projectId }), estimateMc: p.estimateMc }));
      while (app.services.ledger.batching.waiting(orgId) < i + 1) await new Promise((r) => setTimeout(r, 2));
    }
    release();
    const results = await Promise.all([first, ...queued]);
    expect(sizes.slice(0, 2)).toEqual([1, 5]);
    expect(results.map((r) => (r.status === 200 ? 'OK' : r.body.error.code))).toEqual(['OK', 'OK', 'BUDGET_REACHED', 'OK', 'OK', 'BUDGET_REACHED']);
    // The refusal by the budget marks it reached: its 90 % and 100 % alerts fired in that batch.
    // The last refusal left nothing of it: AI is stopped by it ("AI stopped" alert, ADR 037); the one before left a credit.
    const alerts = await app.db.selectFrom('alerts').select(['subject', 'threshold']).where('org_id', '=', orgId).orderBy('threshold').orderBy('subject').execute();
    expect(alerts).toEqual([
      { subject: `project:${project.id}`, threshold: 90 },
      { subject: `project:${project.id}`, threshold: 100 },
      { subject: `stopped:project:${project.id}`, threshold: 100 },
    ]);
  });
});

describe('budget reset', () => {
  it('a budget counts only the current billing period and resets with the billing month', async () => {
    clock.set('2026-04-05T08:00:00Z');
    const { owner, orgId, token, memberId } = await setup();
    await setBudget(owner, 'user', memberId, 3);
    expect((await meter(app.baseUrl, meteringContract.record, token, recordBody({ userId: memberId }, 3))).status).toBe(200);
    expect((await meter(app.baseUrl, meteringContract.record, token, recordBody({ userId: memberId }, 1))).body.error.code).toBe('BUDGET_REACHED');
    clock.set('2026-05-05T00:00:00Z'); // the next billing month of an org created on the 5th
    expect((await meter(app.baseUrl, meteringContract.record, token, recordBody({ userId: memberId }, 3))).status).toBe(200);
    const list = (await owner.call(budgetsContract.list)).body;
    expect(list.period.start).toBe('2026-05-05T00:00:00.000Z');
    expect(list.budgets[0].usedMc).toBe(3000);
    // The 100 % alert fired once in each period.
    const alerts = await app.db.selectFrom('alerts').select(['period_start', 'threshold']).where('org_id', '=', orgId).where('subject', '=', `user:${memberId}`).where('threshold', '=', 100).execute();
    expect(alerts.map((a) => a.period_start.toISOString()).sort()).toEqual(['2026-04-05T00:00:00.000Z', '2026-05-05T00:00:00.000Z']);
    await expectLedgerConsistent(app.db, orgId, clock.now());
    clock.set('2026-03-10T12:00:00Z');
  });
});

describe('alerts fire once per threshold per period', () => {
  it('under concurrent usage across two BFF instances: one alert row, one notification per recipient, one email each', async () => {
    const { owner, admin, member, orgId, token, memberId, members } = await setup();
    await owner.call(creditsContract.setOverageLimit, { body: { limitCredits: 200 } });
    await setBudget(owner, 'user', memberId, 100);
    // 40 concurrent calls of 10 credits: 400 of the month's 300 credits; the member's 100 budget stops its share at 10 calls.
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => meter(i % 2 ? second.baseUrl : app.baseUrl, meteringContract.record, token, recordBody(i < 20 ? { userId: memberId } : {}, 10))),
    );
    expect(tally(results)).toEqual({ OK: 30, BUDGET_REACHED: 10 });
    const alerts = await app.db.selectFrom('alerts').select(['subject', 'threshold']).where('org_id', '=', orgId).orderBy('subject').orderBy('threshold').execute();
    expect(alerts).toEqual([
      { subject: 'credits', threshold: 50 },
      { subject: 'credits', threshold: 75 },
      { subject: 'credits', threshold: 90 },
      { subject: 'credits', threshold: 100 },
      { subject: `stopped:user:${memberId}`, threshold: 100 },
      { subject: `user:${memberId}`, threshold: 90 },
      { subject: `user:${memberId}`, threshold: 100 },
    ]);
    // Credit alerts go to the owner and the admin; the member's budget alerts also to the member.
    // Alerts that fire together (these batches, minutes apart at most) are one notification and one email per reader (ADR 037).
    const owners = members.filter((m) => m.role !== 'member');
    const notes = await app.db.selectFrom('notifications').select(['user_id', 'title']).where('org_id', '=', orgId).execute();
    expect(notes.map((n) => n.user_id).sort()).toEqual([...owners.map((o) => o.userId), memberId].sort());
    const emails = await app.db.selectFrom('email_outbox').select(['to_address', 'subject', 'body_text']).where('org_id', '=', orgId).where('kind', '=', 'alert').execute();
    expect(emails).toHaveLength(notes.length);
    expect(new Set(emails.map((e) => e.to_address)).size).toBe(emails.length);
    expect(emails.find((e) => e.to_address === owners[0]!.email)!.body_text).toContain("- 90% of this month's credits used (");

    // The bell: each person reads their own list; mark one, then all.
    const memberBell = (await member.call(budgetsContract.notifications)).body;
    expect(memberBell.unread).toBe(1);
    // The member reads about herself in the second person (issue 24); the managers read her name.
    expect(memberBell.notifications.map((n: any) => n.title)).toEqual(['AI stopped for you: your monthly budget is reached (+2 more)']);
    // Each line has the numbers of the batch that fired it (ADR 037): the 90% crossing reads 90
    // when group commit put the 9th and 10th calls in different batches (a loaded machine), else 100.
    expect(memberBell.notifications[0].body.split('\n').slice(0, 3)).toEqual([
      'AI stopped for you: your monthly budget is reached (100 of 100 credits used, settled and in progress).',
      'You have used 100% of your monthly budget (100 of 100 credits, settled and in progress).',
      expect.stringMatching(/^You have used 90% of your monthly budget \((90|100) of 100 credits, settled and in progress\)\.$/),
    ]);
    const memberEmails = await app.db.selectFrom('email_outbox').select(['subject']).where('org_id', '=', orgId).where('kind', '=', 'alert').where('subject', 'like', '%your monthly budget%').execute();
    expect(memberEmails).toHaveLength(1);
    const adminBell = (await admin.call(budgetsContract.notifications)).body;
    expect(adminBell.notifications.map((n: any) => n.title)).toEqual([expect.stringMatching(/^AI stopped for .+: member budget reached \(\+6 more\)$/)]);
    expect(adminBell.unread).toBe(1);
    // Someone else's notification id changes nothing.
    expect((await member.call(budgetsContract.markRead, { body: { ids: [adminBell.notifications[0].id] } })).body.unread).toBe(1);
    expect((await admin.call(budgetsContract.notifications)).body.unread).toBe(1);
    const one = await admin.call(budgetsContract.markRead, { body: { ids: [adminBell.notifications[0].id] } });
    expect(one.body.unread).toBe(0);
    expect((await admin.call(budgetsContract.markRead, { body: { all: true } })).body.unread).toBe(0);
    expect((await owner.call(budgetsContract.notifications)).body.unread).toBe(1);

    // More usage in the same period fires nothing again.
    await meter(second.baseUrl, meteringContract.record, token, recordBody({}, 1));
    expect(await app.db.selectFrom('alerts').select('threshold').where('org_id', '=', orgId).execute()).toHaveLength(7);
    await expectLedgerConsistent(app.db, orgId, clock.now());
  });

  it('crossing the same threshold again in the period (a hold given back, then taken again) fires nothing new', async () => {
    const { owner, orgId, token, project } = await setup();
    await setBudget(owner, 'project', project.id, 10);
    const hold = async () => meter(app.baseUrl, meteringContract.reserve, token, { ...reserveBody({ projectId: project.id }), estimateMc: 9_500 });
    const first = await hold();
    expect(first.status).toBe(200);
    expect((await meter(second.baseUrl, meteringContract.release, token, { reservationId: first.body.reservation.id })).status).toBe(200);
    expect((await hold()).status).toBe(200);
    const alerts = await app.db.selectFrom('alerts').select(['subject', 'threshold']).where('org_id', '=', orgId).execute();
    expect(alerts).toEqual([{ subject: `project:${project.id}`, threshold: 90 }]);
    const notes = await app.db.selectFrom('notifications').select('title').where('org_id', '=', orgId).execute();
    expect(notes.map((n) => n.title)).toEqual([`Project "${project.name}" has used 90% of its monthly budget`, `Project "${project.name}" has used 90% of its monthly budget`]);
  });

  it('the owner chooses the thresholds: only those fire', async () => {
    const { owner, orgId, token } = await setup();
    const set = await owner.call(budgetsContract.setThresholds, { body: { creditPercents: [20, 10], budgetPercents: [100] } });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ creditPercents: [10, 20], budgetPercents: [100], savedAt: clock.now().toISOString() });
    await Promise.all(Array.from({ length: 10 }, () => meter(app.baseUrl, meteringContract.record, token, recordBody({}, 7))));
    const alerts = await app.db.selectFrom('alerts').select(['subject', 'threshold']).where('org_id', '=', orgId).orderBy('threshold').execute();
    expect(alerts).toEqual([
      { subject: 'credits', threshold: 10 },
      { subject: 'credits', threshold: 20 },
    ]);
  });
});

describe('when the thresholds were saved (the setup checklist ticks from it)', () => {
  it('is null until the owner saves, then the time of the last save, even when the values did not change (not audited then)', async () => {
    const { owner, admin, orgId } = await setup();
    const defaults = { creditPercents: [50, 75, 90, 100], budgetPercents: [90, 100] };
    expect((await owner.call(budgetsContract.thresholds)).body).toEqual({ ...defaults, savedAt: null });

    const first = clock.now().toISOString();
    const saved = await owner.call(budgetsContract.setThresholds, { body: defaults });
    expect(saved.status).toBe(200);
    expect(saved.body).toEqual({ ...defaults, savedAt: first });
    // Every role reads it back (from the database, not the answer).
    expect((await admin.call(budgetsContract.thresholds)).body).toEqual({ ...defaults, savedAt: first });
    const audited = await app.db.selectFrom('audit_log').select('action').where('org_id', '=', orgId).where('action', '=', 'alert_thresholds.changed').execute();
    expect(audited).toEqual([]);

    clock.advance(60_000);
    const again = await owner.call(budgetsContract.setThresholds, { body: { creditPercents: [100, 50, 75, 90], budgetPercents: [90, 100] } });
    expect(again.body.savedAt).toBe(clock.now().toISOString());
    expect((await owner.call(budgetsContract.thresholds)).body.savedAt).toBe(clock.now().toISOString());
  });
});

describe('permissions and bad input', () => {
  it('only the owner sets budgets and thresholds; admins and members are refused and nothing changes', async () => {
    const { owner, admin, member, orgId, project, memberId } = await setup();
    await setBudget(owner, 'project', project.id, 10);
    const auditBefore = await app.db.selectFrom('audit_log').select('id').where('org_id', '=', orgId).execute();
    for (const who of [admin, member]) {
      const res = await who.call(budgetsContract.set, { body: { subjectType: 'project', subjectId: project.id, limitCredits: 1000 } });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('FORBIDDEN');
      const clear = await who.call(budgetsContract.set, { body: { subjectType: 'user', subjectId: memberId, limitCredits: 5 } });
      expect(clear.body.error.code).toBe('FORBIDDEN');
      const t = await who.call(budgetsContract.setThresholds, { body: { creditPercents: [10], budgetPercents: [10] } });
      expect(t.status).toBe(403);
      expect(t.body.error.code).toBe('FORBIDDEN');
      // They can read both.
      expect((await who.call(budgetsContract.list)).body.budgets).toEqual([expect.objectContaining({ subjectId: project.id, limitMc: 10_000 })]);
      expect((await who.call(budgetsContract.thresholds)).body).toEqual({ creditPercents: [50, 75, 90, 100], budgetPercents: [90, 100], savedAt: null });
    }
    expect(await app.db.selectFrom('budgets').select(['subject_id', 'limit_mc']).where('org_id', '=', orgId).execute()).toEqual([{ subject_id: project.id, limit_mc: 10_000n }]);
    expect(await app.db.selectFrom('alert_settings').select('org_id').where('org_id', '=', orgId).execute()).toEqual([]);
    expect(await app.db.selectFrom('audit_log').select('id').where('org_id', '=', orgId).execute()).toHaveLength(auditBefore.length);
  });

  it('the owner sets and clears budgets, each change audited; bad values and foreign subjects are refused', async () => {
    const { owner, orgId, project, memberId } = await setup();
    await setBudget(owner, 'project', project.id, 10);
    await setBudget(owner, 'project', project.id, 20);
    await setBudget(owner, 'user', memberId, 5);
    const cleared = await setBudget(owner, 'project', project.id, null);
    expect(cleared.budgets.map((b: any) => b.subjectType)).toEqual(['user']);
    const audit = await app.db.selectFrom('audit_log').select(['action']).where('org_id', '=', orgId).where('action', 'like', 'budget.%').orderBy('created_at').execute();
    expect(audit.map((a) => a.action).sort()).toEqual(['budget.cleared', 'budget.set', 'budget.set', 'budget.set']);
    for (const limitCredits of [0, -1, 1.5, 10_000_001, '5']) {
      const res = await owner.call(budgetsContract.set, { body: { subjectType: 'project', subjectId: project.id, limitCredits } as any });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
    }
    const foreign = await createOrg(app);
    const foreignProject = (await foreign.owner.call(orgContract.createProject, { body: { name: uniq('Theirs ') } })).body.id as string;
    expect((await owner.call(budgetsContract.set, { body: { subjectType: 'project', subjectId: foreignProject, limitCredits: 5 } })).status).toBe(404);
    for (const body of [
      { creditPercents: [0], budgetPercents: [90] },
      { creditPercents: [101], budgetPercents: [90] },
      { creditPercents: [50, 50], budgetPercents: [90] },
      { creditPercents: [], budgetPercents: [90] },
      { creditPercents: [50.5], budgetPercents: [90] },
    ]) {
      const res = await owner.call(budgetsContract.setThresholds, { body });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
    }
  });
});

describe('the AI features surface BUDGET_REACHED', () => {
  it('a member over their budget is refused before the model runs, with the message naming the budget and the owner', async () => {
    const { owner, member, memberId, project, token } = await setup();
    await setBudget(owner, 'user', memberId, 1);
    // Half of it used: less than the input and a useful minimum of output (MIN_OUTPUT_TOKENS) is left.
    expect((await meter(app.baseUrl, meteringContract.record, token, recordBody({ userId: memberId }, 0.5))).status).toBe(200);
    // The estimate already says so (the same rule, shared/budgets.ts).
    const estimate = await member.call(aiContract.estimate, {
      body: { useCase: 'test_generation', projectId: project.id, requirement: 'As a shopper, I want to save my cart so that I can finish the purchase later.' },
    });
    expect(estimate.body).toMatchObject({ canRun: false, limitedBy: 'member_budget' });
    expect(estimate.body.maxMc).toBeGreaterThan(1000);
    const res = await member.call(aiContract.generateTestCases, {
      body: { projectId: project.id, requirement: 'As a shopper, I want to save my cart so that I can finish the purchase later.' },
      headers: { 'idempotency-key': `click-${randomUUID()}` },
    });
    expect(res.status).toBe(402);
    expect(res.body.error.code).toBe('BUDGET_REACHED');
    expect(res.body.error.message).toMatch(/^Not enough credits left for this request: it needs at least [\d.]+ credits and the monthly budget of the member .+ has 0.5 of 1 credits left\. .+ \(the owner\) can raise the budget/);
  });

  it('a run that fits at least its minimum runs with a hold capped at what is left (issue 24): the bar never passes the budget', async () => {
    const { owner, member, memberId, project, token } = await setup();
    await setBudget(owner, 'user', memberId, 2);
    const message = 'How should I pick boundary values for the coupon field?';
    const estimate = (await member.call(aiContract.estimate, { body: { useCase: 'chat', projectId: project.id, message } })).body;
    expect(estimate).toMatchObject({ canRun: true, limitedBy: null });
    // Leave 300 mc less than the most this chat could cost: the old rule (hold the maximum) refused it.
    const leftMc = estimate.maxMc - 300;
    expect((await meter(app.baseUrl, meteringContract.record, token, { ...recordBody({ userId: memberId }), inputTokens: 2 * (2000 - leftMc) })).status).toBe(200);
    const before = (await member.call(aiContract.estimate, { body: { useCase: 'chat', projectId: project.id, message } })).body;
    expect(before).toMatchObject({ canRun: true, limitedBy: null });

    const res = await member.call(aiContract.chat, { body: { projectId: project.id, message } });
    expect(res.status).toBe(201);
    expect(res.body.run.chargedMc).toBeLessThanOrEqual(leftMc);
    const budget = (await owner.call(budgetsContract.list)).body.budgets.find((b: { subjectId: string }) => b.subjectId === memberId);
    expect(budget.usedMc).toBeLessThanOrEqual(2000);

    // Now less than the minimum is left: refused, with the numbers.
    const room = 2000 - budget.usedMc;
    if (room > 100) expect((await meter(app.baseUrl, meteringContract.record, token, { ...recordBody({ userId: memberId }), inputTokens: 2 * (room - 100) })).status).toBe(200);
    const after = (await member.call(aiContract.estimate, { body: { useCase: 'chat', projectId: project.id, message } })).body;
    expect(after).toMatchObject({ canRun: false, limitedBy: 'member_budget' });
    const refused = await member.call(aiContract.chat, { body: { projectId: project.id, message } });
    expect(refused.status).toBe(402);
    expect(refused.body.error.message).toMatch(/^Not enough credits left for this request: it needs at least [\d.]+ credits and the monthly budget of the member .+ has 0\.1 of 2 credits left/);
  });
});
