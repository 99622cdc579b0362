import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { creditsContract } from '@ai-credits/shared/contracts/credits';
import { TestClock } from '../src/lib/clock';
import { createOrg, startApp, type TestApp } from './support/harness';

// The balance chart reads one index probe per hour (issue 10, reads at scale); it must give
// exactly what the whole-period read gave: the last entry of every hour that has one.
let app: TestApp;
const clock = new TestClock();

beforeAll(async () => {
  app = await startApp({ clock });
});
afterAll(() => app.close());

describe('balance chart', () => {
  it('is the last balance of each hour with entries, from the period start, grants included', async () => {
    clock.set('2026-06-01T00:30:00Z');
    const org = await createOrg(app);
    const member = org.member.session!.user.id;
    // Several entries in some hours, none in others, one at the very end of an hour.
    const times = ['2026-06-03T09:05:00Z', '2026-06-03T09:40:00Z', '2026-06-03T09:59:59.999Z', '2026-06-03T10:00:00Z', '2026-06-03T13:20:00Z', '2026-06-03T13:21:00Z', '2026-06-04T00:00:01Z'];
    for (const t of times) {
      clock.set(t);
      await app.services.ledger.record({ orgId: org.orgId, userId: member, projectId: null, apiKeyId: null, source: 'app', useCase: 'chat', model: 'demo-model', inputTokens: 0, outputTokens: 1000 });
    }
    clock.set('2026-06-04T12:00:00Z');
    const res = await org.member.call(creditsContract.charts, { query: { from: '2026-06-01', to: '2026-06-04' } });
    expect(res.status).toBe(200);

    // What the chart showed before: every entry of the period, the last one of each hour.
    const { rows } = await sql<{ created_at: Date; balance_after_mc: bigint }>`
      select distinct on (date_trunc('hour', created_at)) created_at, balance_after_mc from ledger_entries l
      where org_id = ${org.orgId} and created_at >= (select period_start from credit_accounts where org_id = ${org.orgId})
      order by date_trunc('hour', created_at), id desc`.execute(app.db);
    const expected = rows.map((r) => ({ at: r.created_at.toISOString(), balanceMc: Number(r.balance_after_mc) }));
    // the grant hour (00:xx on the 1st) and 09, 10, 13 on the 3rd and 00 on the 4th
    expect(expected.map((e) => e.at.slice(0, 13))).toEqual(['2026-06-01T00', '2026-06-03T09', '2026-06-03T10', '2026-06-03T13', '2026-06-04T00']);
    expect(res.body.balance).toEqual(expected);
    expect(res.body.balance[1]).toMatchObject({ at: '2026-06-03T09:59:59.999Z' });
  });

  // Issue 24: a new org bought 5,500 credits and spent most of them within the hour; the last
  // entry of the hour alone drew a chart whose y-axis stopped below the 5,800 the balance reached.
  it('keeps the balance just before and just after every purchase, however many entries share its hour', async () => {
    clock.set('2026-07-01T00:00:00Z');
    const org = await createOrg(app);
    const member = org.member.session!.user.id;
    const spend = (at: string, outputTokens: number) => {
      clock.set(at);
      return app.services.ledger.record({ orgId: org.orgId, userId: member, projectId: null, apiKeyId: null, source: 'app', useCase: 'chat', model: 'demo-model', inputTokens: 0, outputTokens });
    };
    await spend('2026-07-01T09:05:00Z', 60_000); // 300 -> 210 (demo-model: 1.5 credits per 1,000 output tokens)
    clock.set('2026-07-01T09:10:00Z');
    await app.db.transaction().execute((trx) => app.services.ledger.grantInTransaction(trx, org.orgId, { source: 'purchase', amountMc: 5_500_000n, purchaseId: randomUUID() }));
    await spend('2026-07-01T09:20:00Z', 2_000_000); // 5,710 -> 2,710
    clock.set('2026-07-01T12:00:00Z');
    const res = await org.member.call(creditsContract.charts);
    expect(res.status).toBe(200);
    const points = res.body.balance.map((p: { at: string; balanceMc: number }) => [p.at, p.balanceMc]);
    expect(points).toEqual([
      ['2026-07-01T00:00:00.000Z', 300_000],
      ['2026-07-01T09:10:00.000Z', 210_000],
      ['2026-07-01T09:10:00.000Z', 5_710_000],
      ['2026-07-01T09:20:00.000Z', 2_710_000],
    ]);
  });
});
