import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeysContract } from '@ai-credits/shared/contracts/api-keys';
import { creditsContract } from '@ai-credits/shared/contracts/credits';
import { meteringContract } from '@ai-credits/shared/contracts/metering';
import { TestClock } from '../src/lib/clock';
import { createOrg, startApp, type TestApp } from './support/harness';

// Issue 11, item 6: row count and credit total for the filter, reversed ranges refused,
// API usage attributed to the named API key (column, filter, chart series, CSV).
let app: TestApp;
const clock = new TestClock();
let org: Awaited<ReturnType<typeof createOrg>>;
let keys: { ci: string; nightly: string };

async function meter(token: string, outputTokens: number) {
  const res = await fetch(app.baseUrl + meteringContract.record.path, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': `k-${randomUUID()}` },
    body: JSON.stringify({ useCase: 'report', model: 'gpt-4o-mini', inputTokens: 0, outputTokens }),
  });
  expect(res.status).toBe(200);
}

beforeAll(async () => {
  app = await startApp({ clock, env: { SESSION_TTL_HOURS: '2160' } });
  clock.set('2026-06-10T08:00:00Z');
  org = await createOrg(app);
  const ci = (await org.owner.call(apiKeysContract.create, { body: { name: 'ci-runner' } })).data;
  const nightly = (await org.admin.call(apiKeysContract.create, { body: { name: 'nightly-suite' } })).data;
  keys = { ci: ci.apiKey.id, nightly: nightly.apiKey.id };
  const member = org.member.session!.user.id;
  // 2026-06-11: 7 app chats by the member (1,500 mc each); 2026-06-12: 3 calls by ci-runner (600 mc), 2 by nightly-suite (1,200 mc).
  for (let i = 0; i < 7; i++) {
    clock.set(`2026-06-11T0${i + 1}:00:00Z`);
    await app.services.ledger.record({ orgId: org.orgId, userId: member, projectId: null, apiKeyId: null, source: 'app', useCase: 'chat', model: 'demo-model', inputTokens: 0, outputTokens: 1000 });
  }
  for (let i = 0; i < 3; i++) {
    clock.set(`2026-06-12T0${i + 1}:00:00Z`);
    await meter(ci.token, 1000);
  }
  for (let i = 0; i < 2; i++) {
    clock.set(`2026-06-12T1${i + 1}:00:00Z`);
    await meter(nightly.token, 2000);
  }
  clock.set('2026-06-14T12:00:00Z');
});
afterAll(() => app.close());

describe('usage history totals', () => {
  it('gives the row count and credit total of the whole filtered set, whatever the page size', async () => {
    const all = await org.member.call(creditsContract.usage, { query: { limit: 2 } });
    expect(all.status).toBe(200);
    expect(all.body.items).toHaveLength(2);
    expect(all.body.totals).toEqual({ count: 12, chargedMc: 7 * 1500 + 3 * 600 + 2 * 1200 });

    const chats = await org.member.call(creditsContract.usage, { query: { useCase: 'chat', limit: 5 } });
    expect(chats.body.totals).toEqual({ count: 7, chargedMc: 10500 });

    // The totals do not depend on the cursor: page 2 reports the same numbers.
    const page2 = await org.member.call(creditsContract.usage, { query: { limit: 2, cursor: all.body.nextCursor } });
    expect(page2.body.totals).toEqual(all.body.totals);

    const none = await org.member.call(creditsContract.usage, { query: { from: '2026-06-13' } });
    expect(none.body).toMatchObject({ items: [], nextCursor: null, totals: { count: 0, chargedMc: 0 } });
  });

  it('counts partial days at the edges of a date-time range exactly (whole days come from the daily rollup)', async () => {
    // 2026-06-11 04:00-07:00 (4 chats), 2026-06-12 01:00-03:00 (3 ci-runner), 11:00 (1 nightly-suite); 12:00 is past the end.
    const span = await org.member.call(creditsContract.usage, { query: { from: '2026-06-11T03:30:00Z', to: '2026-06-12T11:30:00Z', limit: 50 } });
    expect(span.status).toBe(200);
    expect(span.body.items).toHaveLength(8);
    expect(span.body.totals).toEqual({ count: 8, chargedMc: 4 * 1500 + 3 * 600 + 1200 });
    // Within one day.
    const inDay = await org.member.call(creditsContract.usage, { query: { from: '2026-06-12T02:30:00Z', to: '2026-06-12T11:30:00Z' } });
    expect(inDay.body.totals).toEqual({ count: 2, chargedMc: 600 + 1200 });
    // A filter the rollup has, with a partial first day and a whole last day.
    const chats = await org.member.call(creditsContract.usage, { query: { useCase: 'chat', from: '2026-06-11T03:30:00Z', to: '2026-06-12' } });
    expect(chats.body.totals).toEqual({ count: 4, chargedMc: 6000 });
    // The same through the user filter, whole days only.
    const byUser = await org.member.call(creditsContract.usage, { query: { userId: org.member.session!.user.id, from: '2026-06-11', to: '2026-06-11' } });
    expect(byUser.body.totals).toEqual({ count: 7, chargedMc: 10500 });
  });

  it('refuses a reversed date range with a clear message (one day, from = to, is fine)', async () => {
    const reversed = await org.member.call(creditsContract.usage, { query: { from: '2026-06-12', to: '2026-06-11' } });
    expect(reversed.status).toBe(400);
    expect(reversed.body.error.code).toBe('VALIDATION_FAILED');
    expect(reversed.body.error.message).toContain('`from` must be on or before `to`');
    const csv = await org.member.call(creditsContract.usageCsv, { query: { from: '2026-06-12', to: '2026-06-11' } });
    expect(csv.status).toBe(400);
    const oneDay = await org.member.call(creditsContract.usage, { query: { from: '2026-06-12', to: '2026-06-12' } });
    expect(oneDay.status).toBe(200);
    expect(oneDay.body.totals.count).toBe(5);
  });
});

describe('API usage attributed to the named API key', () => {
  it('shows the key on each row and filters by it', async () => {
    const res = await org.member.call(creditsContract.usage, { query: { apiKeyId: keys.ci } });
    expect(res.status).toBe(200);
    expect(res.body.totals).toEqual({ count: 3, chargedMc: 1800 });
    for (const row of res.body.items) expect(row).toMatchObject({ source: 'api', user: null, apiKey: { id: keys.ci, name: 'ci-runner' } });
    const app_ = await org.member.call(creditsContract.usage, { query: { useCase: 'chat', limit: 1 } });
    expect(app_.body.items[0].apiKey).toBeNull();
    const bad = await org.member.call(creditsContract.usage, { query: { apiKeyId: 'not-a-uuid' } });
    expect(bad.status).toBe(400);
  });

  it('lists the key names to every role, without token prefixes', async () => {
    const res = await org.member.call(creditsContract.apiKeyOptions);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      apiKeys: [
        { id: keys.ci, name: 'ci-runner', revoked: false },
        { id: keys.nightly, name: 'nightly-suite', revoked: false },
      ],
    });
  });

  it('charts credits per API key', async () => {
    const res = await org.member.call(creditsContract.charts, { query: { from: '2026-06-10', to: '2026-06-14' } });
    expect(res.status).toBe(200);
    expect(res.body.byApiKey).toEqual([
      { id: keys.nightly, label: 'nightly-suite', mc: 2400 },
      { id: keys.ci, label: 'ci-runner', mc: 1800 },
    ]);
  });

  it('names the key in the CSV, with exact millicredits', async () => {
    const res = await org.member.call(creditsContract.usageCsv, { query: { apiKeyId: keys.nightly } });
    expect(res.status).toBe(200);
    const lines = res.text.trim().split('\r\n');
    expect(lines).toEqual([
      'Date,Use Case,User,API Key,Project,Model,Input Tokens,Output Tokens,Credits Consumed,Overage Credits,Millicredits Consumed',
      '2026-06-12T12:00:00.000Z,report,,nightly-suite,,gpt-4o-mini,0,2000,1.2,0,1200',
      '2026-06-12T11:00:00.000Z,report,,nightly-suite,,gpt-4o-mini,0,2000,1.2,0,1200',
    ]);
  });
});
