import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { creditsContract } from '@ai-credits/shared/contracts/credits';
import { apiKeysContract } from '@ai-credits/shared/contracts/api-keys';
import { orgContract } from '@ai-credits/shared/contracts/org';
import { TestClock } from '../src/lib/clock';
import { createOrg, startApp, type TestApp } from './support/harness';

let app: TestApp;
const clock = new TestClock();
let org: Awaited<ReturnType<typeof createOrg>>;
let projects: { alpha: string; beta: string };

// 45 usages over 3 days: day 1 (chat, member, alpha), day 2 (test_generation, admin, beta), day 3 (report, owner, no project).
beforeAll(async () => {
  app = await startApp({ clock, env: { SESSION_TTL_HOURS: '2160' } });
  clock.set('2026-06-10T08:00:00Z');
  org = await createOrg(app);
  const alpha = await org.owner.call(orgContract.createProject, { body: { name: 'Alpha' } });
  const beta = await org.owner.call(orgContract.createProject, { body: { name: 'Beta' } });
  projects = { alpha: alpha.body.id, beta: beta.body.id };
  const users = { owner: org.owner.session!.user.id, admin: org.admin.session!.user.id, member: org.member.session!.user.id };
  const plan = [
    { day: '2026-06-11', useCase: 'chat', userId: users.member, projectId: projects.alpha, model: 'demo-model' },
    { day: '2026-06-12', useCase: 'test_generation', userId: users.admin, projectId: projects.beta, model: 'gpt-4o-mini' },
    { day: '2026-06-13', useCase: 'report', userId: users.owner, projectId: null, model: 'demo-model' },
  ] as const;
  for (const p of plan) {
    for (let i = 0; i < 15; i++) {
      clock.set(`${p.day}T${String(8 + Math.floor(i / 2)).padStart(2, '0')}:${i % 2 ? '30' : '00'}:00Z`);
      // 1,000 output tokens: demo-model 1,500 mc; gpt-4o-mini 600 mc
      await app.services.ledger.record({ orgId: org.orgId, userId: p.userId, projectId: p.projectId, apiKeyId: null, source: 'app', useCase: p.useCase, model: p.model, inputTokens: 0, outputTokens: 1000 });
    }
  }
  clock.set('2026-06-14T12:00:00Z');
});
afterAll(() => app.close());

describe('usage history', () => {
  it('pages newest first with keyset cursors, without gaps or repeats', async () => {
    const seen: string[] = [];
    const times: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const res = await org.member.call(creditsContract.usage, { query: { limit: 10, cursor } });
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((r: { id: string }) => r.id));
      times.push(...res.body.items.map((r: { occurredAt: string }) => r.occurredAt));
      cursor = res.body.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    expect(pages).toBe(5);
    expect(seen).toHaveLength(45);
    expect(new Set(seen).size).toBe(45);
    expect([...times].sort().reverse()).toEqual(times);
  });

  it('rows carry date, use case, user, credits and project', async () => {
    const res = await org.owner.call(creditsContract.usage, { query: { limit: 1 } });
    expect(res.body.items[0]).toMatchObject({
      occurredAt: '2026-06-13T15:00:00.000Z',
      useCase: 'report',
      user: { id: org.owner.session!.user.id, name: org.owner.session!.user.name },
      project: null,
      model: 'demo-model',
      chargedMc: 1500,
      source: 'app',
    });
  });

  it('filters by date range, use case, user, project and model', async () => {
    const count = async (query: Record<string, string>) => (await org.owner.call(creditsContract.usage, { query: { ...query, limit: 100 } })).body.items.length;
    expect(await count({ from: '2026-06-12', to: '2026-06-12' })).toBe(15);
    expect(await count({ from: '2026-06-12' })).toBe(30);
    expect(await count({ to: '2026-06-11T12:00:00Z' })).toBe(8);
    expect(await count({ useCase: 'chat' })).toBe(15);
    expect(await count({ userId: org.admin.session!.user.id })).toBe(15);
    expect(await count({ projectId: projects.alpha })).toBe(15);
    expect(await count({ model: 'gpt-4o-mini' })).toBe(15);
    expect(await count({ useCase: 'chat', projectId: projects.beta })).toBe(0);
  });

  it('exports the filtered set as CSV', async () => {
    const res = await org.member.call(creditsContract.usageCsv, { query: { useCase: 'test_generation' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    const lines = res.text.trim().split('\r\n');
    expect(lines[0]).toBe('Date,Use Case,User,API Key,Project,Model,Input Tokens,Output Tokens,Credits Consumed,Overage Credits,Millicredits Consumed');
    expect(lines).toHaveLength(16);
    expect(lines[1]).toBe(`2026-06-12T15:00:00.000Z,test_generation,${org.admin.session!.user.name},,Beta,gpt-4o-mini,0,1000,0.6,0,600`);
  });
});

describe('charts', () => {
  it('aggregates per day by use case, by user, project and model, with the forecast', async () => {
    const res = await org.member.call(creditsContract.charts, { query: { from: '2026-06-10', to: '2026-06-14' } });
    expect(res.status).toBe(200);
    const c = res.body;
    expect(c.daily).toEqual([
      { date: '2026-06-10', test_generation: 0, chat: 0, report: 0, totalMc: 0 },
      { date: '2026-06-11', test_generation: 0, chat: 22_500, report: 0, totalMc: 22_500 },
      { date: '2026-06-12', test_generation: 9_000, chat: 0, report: 0, totalMc: 9_000 },
      { date: '2026-06-13', test_generation: 0, chat: 0, report: 22_500, totalMc: 22_500 },
      { date: '2026-06-14', test_generation: 0, chat: 0, report: 0, totalMc: 0 },
    ]);
    expect(c.byModel).toEqual([
      { id: 'demo-model', label: 'Demo model (offline)', mc: 45_000 },
      { id: 'gpt-4o-mini', label: 'GPT-4o mini', mc: 9_000 },
    ]);
    expect(c.byProject.map((p: { label: string; mc: number }) => [p.label, p.mc]).sort()).toEqual([
      ['Alpha', 22_500],
      ['Beta', 9_000],
      ['No project', 22_500],
    ]);
    expect(c.byUser).toHaveLength(3);
    // 54 credits in the 4 whole days since the org began (June 10 to 13) -> 13.5 credits/day; nothing yet
    // today (June 14, which is expected to use 13.5); 246 - 13.5 = 232.5 left -> 18 more days -> July 2,
    // before the period ends (July 10); nothing expires at the reset
    expect(c.forecast).toEqual({
      burnRateMcPerDay: 13_500,
      basisDays: 4,
      todayMc: 0,
      runOutAt: '2026-07-02T00:00:00.000Z',
      expiringMc: 0,
      periodEnd: '2026-07-10T00:00:00.000Z',
    });
    expect(c.events).toEqual([{ at: '2026-06-10T00:00:00.000Z', kind: 'reset', amountMc: 300_000 }]);
    expect(c.balance.at(-1).balanceMc).toBe(246_000);
  });

  it('follow every history filter (issue 24): use case, user, project, model and API key; the forecast stays the org\'s', async () => {
    const all = (await org.member.call(creditsContract.charts, { query: { from: '2026-06-10', to: '2026-06-14' } })).body;
    const c = (await org.member.call(creditsContract.charts, { query: { from: '2026-06-10', to: '2026-06-14', projectId: projects.alpha } })).body;
    expect(c.daily.map((d: { totalMc: number }) => d.totalMc)).toEqual([0, 22_500, 0, 0, 0]);
    expect(c.byProject).toEqual([{ id: projects.alpha, label: 'Alpha', mc: 22_500 }]);
    expect(c.byUser).toEqual([{ id: org.member.session!.user.id, label: org.member.session!.user.name, mc: 22_500 }]);
    expect(c.forecast).toEqual(all.forecast);
    expect(c.balance).toEqual(all.balance);
    const byModel = (await org.member.call(creditsContract.charts, { query: { model: 'gpt-4o-mini' } })).body;
    expect(byModel.daily.map((d: { test_generation: number }) => d.test_generation)).toEqual([0, 0, 9_000, 0, 0]);
    expect(byModel.byModel).toEqual([{ id: 'gpt-4o-mini', label: 'GPT-4o mini', mc: 9_000 }]);
    const none = (await org.member.call(creditsContract.charts, { query: { useCase: 'chat', userId: org.admin.session!.user.id } })).body;
    expect(none.daily.every((d: { totalMc: number }) => d.totalMc === 0)).toBe(true);
    expect([none.byUser, none.byProject, none.byModel, none.byApiKey]).toEqual([[], [], [], []]);
    expect((await org.member.call(creditsContract.charts, { query: { from: '2026-06-13', to: '2026-06-12' } })).status).toBe(400);
  });

  it('filtered by an API key, read that key\'s usage rows (the rollup has no key)', async () => {
    const fresh = await createOrg(app);
    const key = (await fresh.owner.call(apiKeysContract.create, { body: { name: 'CI key' } })).body.apiKey.id as string;
    const use = (apiKeyId: string | null, model: string) =>
      app.services.ledger.record({ orgId: fresh.orgId, userId: null, projectId: null, apiKeyId, source: 'api', useCase: 'chat', model, inputTokens: 0, outputTokens: 1000 });
    await use(key, 'demo-model');
    await use(null, 'gpt-4o-mini');
    const c = (await fresh.owner.call(creditsContract.charts, { query: { apiKeyId: key } })).body;
    expect(c.daily.reduce((s: number, d: { chat: number }) => s + d.chat, 0)).toBe(1_500);
    expect(c.byModel).toEqual([{ id: 'demo-model', label: 'Demo model (offline)', mc: 1_500 }]);
    expect(c.byApiKey).toEqual([{ id: key, label: 'CI key', mc: 1_500 }]);
    expect(c.byUser).toEqual([{ id: 'api', label: 'API (service)', mc: 1_500 }]);
  });

  it('by default covers the current billing period', async () => {
    const c = (await org.member.call(creditsContract.charts)).body;
    expect(c.range.from).toBe('2026-06-10T00:00:00.000Z');
    expect(c.daily.map((d: { date: string }) => d.date)).toEqual(['2026-06-10', '2026-06-11', '2026-06-12', '2026-06-13', '2026-06-14']);
  });

  it("uses today's usage as it is (never scaled to a full day), so a new org gets a forecast on its first day", async () => {
    clock.set('2026-09-01T00:00:00Z');
    const fresh = await createOrg(app);
    clock.set('2026-09-01T06:00:00Z');
    // 50 credits in the first 6 hours: 50 credits/day (not 200: the partial day is not extrapolated);
    // 250 left -> 5 more days -> Sept 6
    await app.services.ledger.record({ orgId: fresh.orgId, userId: null, projectId: null, apiKeyId: null, source: 'api', useCase: 'chat', model: 'llama-3-70b', inputTokens: 62_500, outputTokens: 0 });
    const c = (await fresh.owner.call(creditsContract.charts)).body;
    expect(c.forecast).toMatchObject({ burnRateMcPerDay: 50_000, basisDays: 0, todayMc: 50_000, runOutAt: '2026-09-06T00:00:00.000Z', expiringMc: 0 });
  });

  it('forecasts the day the credits run out when the burn rate outpaces the balance', async () => {
    // 20 credits per day on a fresh org; the basis is the 7 whole days Aug 1 to 7: 140 credits = 20/day;
    // 160 left: today uses 20, then 7 more days -> Aug 15
    clock.set('2026-08-01T00:00:00Z');
    const fresh = await createOrg(app);
    for (let d = 0; d < 7; d++) {
      clock.set(new Date(Date.parse('2026-08-01T06:00:00Z') + d * 86_400_000));
      await app.services.ledger.record({ orgId: fresh.orgId, userId: null, projectId: null, apiKeyId: null, source: 'api', useCase: 'chat', model: 'llama-3-70b', inputTokens: 25_000, outputTokens: 0 });
    }
    clock.set('2026-08-08T00:00:00Z');
    const c = (await fresh.owner.call(creditsContract.charts)).body;
    expect(c.forecast.burnRateMcPerDay).toBe(20_000);
    expect(c.forecast.basisDays).toBe(7);
    expect(c.forecast.runOutAt).toBe('2026-08-15T00:00:00.000Z');
    expect(c.byUser).toEqual([{ id: 'api', label: 'API (service)', mc: 140_000 }]);
  });

  it('says how many credits will expire unused at the reset', async () => {
    // 3 credits on each of 2 whole days, 1 today by noon; 293 left: today is expected to use 2 more,
    // then 3 a day for the 28 days until the reset (Oct 4 to 31) -> 86; 207 expire unused.
    clock.set('2026-10-01T00:00:00Z');
    const fresh = await createOrg(app);
    const use = (at: string, tokens: number) => {
      clock.set(at);
      return app.services.ledger.record({ orgId: fresh.orgId, userId: null, projectId: null, apiKeyId: null, source: 'api', useCase: 'chat', model: 'llama-3-70b', inputTokens: tokens, outputTokens: 0 });
    };
    await use('2026-10-01T09:00:00Z', 3_750);
    await use('2026-10-02T09:00:00Z', 3_750);
    await use('2026-10-03T09:00:00Z', 1_250);
    clock.set('2026-10-03T12:00:00Z');
    const c = (await fresh.owner.call(creditsContract.charts)).body;
    expect(c.forecast).toEqual({
      burnRateMcPerDay: 3_000,
      basisDays: 2,
      todayMc: 1_000,
      runOutAt: null,
      expiringMc: 207_000,
      periodEnd: '2026-11-01T00:00:00.000Z',
    });
  });
});

describe('period=current (issue 24: the page defaults to the billing period)', () => {
  it('reads the current billing period so far, in the history, its totals and the CSV; refuses it with dates', async () => {
    clock.set('2026-03-10T00:00:00Z');
    const fresh = await createOrg(app);
    const use = (at: string) => {
      clock.set(at);
      return app.services.ledger.record({ orgId: fresh.orgId, userId: null, projectId: null, apiKeyId: null, source: 'api', useCase: 'chat', model: 'demo-model', inputTokens: 0, outputTokens: 1000 });
    };
    await use('2026-03-20T09:00:00Z');
    await use('2026-04-09T23:59:00Z');
    await use('2026-04-10T00:01:00Z');
    clock.set('2026-04-12T00:00:00Z');
    const page = await fresh.owner.call(creditsContract.usage, { query: { period: 'current' } });
    expect(page.status).toBe(200);
    expect(page.body.items.map((r: { occurredAt: string }) => r.occurredAt)).toEqual(['2026-04-10T00:01:00.000Z']);
    expect(page.body.totals).toEqual({ count: 1, chargedMc: 1_500 });
    expect((await fresh.owner.call(creditsContract.usage, {})).body.totals.count).toBe(3);
    const csv = await fresh.owner.call(creditsContract.usageCsv, { query: { period: 'current' } });
    expect(csv.text.trim().split('\r\n')).toHaveLength(2);
    const both = await fresh.owner.call(creditsContract.usage, { query: { period: 'current', from: '2026-04-01' } });
    expect(both.status).toBe(400);
  });
});

describe('CSV export at scale', () => {
  it('streams every row, past the 100,000 rows where it used to stop without saying so', async () => {
    const { owner, orgId } = await createOrg(app);
    // Rows through SQL (not the engine): the export reads usage_records only.
    await sql`
      insert into usage_records (org_id, occurred_at, source, use_case, model, rate_version, input_mc_per_1k, output_mc_per_1k,
        input_tokens, output_tokens, charged_mc, overage_mc, allocations)
      select ${orgId}::uuid, timestamptz '2026-06-13T00:00:00Z' - (g || ' seconds')::interval, 'api', 'chat', 'gpt-4o-mini', 1, 150, 600,
        10, 10, 8, 0, '[]'::jsonb
      from generate_series(1, 100005) g`.execute(app.db);
    const res = await fetch(app.baseUrl + creditsContract.usageCsv.path, { headers: { cookie: owner.cookie } });
    expect(res.status).toBe(200);
    const text = await res.text();
    const lines = text.split('\r\n');
    expect(lines.at(-1)).toBe('');
    expect(lines).toHaveLength(1 + 100_005 + 1);
    expect(lines[1]).toBe('2026-06-12T23:59:59.000Z,chat,API,,,gpt-4o-mini,10,10,0.008,0,8');
    expect(lines[100_005]).toBe('2026-06-11T20:13:15.000Z,chat,API,,,gpt-4o-mini,10,10,0.008,0,8');
  });
});
