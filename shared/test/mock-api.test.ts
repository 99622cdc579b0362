import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { aiContract } from '../src/contracts/ai';
import { billingContract } from '../src/contracts/billing';
import { creditsContract } from '../src/contracts/credits';
import { meteringContract } from '../src/contracts/metering';
import { createHandlers, createMockApi, mockApiKeyToken, MOCK_API_KEYS, SCENARIOS } from '../src/testing';
import { USAGE_CSV_COLUMNS } from '../src/usage-csv';

/**
 * The mock API is one store: what one route changes, the others show. Plain fetch against
 * `setupServer`, as another project's tests would use it.
 */
const BASE = 'http://mock.test';
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const NOW = new Date('2026-11-20T12:00:00Z');

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(BASE + path, {
    method,
    headers: { 'content-type': 'application/json', ...(method === 'GET' ? {} : { 'x-csrf-token': 'mock-csrf-token' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
}

const summary = async () => creditsContract.summary.response.parse((await call('GET', creditsContract.summary.path)).body);

async function buy(bundleId: string) {
  const order = await call('POST', billingContract.createPurchase.path, { bundleId });
  expect(order.status).toBe(201);
  const paid = await call('POST', billingContract.sandboxPay.path, { purchaseId: order.body.purchaseId, outcome: 'success' });
  if (paid.status !== 200) return paid;
  return call('POST', billingContract.verifyPurchase.path.replace(':purchaseId', order.body.purchaseId), paid.body);
}

describe('one mock store', () => {
  it('a purchase adds its credits to the balance and a row to the history', async () => {
    server.use(...createHandlers('owner', { now: NOW }));
    const before = await summary();
    const verified = await buy('professional');
    expect(verified.status).toBe(200);
    expect((await summary()).balanceMc).toBe(before.balanceMc + 5_500_000);
    const history = billingContract.history.response.parse((await call('GET', billingContract.history.path)).body);
    expect(history.purchases[0]).toMatchObject({ bundleId: 'professional', status: 'granted' });
    const charts = creditsContract.charts.response.parse((await call('GET', creditsContract.charts.path)).body);
    expect(charts.events.filter((e) => e.kind === 'purchase').at(-1)?.amountMc).toBe(5_500_000);
  });

  it('paying the open invoice clears the unpaid-invoice banner', async () => {
    server.use(...createHandlers('inOverage', { now: NOW }));
    const before = await summary();
    expect(before.unpaidInvoices).toEqual({ count: 1, amountCents: 4_800 });
    const history = billingContract.history.response.parse((await call('GET', billingContract.history.path)).body);
    const open = history.invoices.find((i) => i.status === 'open')!;
    const order = await call('POST', billingContract.payInvoice.path.replace(':invoiceId', open.id));
    const paid = await call('POST', billingContract.sandboxPay.path, { purchaseId: order.body.purchaseId, outcome: 'success' });
    expect((await call('POST', billingContract.verifyPurchase.path.replace(':purchaseId', order.body.purchaseId), paid.body)).status).toBe(200);
    expect((await summary()).unpaidInvoices).toEqual({ count: 0, amountCents: 0 });
  });

  it('an AI run is charged and shows in the summary, the history and the charts', async () => {
    const { store, handlers } = createMockApi('owner', { now: NOW });
    server.use(...handlers);
    const before = await summary();
    const run = await call('POST', aiContract.chat.path, { projectId: store.projects[0]!.id, message: 'Which login cases matter?' }, { 'idempotency-key': 'chat-run-0001' });
    expect(run.status).toBe(201);
    const charged = aiContract.chat.response.parse(run.body).run.chargedMc;
    expect(charged).toBeGreaterThan(0);
    const after = await summary();
    expect(after.balanceMc).toBe(before.balanceMc - charged);
    expect(after.periodUsageMc).toBe(before.periodUsageMc + charged);
    const page = creditsContract.usage.response.parse((await call('GET', `${creditsContract.usage.path}?limit=1`)).body);
    expect(page.items[0]).toMatchObject({ useCase: 'chat', chargedMc: charged, source: 'app' });
  });

  it('metering with an API key charges the org and answers the ledger refusals', async () => {
    server.use(...createHandlers('overageLimitReached', { now: NOW }));
    const headers = { authorization: `Bearer ${mockApiKeyToken(MOCK_API_KEYS[0]!.id)}`, 'idempotency-key': 'meter-0000001' };
    const refused = await call('POST', meteringContract.record.path, { useCase: 'chat', model: 'demo-model', inputTokens: 100, outputTokens: 100 }, headers);
    expect(refused).toMatchObject({ status: 402, body: { error: { code: 'OVERAGE_LIMIT_REACHED' } } });
  });

  it('runs on one clock: a reservation holds for the BFF default 300 s from the fixed now, and a later clock sees it expired', async () => {
    let now = NOW;
    const { store, handlers } = createMockApi('owner', { now: NOW });
    store.clock = () => now;
    server.use(...handlers);
    const headers = { authorization: `Bearer ${mockApiKeyToken(MOCK_API_KEYS[0]!.id)}` };
    const reserved = await call('POST', meteringContract.reserve.path, { useCase: 'chat', model: 'demo-model', estimateMc: 1_000 }, { ...headers, 'idempotency-key': 'reserve-0000001' });
    expect(reserved.body.reservation.expiresAt).toBe('2026-11-20T12:05:00.000Z');
    expect((await summary()).reservedMc).toBe(1_000);
    now = new Date('2026-11-20T12:05:00Z');
    expect((await summary()).reservedMc).toBe(0);
    const settle = await call('POST', meteringContract.settle.path, { reservationId: reserved.body.reservation.id, inputTokens: 10, outputTokens: 10 }, { ...headers, 'idempotency-key': 'settle-0000001' });
    expect(settle).toMatchObject({ status: 409, body: { error: { code: 'RESERVATION_EXPIRED' } } });
  });

  it('roles apply to every route: an admin cannot buy, a member cannot read billing, in the words of the BFF', async () => {
    server.use(...createHandlers('admin', { now: NOW }));
    expect(await call('POST', billingContract.createPurchase.path, { bundleId: 'starter' })).toEqual({
      status: 403,
      body: { error: { code: 'FORBIDDEN', message: 'Only the organization owner can do this' } },
    });
    server.resetHandlers(...createHandlers('member', { now: NOW }));
    expect((await call('GET', billingContract.history.path)).status).toBe(403);
    server.resetHandlers(...createHandlers('owner', { now: NOW, role: 'member' }));
    expect((await call('GET', billingContract.history.path)).status).toBe(403);
  });

  it('emptyOrg has no purchases, no usage and the 300-credit allowance', async () => {
    server.use(...createHandlers('emptyOrg', { now: NOW }));
    const history = billingContract.history.response.parse((await call('GET', billingContract.history.path)).body);
    expect(history.purchases).toEqual([]);
    expect(history.invoices).toEqual([]);
    expect((await summary()).balanceMc).toBe(300_000);
  });

  it('paymentFailed declines every sandbox payment and adds nothing', async () => {
    server.use(...createHandlers('paymentFailed', { now: NOW }));
    const before = await summary();
    expect(await buy('starter')).toMatchObject({ status: 402, body: { error: { code: 'PAYMENT_FAILED' } } });
    expect((await summary()).balanceMc).toBe(before.balanceMc);
  });

  it('the CSV has the columns of the shared definition', async () => {
    server.use(...createHandlers('owner', { now: NOW }));
    const csv = await call('GET', creditsContract.usageCsv.path);
    expect(String(csv.body).split('\r\n')[0]).toBe(USAGE_CSV_COLUMNS.join(','));
  });

  it('every scenario answers the summary and the session with their contracts', async () => {
    for (const scenario of SCENARIOS.filter((s) => s !== 'slowNetwork')) {
      server.resetHandlers(...createHandlers(scenario, { now: NOW }));
      expect((await call('GET', '/api/auth/session')).status, scenario).toBe(200);
      const res = await call('GET', creditsContract.summary.path);
      if (scenario === 'serverErrors') expect(res.status).toBe(500);
      else creditsContract.summary.response.parse(res.body);
    }
  });
});

describe('the catch-alls answer only this API', () => {
  it('serverErrors fails /api/ on the API origin, and leaves source modules whose path contains /api/ alone', async () => {
    server.use(...createHandlers('serverErrors', { now: NOW, origin: BASE }));
    expect((await call('GET', creditsContract.summary.path)).status).toBe(500);
    expect((await call('GET', '/api/auth/session')).status).toBe(200);
    // A Vite module such as /src/features/api/client.ts is not the API: MSW must not answer it
    // (onUnhandledFrame 'error' makes the unanswered fetch reject instead).
    await expect(fetch(`${BASE}/src/features/api/client.ts`)).rejects.toThrow();
    // Another origin's /api/ is not this API either: the catch-all leaves it to the routes.
    expect((await fetch('http://elsewhere.test/api/credits/summary')).status).toBe(200);
  });

  it('one chosen endpoint fails, the others answer', async () => {
    server.use(...createHandlers('owner', { now: NOW, failEndpoint: 'GET /api/credits/charts' }));
    expect((await call('GET', creditsContract.charts.path)).status).toBe(500);
    expect((await call('GET', creditsContract.summary.path)).status).toBe(200);
  });
});

describe('scenarios from the URL', () => {
  it('reads the scenario and its options from a query string', async () => {
    const { scenarioFromSearch } = await import('../src/testing');
    expect(scenarioFromSearch('?scenario=slowNetwork&delay=300&role=admin&fail=GET%20/api/credits/charts')).toEqual({
      scenario: 'slowNetwork',
      options: { delayMs: 300, role: 'admin', failEndpoint: 'GET /api/credits/charts' },
    });
    expect(scenarioFromSearch('?scenario=nope', 'member')).toEqual({ scenario: 'member', options: {} });
  });

  it('a delayed response still arrives with its body (slow network)', async () => {
    server.use(...createHandlers('slowNetwork', { now: NOW, delayMs: 5 }));
    expect((await summary()).balanceMc).toBe(1_082_500);
  });
});

describe('budgetReached', () => {
  it('refuses AI on the project whose budget is used up with 402 BUDGET_REACHED, and lets other projects run', async () => {
    const { store, handlers } = createMockApi('budgetReached', { now: NOW });
    server.use(...handlers);
    const [full, other] = store.projects;
    const refused = await call('POST', aiContract.chat.path, { projectId: full!.id, message: 'Hello there' }, { 'idempotency-key': 'budget-chat-01' });
    expect(refused).toMatchObject({ status: 402, body: { error: { code: 'BUDGET_REACHED' } } });
    expect(refused.body.error.message).toContain(`project "${full!.name}"`);
    expect((await call('POST', aiContract.chat.path, { projectId: other!.id, message: 'Hello there' }, { 'idempotency-key': 'budget-chat-02' })).status).toBe(201);
  });
});

describe('monthly statements and the emailed tax invoice (ADR 035)', () => {
  it('a purchase shows on this month’s statement, whose figures add up to the balance; the receipt email carries the tax invoice PDF', async () => {
    server.resetHandlers(...createHandlers('owner', { now: NOW }));
    const bought = await buy('starter');
    const number = bought.body.purchase.taxInvoiceNumber as string;
    const { periods } = billingContract.statements.response.parse((await call('GET', billingContract.statements.path)).body);
    expect(periods[0]).toMatchObject({ id: '2026-11-15', current: true });
    const s = billingContract.statement.response.parse((await call('GET', '/api/billing/statements/2026-11-15')).body);
    expect(s.credits.at(-1)).toMatchObject({ kind: 'purchase', mc: 1_000_000, amountCents: 1_180, taxInvoiceNumber: number });
    expect(s.openingMc + s.allowanceMc + s.purchasesMc - s.usageMc - s.expiredMc + s.overageInvoicedMc).toBe(s.closingMc);
    expect(s.closingMc).toBe((await summary()).balanceMc);
    const closed = billingContract.statement.response.parse((await call('GET', '/api/billing/statements/2026-10-15')).body);
    expect(closed.openingMc + closed.allowanceMc + closed.purchasesMc - closed.usageMc - closed.expiredMc + closed.overageInvoicedMc).toBe(closed.closingMc);
    const csv = (await call('GET', '/api/billing/statements/2026-11-15/csv')).body as string;
    expect(csv.split('\r\n')[0]).toBe('Line,Time (UTC),Description,Credits,Millicredits,Amount (USD cents)');
    expect((await call('GET', '/api/billing/statements/2026-11-15/pdf')).body).toMatch(/^%PDF-/);

    const emails = (await call('GET', '/api/org/emails')).body.emails as { kind: string; attachments: unknown[] }[];
    expect(emails.find((e) => e.kind === 'receipt')?.attachments).toEqual([{ filename: `tax-invoice-${number}.pdf`, contentType: 'application/pdf', sizeBytes: 2_700 }]);
  });
});
