import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { creditsContract } from '@ai-credits/shared/contracts/credits';
import { seedDemo } from '../src/seed/demo-seed';
import { createLogger } from '../src/lib/logger';
import { Client, startApp, type TestApp } from './support/harness';
import { expectLedgerConsistent } from './support/ledger-assertions';

let app: TestApp;
beforeAll(async () => {
  app = await startApp();
  // The demo users have fixed emails: clear a previous seed of this run's database, if any.
  const existing = await app.db.selectFrom('users').select('id').where('email', '=', 'owner@acme.test').executeTakeFirst();
  if (!existing) await seedDemo(app.services, createLogger('silent'));
}, 120_000);
afterAll(() => app.close());

describe('demo seed', () => {
  it('creates Acme QA with 90 days of usage written through the credit engine', async () => {
    const owner = new Client(app.baseUrl);
    const login = await owner.login('owner@acme.test');
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({ role: 'owner', org: { name: 'Acme QA' } });
    for (const email of ['admin@acme.test', 'member@acme.test']) expect((await new Client(app.baseUrl).login(email)).status).toBe(200);

    const orgId = login.body.org.id;
    const span = await app.db
      .selectFrom('usage_records')
      .select([sql<Date>`min(occurred_at)`.as('first'), sql<Date>`max(occurred_at)`.as('last'), sql<bigint>`count(*)`.as('n'), sql<bigint>`count(distinct use_case)`.as('useCases'), sql<bigint>`count(distinct model)`.as('models'), sql<bigint>`count(distinct project_id)`.as('projects')])
      .where('org_id', '=', orgId)
      .executeTakeFirstOrThrow();
    expect(Number(span.n)).toBeGreaterThan(300);
    expect((new Date(span.last).getTime() - new Date(span.first).getTime()) / 86_400_000).toBeGreaterThan(85);
    expect([span.useCases, span.projects]).toEqual([3n, 3n]);
    expect(Number(span.models)).toBeGreaterThanOrEqual(3);
    const allowances = await app.db.selectFrom('grants').select('id').where('org_id', '=', orgId).where('source', '=', 'monthly_allowance').execute();
    expect(allowances.length).toBeGreaterThanOrEqual(3);
    // top-ups went through the sandbox Checkout: granted purchases with Razorpay-shaped ids
    const purchases = await app.db.selectFrom('purchases').select(['status', 'razorpay_order_id', 'razorpay_payment_id']).where('org_id', '=', orgId).execute();
    expect(purchases.length).toBeGreaterThan(0);
    for (const p of purchases) {
      expect(p.status).toBe('granted');
      expect(p.razorpay_order_id).toMatch(/^order_[A-Za-z0-9]{14}$/);
      expect(p.razorpay_payment_id).toMatch(/^pay_[A-Za-z0-9]{14}$/);
    }
    await expectLedgerConsistent(app.db, orgId, new Date());
    const summary = await owner.call(creditsContract.summary);
    expect(summary.body.periodUsageMc).toBeGreaterThan(0);
  });
});
