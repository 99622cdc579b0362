import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Endpoint } from '@ai-credits/shared/api';
import { aiContract } from '@ai-credits/shared/contracts/ai';
import { apiKeysContract } from '@ai-credits/shared/contracts/api-keys';
import { authContract } from '@ai-credits/shared/contracts/auth';
import { billingContract } from '@ai-credits/shared/contracts/billing';
import { budgetsContract } from '@ai-credits/shared/contracts/budgets';
import { creditsContract } from '@ai-credits/shared/contracts/credits';
import { meteringContract } from '@ai-credits/shared/contracts/metering';
import { orgContract } from '@ai-credits/shared/contracts/org';
import { ApiErrorSchema } from '@ai-credits/shared/errors';
import { createHandlers } from '@ai-credits/shared/testing';
import { Client, startApp, uniq, type CallResult, type TestApp } from './support/harness';
import { parseSse } from './support/sse';

/**
 * Parity of the mock API (@ai-credits/shared/testing) with the real BFF on real PostgreSQL:
 * the same API calls, with the same fetch, against both; every step's status, error code and
 * response shape must be equal, every JSON response must parse with its contract, and the CSV
 * headers must be equal. A change to either side that the other does not follow fails here.
 */
interface Observation {
  step: string;
  status: number;
  code: string | null;
  /** The words of the refusals the product rules define (shared/ledger-rules.ts, errors.ts). */
  message?: string;
  shape: unknown;
  csvHeader?: string;
  /** The tax an order charges (shared/tax.ts on both sides): the same cents. */
  tax?: unknown;
}

const SAME_WORDS = new Set(['VALIDATION_FAILED', 'INSUFFICIENT_CREDITS', 'OVERAGE_LIMIT_REACHED', 'AI_DISABLED', 'IDEMPOTENCY_KEY_REUSED', 'UNKNOWN_MODEL', 'PAYMENT_FAILED', 'BUDGET_REACHED']);

/** The structure of a JSON value: keys and types, the first element of each array. */
function shapeOf(value: unknown): unknown {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length ? [shapeOf(value[0])] : [];
  if (typeof value === 'object') return Object.fromEntries(Object.keys(value as object).sort().map((k) => [k, shapeOf((value as Record<string, unknown>)[k])]));
  return typeof value;
}

/** The body of `done` of each streamed endpoint: the unstreamed endpoint's response. */
const DONE_OF = new Map<Endpoint, Endpoint>([
  [aiContract.chatStream, aiContract.chat],
  [aiContract.createReportStream, aiContract.createReport],
  [aiContract.generateTestCasesStream, aiContract.generateTestCases],
]);

/**
 * A Server-Sent Events body (the streamed chat, report and test generation, ADR 026): the order
 * of its events (a run of deltas as one), and the shape of the first event of each name; `done`
 * must parse as the unstreamed endpoint's response.
 */
function sseShape(baseUrl: string, step: string, endpoint: Endpoint | null, text: string): unknown {
  const events = parseSse(text);
  const order = events.map((e) => e.event).filter((name, i, all) => name !== all[i - 1]);
  const done = events.find((e) => e.event === 'done');
  const response = endpoint ? DONE_OF.get(endpoint)?.response : undefined;
  expect(!done || response, `${baseUrl} ${step}: a done event from an endpoint without a done body`).toBeTruthy();
  if (done && response) expect(response.safeParse(done.data).success, `${baseUrl} ${step}: done event`).toBe(true);
  const first = Object.fromEntries([...new Set(order)].map((name) => [name, shapeOf(events.find((e) => e.event === name)!.data)]));
  return { order, ...first };
}

/** The API scenarios, written once: sign in, read, buy, meter, hit the limit, toggle AI, export, bad input. */
async function runScenarios(baseUrl: string): Promise<Observation[]> {
  const seen: Observation[] = [];
  const owner = new Client(baseUrl);
  const record = (step: string, endpoint: Endpoint | null, res: CallResult) => {
    const error = ApiErrorSchema.safeParse(res.body);
    if (res.status < 300 && endpoint?.response) {
      const parsed = endpoint.response.safeParse(res.body);
      expect(parsed.success, `${baseUrl} ${step}: ${parsed.error?.message}`).toBe(true);
    }
    if (res.status >= 400) expect(error.success, `${baseUrl} ${step}: error body ${res.text}`).toBe(true);
    const csv = res.headers.get('content-type')?.includes('text/csv');
    const sse = res.headers.get('content-type')?.includes('text/event-stream');
    const pdf = res.headers.get('content-type')?.includes('application/pdf');
    const tax = res.status < 300 && res.body && typeof res.body === 'object' && 'tax' in res.body ? { tax: (res.body as { tax: unknown }).tax } : {};
    seen.push({
      step,
      status: res.status,
      code: error.success ? error.data.error.code : null,
      ...(error.success && SAME_WORDS.has(error.data.error.code) ? { message: error.data.error.message } : {}),
      shape: csv ? 'csv' : pdf ? (res.text.startsWith('%PDF-') ? 'pdf' : 'not a pdf') : sse ? sseShape(baseUrl, step, endpoint, res.text) : shapeOf(res.body),
      ...(csv ? { csvHeader: res.text.split('\r\n')[0] } : {}),
      ...tax,
    });
    return res;
  };
  const step = async <E extends Endpoint>(name: string, endpoint: E, input: Parameters<Client['call']>[1] = {}, client = owner) => record(name, endpoint, await client.call(endpoint, input));

  // Sign up and in.
  const email = `${uniq('parity-')}@example.test`;
  const signupBody = { orgName: 'Parity Labs', name: 'Pat Parity', email, password: 'password123' };
  await step('sign up', authContract.signup, { body: signupBody });
  const mailedToken = async (name: string, page: string) => {
    const box = await step(name, authContract.devMailbox, { query: { email } }, new Client(baseUrl));
    return new RegExp(`/${page}#token=([A-Za-z0-9_-]+)`).exec(box.body.emails[0]?.text ?? '')?.[1] ?? 'no-token-in-the-mailbox';
  };
  const verifyToken = await mailedToken('dev mailbox: the confirmation link', 'verify-email');
  owner.adoptSession(await step('confirm the address', authContract.verifyEmail, { body: { token: verifyToken } }));
  await step('the confirmation link again', authContract.verifyEmail, { body: { token: verifyToken } }, new Client(baseUrl));
  await step('sign up again with the address', authContract.signup, { body: signupBody }, new Client(baseUrl));
  await step('dev mailbox: you already have an account', authContract.devMailbox, { query: { email } }, new Client(baseUrl));
  await step('forgot password, unknown address', authContract.forgotPassword, { body: { email: `${uniq('nobody-')}@example.test` } }, new Client(baseUrl));
  await step('session', authContract.session);
  // The user's own time zone choice (issue 24): saved, read back with the session; bad input refused.
  await step('time zone: UTC', authContract.setPreferences, { body: { timeZone: 'utc' } });
  await step('time zone: an IANA name is not a choice', authContract.setPreferences, { body: { timeZone: 'Asia/Kolkata' } });
  await step('time zone: without a session', authContract.setPreferences, { body: { timeZone: 'utc' } }, new Client(baseUrl));
  await step('session with the choice', authContract.session);
  await step('wrong password', authContract.login, { body: { email, password: 'not-the-password' } }, new Client(baseUrl));
  await step('summary without a session', creditsContract.summary, {}, new Client(baseUrl));
  await step('read summary', creditsContract.summary);

  // Team: invite someone, see the invitation and its email (test-mode mailbox).
  const invited = await step('invite a member', orgContract.createInvitation, { body: { email: `${uniq('invitee-')}@example.test`, role: 'member' } });
  await step('pending invitations', orgContract.listInvitations);
  const acceptToken = (invited.body as { acceptToken: string }).acceptToken;
  const signedInAs = (res: CallResult) => (res.body as { signedInAs: string | null }).signedInAs;
  // The invitation page asks the lookup who is signed in (no session call, no 401 for a visitor).
  expect(signedInAs(await step('look up the invitation, signed in', orgContract.lookupInvitation, { body: { token: acceptToken } }))).toBe(email);
  expect(signedInAs(await step('look up the invitation, signed out', orgContract.lookupInvitation, { body: { token: acceptToken } }, new Client(baseUrl)))).toBeNull();
  await step('members', orgContract.listMembers);

  // Set up: a project and an API key.
  const project = await step('create project', orgContract.createProject, { body: { name: 'Parity Project' } });
  const key = await step('create API key', apiKeysContract.create, { body: { name: 'parity-key' } });
  await step('offboarding preview (what removing the owner would revoke)', orgContract.offboardingPreview, { params: { userId: owner.session!.user.id } });
  const meter = (idempotencyKey: string | null, token = key.body.token as string) => ({
    authorization: `Bearer ${token}`,
    ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
  });

  // Buy a bundle through the sandbox gateway.
  const order = await step('buy: create order', billingContract.createPurchase, { body: { bundleId: 'starter' } });
  const paid = await step('buy: sandbox pay', billingContract.sandboxPay, { body: { purchaseId: order.body.purchaseId, outcome: 'success' } });
  await step('buy: verify', billingContract.verifyPurchase, { params: { purchaseId: order.body.purchaseId }, body: paid.body });
  const afterBuy = await step('summary after buying', creditsContract.summary);
  expect(afterBuy.body.balanceMc, baseUrl).toBe(1_300_000);
  await step('billing history', billingContract.history);
  await step('tax invoice PDF', billingContract.taxInvoice, { params: { purchaseId: order.body.purchaseId } });
  await step('audit: the purchase is in the log', orgContract.auditLog, { query: { action: 'purchase.paid' } });
  const declined = await step('buy again: create order', billingContract.createPurchase, { body: { bundleId: 'professional' } });
  await step('buy again: card declined', billingContract.sandboxPay, { body: { purchaseId: declined.body.purchaseId, outcome: 'failure' } });
  await step('tax invoice of an unpaid purchase', billingContract.taxInvoice, { params: { purchaseId: declined.body.purchaseId } });
  await step('summary after the declined card', creditsContract.summary);
  await step('unknown bundle', billingContract.createPurchase, { body: { bundleId: 'gold' } });

  // Billing profile: none yet, a GSTIN with a wrong check character, a good one.
  await step('billing profile: none yet', billingContract.profile);
  const profile = { legalName: 'Parity Labs Pvt Ltd', addressLine1: '12 MG Road', addressLine2: null, city: 'Bengaluru', postalCode: '560001', country: 'IN', state: '27', invoiceEmail: 'Billing@Parity.test' };
  await step('billing profile: bad GSTIN', billingContract.setProfile, { body: { ...profile, taxId: '27AAPFU0939F1ZW' } });
  await step('billing profile: GSTIN of another state', billingContract.setProfile, { body: { ...profile, state: '29', taxId: '27AAPFU0939F1ZV' } });
  await step('billing profile: save', billingContract.setProfile, { body: { ...profile, taxId: '27AAPFU0939F1ZV' } });
  await step('billing profile: read back', billingContract.profile);
  // Maharashtra, the seller in Karnataka: IGST 18 % on the order and its tax invoice.
  const taxed = await step('buy with the profile: create order (IGST)', billingContract.createPurchase, { body: { bundleId: 'starter' } });
  const taxedPay = await step('buy with the profile: sandbox pay', billingContract.sandboxPay, { body: { purchaseId: taxed.body.purchaseId, outcome: 'success' } });
  await step('buy with the profile: verify', billingContract.verifyPurchase, { params: { purchaseId: taxed.body.purchaseId }, body: taxedPay.body });
  await step('buy with the profile: tax invoice PDF', billingContract.taxInvoice, { params: { purchaseId: taxed.body.purchaseId } });

  // Auto top-up: refused without a saved card; a purchase that saves the card; on; the card removed.
  const autoTopUp = { enabled: true, thresholdCredits: 100, bundleId: 'starter', capKind: 'count', capValue: 2 };
  await step('auto top-up: none yet', billingContract.autoTopUp);
  await step('auto top-up: no saved card', billingContract.setAutoTopUp, { body: autoTopUp });
  await step('auto top-up: cap below one bundle', billingContract.setAutoTopUp, { body: { ...autoTopUp, capKind: 'amount', capValue: 10 } });
  const saving = await step('buy saving the card: create order', billingContract.createPurchase, { body: { bundleId: 'starter', saveCard: true } });
  const savedPay = await step('buy saving the card: sandbox pay', billingContract.sandboxPay, { body: { purchaseId: saving.body.purchaseId, outcome: 'success', card: 'approves' } });
  await step('buy saving the card: verify', billingContract.verifyPurchase, { params: { purchaseId: saving.body.purchaseId }, body: savedPay.body });
  await step('auto top-up: on', billingContract.setAutoTopUp, { body: autoTopUp });
  await step('auto top-up: off', billingContract.setAutoTopUp, { body: { ...autoTopUp, enabled: false } });
  await step('remove the saved card', billingContract.removePaymentMethod);

  // Meter usage.
  const usage = { useCase: 'chat', model: 'demo-model', projectId: project.body.id, inputTokens: 1_000, outputTokens: 500 };
  await step('meter: record', meteringContract.record, { body: usage, headers: meter('parity-record-1') });
  await step('meter: same key again', meteringContract.record, { body: usage, headers: meter('parity-record-1') });
  await step('meter: same key, other request', meteringContract.record, { body: { ...usage, inputTokens: 2 }, headers: meter('parity-record-1') });
  const reservation = await step('meter: reserve', meteringContract.reserve, { body: { useCase: 'report', model: 'demo-model', estimateMc: 5_000 }, headers: meter('parity-reserve-1') });
  await step('meter: settle', meteringContract.settle, { body: { reservationId: reservation.body.reservation.id, inputTokens: 100, outputTokens: 100 }, headers: meter('parity-settle-1') });
  await step('meter: settle again, other key', meteringContract.settle, { body: { reservationId: reservation.body.reservation.id, inputTokens: 100, outputTokens: 100 }, headers: meter('parity-settle-2') });
  await step('meter: no idempotency key', meteringContract.record, { body: usage, headers: meter(null) });
  await step('meter: bad API key', meteringContract.record, { body: usage, headers: meter('parity-record-2', 'aic_not_a_key') });
  await step('meter: unknown model', meteringContract.record, { body: { ...usage, model: 'gpt-0' }, headers: meter('parity-record-3') });
  await step('meter: bad body', meteringContract.record, { body: { ...usage, inputTokens: -1 }, headers: meter('parity-record-4') });

  // Hit the limits: nothing left past the balance without overage, then past a small limit.
  const huge = { ...usage, inputTokens: 10_000_000, outputTokens: 10_000_000 };
  await step('meter past the balance', meteringContract.record, { body: huge, headers: meter('parity-huge-1') });
  await step('set overage limit', creditsContract.setOverageLimit, { body: { limitCredits: 5 } });
  await step('meter past the overage limit', meteringContract.record, { body: huge, headers: meter('parity-huge-2') });
  await step('bad overage limit', creditsContract.setOverageLimit, { body: { limitCredits: -1 } });

  // A streamed chat answer: start, deltas, done; the same key again answers the saved exchange.
  const ask = { projectId: project.body.id, message: 'Which coupon edge cases matter?' };
  await step('stream a chat answer', aiContract.chatStream, { body: ask, headers: { 'idempotency-key': 'parity-stream-1' } });
  await step('stream: same key again', aiContract.chatStream, { body: ask, headers: { 'idempotency-key': 'parity-stream-1' } });
  await step('stream: empty message', aiContract.chatStream, { body: { ...ask, message: ' ' }, headers: { 'idempotency-key': 'parity-stream-2' } });
  // A report needs test cases: refused with the reason first; then a generation with progress and a streamed report.
  const onProject = { projectId: project.body.id };
  await step('stream a report: no test cases yet', aiContract.createReportStream, { body: onProject, headers: { 'idempotency-key': 'parity-report-0' } });
  const requirement = { ...onProject, requirement: 'As a shopper, I want to apply a coupon at checkout. Expired coupons are rejected.' };
  await step('stream a test generation', aiContract.generateTestCasesStream, { body: requirement, headers: { 'idempotency-key': 'parity-generate-1' } });
  await step('stream a test generation: same key again', aiContract.generateTestCasesStream, { body: requirement, headers: { 'idempotency-key': 'parity-generate-1' } });
  await step('stream a test generation: requirement too short', aiContract.generateTestCasesStream, { body: { ...onProject, requirement: 'short' }, headers: { 'idempotency-key': 'parity-generate-2' } });
  await step('stream a report', aiContract.createReportStream, { body: onProject, headers: { 'idempotency-key': 'parity-report-1' } });
  await step('stream a report: same key again', aiContract.createReportStream, { body: onProject, headers: { 'idempotency-key': 'parity-report-1' } });
  await step('saved test cases', aiContract.listTestCases, { query: onProject });
  await step('saved reports', aiContract.listReports, { query: onProject });

  // Toggle AI.
  await step('turn AI off', creditsContract.setAiEnabled, { body: { enabled: false } });
  await step('meter with AI off', meteringContract.record, { body: usage, headers: meter('parity-off-1') });
  await step('stream with AI off', aiContract.chatStream, { body: ask, headers: { 'idempotency-key': 'parity-stream-3' } });
  await step('stream a report with AI off', aiContract.createReportStream, { body: onProject, headers: { 'idempotency-key': 'parity-report-2' } });
  await step('stream a test generation with AI off', aiContract.generateTestCasesStream, { body: requirement, headers: { 'idempotency-key': 'parity-generate-3' } });
  await step('turn AI on', creditsContract.setAiEnabled, { body: { enabled: true } });

  // A project budget: metering on the project stops at it, and says so.
  await step('set project budget', budgetsContract.set, { body: { subjectType: 'project', subjectId: project.body.id, limitCredits: 1 } });
  await step('meter past the project budget', meteringContract.record, { body: usage, headers: meter('parity-budget-1') });
  await step('budgets', budgetsContract.list);
  await step('clear project budget', budgetsContract.set, { body: { subjectType: 'project', subjectId: project.body.id, limitCredits: null } });
  await step('notifications', budgetsContract.notifications);
  // Alert thresholds: never saved (savedAt null), saved unchanged (savedAt set), bad input.
  await step('alert thresholds: never saved', budgetsContract.thresholds);
  await step('alert thresholds: save the defaults unchanged', budgetsContract.setThresholds, { body: { creditPercents: [50, 75, 90, 100], budgetPercents: [90, 100] } });
  await step('alert thresholds: read back', budgetsContract.thresholds);
  await step('alert thresholds: a threshold twice', budgetsContract.setThresholds, { body: { creditPercents: [50, 50], budgetPercents: [90] } });
  // "Ask for more" is for members and admins; the owner raises limits herself.
  await step('ask for more as the owner', budgetsContract.askForMore, { body: { limit: 'credits' } });

  // Read back: history, charts, CSV.
  await step('usage history', creditsContract.usage, { query: { limit: 10 } });
  // Usage per key this period: the same sums as the history filtered by the key, on both sides.
  const perKey = await step('usage per API key', apiKeysContract.usage);
  const keyUsage = perKey.body.keys.find((k: { apiKeyId: string }) => k.apiKeyId === key.body.apiKey.id);
  const keyHistory = await step('usage history of the key', creditsContract.usage, { query: { apiKeyId: key.body.apiKey.id, from: perKey.body.period.start } });
  expect(keyUsage && { count: keyUsage.calls, chargedMc: keyUsage.chargedMc }, baseUrl).toEqual(keyHistory.body.totals);
  expect(keyUsage?.calls, baseUrl).toBe(2);
  await step('bad history filter', creditsContract.usage, { query: { limit: 0 } });
  await step('charts', creditsContract.charts);
  await step('usage history, this billing period', creditsContract.usage, { query: { period: 'current', limit: 10 } });
  await step('usage history, period with dates', creditsContract.usage, { query: { period: 'current', from: '2026-01-01' } });
  await step('charts of one project and use case', creditsContract.charts, { query: { projectId: project.body.id, useCase: 'chat' } });
  await step('charts, reversed dates', creditsContract.charts, { query: { from: '2026-12-05', to: '2026-12-01' } });
  await step('export CSV', creditsContract.usageCsv);
  // Monthly statements (ADR 035): the periods, this one so far as JSON, PDF and CSV.
  const statements = await step('statements: periods', billingContract.statements);
  const period = { params: { period: statements.body.periods[0]?.id ?? 'none' } };
  await step('statement so far', billingContract.statement, period);
  await step('statement PDF', billingContract.statementPdf, period);
  await step('statement CSV', billingContract.statementCsv, period);
  await step('statement of a period before the org', billingContract.statement, { params: { period: '1999-01-01' } });
  await step('statement of a malformed period', billingContract.statementCsv, { params: { period: 'last-month' } });
  await step('write without CSRF token', creditsContract.setAiEnabled, { body: { enabled: true }, headers: { 'x-csrf-token': 'wrong' } });

  // Forgot password: a reset link, used once; it ends the session.
  await step('forgot password', authContract.forgotPassword, { body: { email } }, new Client(baseUrl));
  const resetToken = await mailedToken('dev mailbox: the reset link', 'reset-password');
  await step('reset password', authContract.resetPassword, { body: { token: resetToken, password: 'new-password-123' } }, new Client(baseUrl));
  await step('the reset link again', authContract.resetPassword, { body: { token: resetToken, password: 'new-password-123' } }, new Client(baseUrl));
  await step('the old session after the reset', authContract.session);
  await step('sign in with the new password', authContract.login, { body: { email, password: 'new-password-123' } }, new Client(baseUrl));
  return seen;
}

describe('mock API parity with the BFF', () => {
  let app: TestApp;
  const server = setupServer();
  beforeAll(async () => {
    app = await startApp();
  });
  afterAll(async () => {
    server.close();
    await app?.close();
  });

  it('answers the API scenarios with the same statuses, error codes, shapes and CSV header', async () => {
    const real = await runScenarios(app.baseUrl);
    // The mock only now: before listen() nothing is intercepted, so the run above hit the BFF.
    server.listen({ onUnhandledFrame: 'error' });
    server.resetHandlers(...createHandlers('emptyOrg', { cookieSessions: true }));
    const mock = await runScenarios('http://mock-api.test');
    expect(mock.map((o) => o.step)).toEqual(real.map((o) => o.step));
    for (const [i, r] of real.entries()) expect.soft(mock[i], r.step).toEqual(r);
  });
});
