import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractText, getDocumentProxy } from 'unpdf';
import { apiKeysContract } from '@ai-credits/shared/contracts/api-keys';
import { billingContract, type Statement } from '@ai-credits/shared/contracts/billing';
import { creditsContract } from '@ai-credits/shared/contracts/credits';
import { meteringContract } from '@ai-credits/shared/contracts/metering';
import { formatCredits } from '@ai-credits/shared/format';
import { TestClock } from '../src/lib/clock';
import { createOrg, startApp, type Client, type TestApp } from './support/harness';
import { expectLedgerConsistent } from './support/ledger-assertions';

/**
 * Monthly statements (issue 21, ADR 035): real metering, a real sandbox purchase and a real
 * period rollover, then every figure of the statement against the ledger's own entries, read
 * here independently (all entries of the org, classified in JS), to the millicredit.
 */
const clock = new TestClock();
let app: TestApp;
beforeAll(async () => {
  clock.set('2026-03-10T09:00:00.000Z');
  app = await startApp({ clock, env: { SESSION_TTL_HOURS: '2160' } });
});
afterAll(async () => {
  await app?.services.autoTopUp.idle();
  await app?.close();
});

async function meter(token: string, useCase: 'chat' | 'report' | 'test_generation', inputTokens: number, outputTokens: number) {
  const res = await fetch(`${app.baseUrl}${meteringContract.record.path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': `k-${randomUUID()}` },
    body: JSON.stringify({ useCase, model: 'demo-model', inputTokens, outputTokens }),
  });
  expect(res.status, await res.clone().text()).toBe(200);
}

async function buyStarter(owner: Client, saveCard = false) {
  const order = await owner.call(billingContract.createPurchase, { body: { bundleId: 'starter', saveCard } });
  const paid = await owner.call(billingContract.sandboxPay, { body: { purchaseId: order.body.purchaseId, outcome: 'success' } });
  const verified = await owner.call(billingContract.verifyPurchase, { params: { purchaseId: order.body.purchaseId }, body: paid.body });
  expect(verified.status, verified.text).toBe(200);
  return verified.data.purchase;
}

/** The ledger's own entries of the period, classified without the BFF's SQL: closing entries at the end belong to the period they close. */
async function ledgerOf(orgId: string, start: string, end: string) {
  const rows = await app.db
    .selectFrom('ledger_entries as l')
    .leftJoin('grants as g', (j) => j.onRef('g.org_id', '=', 'l.org_id').onRef('g.id', '=', 'l.grant_id'))
    .leftJoin('usage_records as u', (j) => j.onRef('u.org_id', '=', 'l.org_id').onRef('u.id', '=', 'l.usage_id'))
    .select(['l.id', 'l.entry_type', 'l.amount_mc', 'l.balance_after_mc', 'l.created_at', 'g.source', 'u.use_case'])
    .where('l.org_id', '=', orgId)
    .orderBy('l.id')
    .execute();
  const s = Date.parse(start);
  const e = Date.parse(end);
  const closing = (t: string) => t === 'expire' || t === 'overage_invoiced';
  const before = rows.filter((r) => (closing(r.entry_type) ? r.created_at.getTime() <= s : r.created_at.getTime() < s));
  const mine = rows.filter((r) => (closing(r.entry_type) ? r.created_at.getTime() > s && r.created_at.getTime() <= e : r.created_at.getTime() >= s && r.created_at.getTime() < e));
  const sum = (f: (r: (typeof rows)[number]) => boolean) => mine.filter(f).reduce((a, r) => a + Number(r.amount_mc), 0);
  const byUseCase: Record<string, number> = {};
  for (const r of mine.filter((r) => r.entry_type === 'consume')) byUseCase[r.use_case!] = (byUseCase[r.use_case!] ?? 0) - Number(r.amount_mc);
  return {
    opening: before.length ? Number(before.at(-1)!.balance_after_mc) : 0,
    allowance: sum((r) => r.entry_type === 'grant' && r.source === 'monthly_allowance'),
    purchases: sum((r) => r.entry_type === 'grant' && r.source !== 'monthly_allowance'),
    usage: 0 - sum((r) => r.entry_type === 'consume'),
    byUseCase,
    expired: 0 - sum((r) => r.entry_type === 'expire'),
    overage: sum((r) => r.entry_type === 'overage_invoiced'),
    closing: mine.length ? Number(mine.at(-1)!.balance_after_mc) : before.length ? Number(before.at(-1)!.balance_after_mc) : 0,
  };
}

function expectStatementIsTheLedger(st: Statement, l: Awaited<ReturnType<typeof ledgerOf>>) {
  expect({
    opening: st.openingMc,
    allowance: st.allowanceMc,
    purchases: st.purchasesMc,
    usage: st.usageMc,
    byUseCase: Object.fromEntries(st.usageByUseCase.map((u) => [u.useCase, u.mc])),
    expired: st.expiredMc,
    overage: st.overageInvoicedMc,
    closing: st.closingMc,
  }).toEqual(l);
  expect(st.credits.reduce((a, c) => a + c.mc, 0)).toBe(st.purchasesMc);
  expect(st.usageByUseCase.reduce((a, u) => a + u.mc, 0)).toBe(st.usageMc);
  // The statement's rule, integers only.
  expect(st.openingMc + st.allowanceMc + st.purchasesMc - st.usageMc - st.expiredMc + st.overageInvoicedMc).toBe(st.closingMc);
}

async function pdfText(client: Client, period: string) {
  const res = await fetch(`${app.baseUrl}/api/billing/statements/${period}/pdf`, { headers: { cookie: client.cookie } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/pdf');
  const { text } = await extractText(await getDocumentProxy(new Uint8Array(await res.arrayBuffer())), { mergePages: true });
  return text.replace(/\s+/g, ' ');
}

async function csvOf(client: Client, period: string) {
  const res = await fetch(`${app.baseUrl}/api/billing/statements/${period}/csv`, { headers: { cookie: client.cookie } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/csv');
  return (await res.text()).split('\r\n');
}

describe('monthly statements', () => {
  it('metering, a purchase and the reset: every figure equals the ledger, so far and after the close; PDF and CSV hold them', async () => {
    clock.set('2026-03-10T09:00:00.000Z');
    const { orgId, owner, admin, member } = await createOrg(app);
    const key = (await owner.call(apiKeysContract.create, { body: { name: 'statement-key' } })).data.token;
    clock.set('2026-03-12T10:00:00.000Z');
    await meter(key, 'chat', 1_000, 500);
    await meter(key, 'chat', 2_345, 77);
    await meter(key, 'report', 4_000, 900);
    clock.set('2026-03-20T15:30:00.000Z');
    const purchase = await buyStarter(owner, true);
    // Auto top-up below 1,250 credits (ADR 025): the next metering call crosses it.
    expect((await owner.call(billingContract.setAutoTopUp, { body: { enabled: true, thresholdCredits: 1_250, bundleId: 'starter', capKind: 'count', capValue: 1 } })).status).toBe(200);
    clock.set('2026-03-25T08:00:00.000Z');
    await meter(key, 'test_generation', 90_000, 30_000);
    await app.services.autoTopUp.process();
    const topUp = (await owner.call(billingContract.history)).data.purchases.find((p) => p.source === 'auto_topup')!;
    expect(topUp).toMatchObject({ status: 'granted', credits: 1_000 });

    const list = await admin.call(billingContract.statements);
    expect(list.status, list.text).toBe(200);
    expect(list.data.periods).toEqual([{ id: '2026-03-10', start: '2026-03-10T00:00:00.000Z', end: '2026-04-10T00:00:00.000Z', current: true }]);

    // So far: the open period.
    const sofar = (await owner.call(billingContract.statement, { params: { period: '2026-03-10' } })).data;
    expectStatementIsTheLedger(sofar, await ledgerOf(orgId, sofar.period.start, sofar.period.end));
    const balance = (await owner.call(creditsContract.summary)).data.balanceMc;
    expect(sofar.closingMc).toBe(balance);
    expect(sofar).toMatchObject({ openingMc: 0, allowanceMc: 300_000, purchasesMc: 2_000_000, expiredMc: 0, overageInvoicedMc: 0, overageInvoice: null });
    expect(sofar.usageByUseCase.map((u) => [u.useCase, u.calls])).toEqual([
      ['chat', 2],
      ['report', 1],
      ['test_generation', 1],
    ]);
    expect(sofar.credits).toEqual([
      { at: '2026-03-20T15:30:00.000Z', kind: 'purchase', description: 'Starter bundle: 1,000 credits', mc: 1_000_000, purchaseId: purchase.id, amountCents: 1_180, taxInvoiceNumber: purchase.taxInvoiceNumber },
      { at: '2026-03-25T08:00:00.000Z', kind: 'auto_topup', description: 'Starter bundle: 1,000 credits', mc: 1_000_000, purchaseId: topUp.id, amountCents: 1_180, taxInvoiceNumber: topUp.taxInvoiceNumber },
    ]);

    // The reset: a month later the period closes (the first read after it rolls the ledger over).
    clock.set('2026-04-11T12:00:00.000Z');
    await meter(key, 'chat', 500, 100);
    const periods = (await owner.call(billingContract.statements)).data.periods;
    expect(periods.map((p) => [p.id, p.current])).toEqual([
      ['2026-04-10', true],
      ['2026-03-10', false],
    ]);
    const march = (await owner.call(billingContract.statement, { params: { period: '2026-03-10' } })).data;
    expectStatementIsTheLedger(march, await ledgerOf(orgId, march.period.start, march.period.end));
    // Everything left at the reset expired; the figures of the month itself did not change.
    expect(march).toMatchObject({ openingMc: 0, allowanceMc: 300_000, purchasesMc: 2_000_000, usageMc: sofar.usageMc, expiredMc: sofar.closingMc, closingMc: 0 });
    const april = (await owner.call(billingContract.statement, { params: { period: '2026-04-10' } })).data;
    expectStatementIsTheLedger(april, await ledgerOf(orgId, april.period.start, april.period.end));
    expect(april.openingMc).toBe(march.closingMc);
    expect(april.closingMc).toBe((await owner.call(creditsContract.summary)).data.balanceMc);
    await expectLedgerConsistent(app.db, orgId, clock.now());

    // The PDF, read back: the period, the opening and closing balances and the totals.
    const text = await pdfText(admin, '2026-03-10');
    expect(text).toContain('AI Credits statement');
    expect(text).toContain('Billing period: 2026-03-10 00:00 UTC to 2026-04-10 00:00 UTC');
    expect(text).toContain('Closed at the reset');
    expect(text).toContain('Opening balance 0 credits');
    expect(text).toContain('Monthly allowance +300 credits');
    expect(text).toContain(`Starter bundle: 1,000 credits +1,000 credits`);
    expect(text).toContain(`Tax invoice ${purchase.taxInvoiceNumber}, $11.80 USD`);
    expect(text).toContain(`Auto top-up 2026-03-25 08:00 UTC: Starter bundle: 1,000 credits +1,000 credits Tax invoice ${topUp.taxInvoiceNumber}`);
    expect(text).toContain('Purchases and top-ups total +2,000 credits');
    expect(text).toContain(`Usage total ${formatCredits(-march.usageMc)} credits`);
    expect(text).toContain(`Expired at the reset ${formatCredits(-march.expiredMc)} credits`);
    expect(text).toContain('Closing balance 0 credits');
    expect(await pdfText(owner, '2026-04-10')).toContain(`Closing balance (so far) ${formatCredits(april.closingMc)} credits`);

    // The CSV: times in UTC, one line per figure, exact credits beside the millicredits.
    const csv = await csvOf(owner, '2026-03-10');
    expect(csv[0]).toBe('Line,Time (UTC),Description,Credits,Millicredits,Amount (USD cents)');
    expect(csv[1]).toBe('Period,2026-03-10T00:00:00.000Z,Billing period 2026-03-10T00:00:00.000Z to 2026-04-10T00:00:00.000Z (UTC),,,');
    expect(csv).toContain('Monthly allowance,2026-03-10T00:00:00.000Z,Credits included in the plan this month,300,300000,');
    expect(csv).toContain(`Purchase,2026-03-20T15:30:00.000Z,"Starter bundle: 1,000 credits (tax invoice ${purchase.taxInvoiceNumber})",1000,1000000,1180`);
    expect(csv).toContain(`Auto top-up,2026-03-25T08:00:00.000Z,"Starter bundle: 1,000 credits (tax invoice ${topUp.taxInvoiceNumber})",1000,1000000,1180`);
    expect(csv.find((l) => l.startsWith('Closing balance,'))).toBe('Closing balance,2026-04-10T00:00:00.000Z,Balance at the end of the period,0,0,');

    // Members are refused by the server, on every statement endpoint.
    for (const path of ['', '/2026-03-10', '/2026-03-10/pdf', '/2026-03-10/csv']) {
      const res = await fetch(`${app.baseUrl}/api/billing/statements${path}`, { headers: { cookie: member.cookie } });
      expect(res.status, path).toBe(403);
    }
    // A period the org does not have, and a malformed one.
    expect((await owner.call(billingContract.statement, { params: { period: '2026-02-10' } })).status).toBe(404);
    expect((await owner.call(billingContract.statement, { params: { period: 'march' } })).status).toBe(400);
  });

  it('overage at the reset: the negative balance is invoiced and the statement shows it; the rule still adds up', async () => {
    clock.set('2026-05-03T09:00:00.000Z');
    const { orgId, owner } = await createOrg(app);
    const key = (await owner.call(apiKeysContract.create, { body: { name: 'overage-key' } })).data.token;
    await owner.call(creditsContract.setOverageLimit, { body: { limitCredits: 100 } });
    // 300 credits of allowance, then into overage.
    for (let i = 0; i < 4; i++) await meter(key, 'report', 100_000, 20_000);
    const used = (await owner.call(creditsContract.summary)).data.balanceMc;
    expect(used).toBeLessThan(0);
    clock.set('2026-06-03T00:00:00.000Z');
    const may = (await owner.call(billingContract.statement, { params: { period: '2026-05-03' } })).data;
    expectStatementIsTheLedger(may, await ledgerOf(orgId, may.period.start, may.period.end));
    expect(may).toMatchObject({ expiredMc: 0, overageInvoicedMc: -used, closingMc: 0 });
    expect(may.overageInvoice).toMatchObject({ credits: Math.ceil(-used / 1000), amountCents: Math.ceil(-used / 1000) * 40, status: 'open' });
    const csv = await csvOf(owner, '2026-05-03');
    expect(csv.find((l) => l.startsWith('Overage invoiced,'))).toBe(`Overage invoiced,2026-06-03T00:00:00.000Z,Overage moved to an invoice: ${Math.ceil(-used / 1000)} credits (open),${formatCredits(-used).replace(',', '')},${-used},${Math.ceil(-used / 1000) * 40}`);
  });

  it('the open period adds up while metering goes on: each statement is one snapshot of the ledger', async () => {
    clock.set('2026-07-01T09:00:00.000Z');
    const { owner } = await createOrg(app);
    const key = (await owner.call(apiKeysContract.create, { body: { name: 'busy-key' } })).data.token;
    const metering = Promise.all(Array.from({ length: 60 }, (_, i) => meter(key, i % 2 ? 'chat' : 'report', 1_000 + i, 200)));
    const reads = await Promise.all(Array.from({ length: 15 }, () => owner.call(billingContract.statement, { params: { period: '2026-07-01' } })));
    await metering;
    for (const { data: st } of reads) {
      expect(st.openingMc + st.allowanceMc + st.purchasesMc - st.usageMc - st.expiredMc + st.overageInvoicedMc).toBe(st.closingMc);
      expect(st.usageByUseCase.reduce((a, u) => a + u.mc, 0)).toBe(st.usageMc);
    }
    const last = (await owner.call(billingContract.statement, { params: { period: '2026-07-01' } })).data;
    expect(last.usageByUseCase.reduce((a, u) => a + u.calls, 0)).toBe(60);
    expect(last.closingMc).toBe((await owner.call(creditsContract.summary)).data.balanceMc);
  });
});
