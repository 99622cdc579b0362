import { findBundle, LOW_BALANCE_MC, MC_PER_CREDIT, MODELS, MONTHLY_ALLOWANCE_MC, OVERAGE_CENTS_PER_CREDIT, costMc, findModel, overageInvoiceFor, type UseCase, USE_CASES } from '../catalog';
import { billingPeriodAt } from '../billing-period';
import type { ChatMessage, Conversation, Report, TestCaseGeneration } from '../contracts/ai';
import type { ApiKey } from '../contracts/api-keys';
import type { Role, SessionInfo } from '../contracts/auth';
import type { Invoice, Purchase } from '../contracts/billing';
import type { CreditSummary, Reservation, UsageCharts, UsageRow } from '../contracts/credits';
import type { AlertThresholds, Notification } from '../contracts/budgets';
import type { AuditEntry, Invitation, Member, OutboxEmail, Project } from '../contracts/org';
import { forecastCredits } from '../forecast';
import { AI_DISABLED_REFUSAL, coverageRefusal, type Refusal } from '../ledger-rules';
import { mulberry32 } from '../random';
import type { ScenarioName, ScenarioOptions } from './scenarios';

/**
 * The one in-memory organization of the mock API. Every handler group (auth, org, credits,
 * billing, AI, API keys, metering) reads and writes this store, so what one route changes the
 * others show. Deterministic for a given scenario and `now` (a seeded PRNG).
 */
export interface MockStore {
  scenario: ScenarioName;
  now: Date;
  signedIn: boolean;
  userId: string;
  /** Sessions by cookie (ScenarioOptions.cookieSessions): token -> user id. */
  cookieSessions: boolean;
  sessions: Map<string, string>;
  csrfToken: string;
  org: { id: string; name: string; createdAt: string; aiEnabled: boolean };
  members: Member[];
  passwords: Map<string, string>;
  projects: Project[];
  /** Org API keys, and the secret token of each (metering authenticates with them). */
  apiKeys: ApiKey[];
  apiKeyTokens: Map<string, string>;
  /** Newest first. */
  usage: UsageRow[];
  purchases: Purchase[];
  invoices: Invoice[];
  /** Checkout signatures the sandbox handed out, by purchase id. */
  signatures: Map<string, string>;
  period: { start: Date; end: Date };
  balanceMc: number;
  reservations: (Reservation & { apiKeyId: string; projectId: string | null; userId: string | null })[];
  overageLimitMc: number;
  audit: AuditEntry[];
  invitations: Invitation[];
  /** The test-mode mailbox (no SMTP in the mock), newest first. */
  emails: OutboxEmail[];
  /** Monthly budgets of projects and members. */
  budgets: { subjectType: 'project' | 'user'; subjectId: string; limitMc: number }[];
  alertThresholds?: AlertThresholds;
  /** The signed-in user's notifications, newest first. */
  notifications: Notification[];
  generations: TestCaseGeneration[];
  reports: Report[];
  conversations: (Conversation & { messages: ChatMessage[] })[];
  /** Same Idempotency-Key again: the first response (AI runs and metering). */
  idempotent: Map<string, { body: unknown; status: number }>;
  /** What the sandbox gateway does with a payment. */
  payments: 'succeed' | 'decline';
  options: ScenarioOptions;
}

export const DEFAULT_PASSWORD = 'password123';

let idCounter = 0;
/** RFC 4122 v4-shaped ids that pass `z.uuid()`. */
export function mockId(prefix: number, n: number): string {
  return `${prefix.toString(16).padStart(8, '0')}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}
export function nextId(): string {
  idCounter += 1;
  return mockId(0xfeed, idCounter);
}

const DAY_MS = 86_400_000;

/** The billing period containing `now` (the BFF's rule, shared/billing-period.ts). */
export function billingPeriod(anchor: Date, now: Date): { start: Date; end: Date } {
  const { start, end } = billingPeriodAt(anchor, now);
  return { start, end };
}

export const PEOPLE: { name: string; email: string; role: Role }[] = [
  { name: 'Olivia Owens', email: 'olivia@acme.test', role: 'owner' },
  { name: 'Arjun Mehta', email: 'arjun@acme.test', role: 'admin' },
  { name: 'Maya Lopez', email: 'maya@acme.test', role: 'member' },
  { name: 'Lee Chen', email: 'lee@acme.test', role: 'member' },
];

const PROJECT_NAMES = ['Checkout Web', 'Mobile App', 'Payments API'];
export const MOCK_API_KEYS = [
  { id: mockId(0x0e, 1), name: 'ci-runner', revoked: false },
  { id: mockId(0x0e, 2), name: 'nightly-regression', revoked: false },
];
/** The secret of each mock API key (`Authorization: Bearer <token>` on the metering API). */
export const mockApiKeyToken = (id: string) => `aic_${id.replaceAll('-', '')}_${'mockSecretToken'.padEnd(43, 'x')}`;

interface ScenarioShape {
  role: Role;
  aiEnabled: boolean;
  /** Credits bought this period (added on day 2). */
  purchaseCredits: number;
  /** Balance to end at, in millicredits; usage this period is derived from it. */
  targetBalanceMc: number;
  overageLimitCredits: number;
  previousPeriodUsageMc: number;
  /** An open overage invoice of the previous period (in cents), or none. */
  openInvoiceCents: number;
  newOrg: boolean;
  payments: MockStore['payments'];
  /** A purchase waiting for the gateway. */
  pending: boolean;
}

function shapeOf(scenario: ScenarioName): ScenarioShape {
  const base: ScenarioShape = {
    role: 'owner',
    aiEnabled: true,
    purchaseCredits: 1_000,
    targetBalanceMc: 1_082_500,
    overageLimitCredits: 0,
    previousPeriodUsageMc: 291_250,
    openInvoiceCents: 0,
    newOrg: false,
    payments: 'succeed',
    pending: false,
  };
  switch (scenario) {
    case 'owner':
    case 'budgetReached':
    case 'serverErrors':
    case 'slowNetwork':
      return base;
    case 'admin':
      return { ...base, role: 'admin' };
    case 'member':
      return { ...base, role: 'member' };
    case 'aiDisabled':
      return { ...base, aiEnabled: false };
    case 'lowBalance':
      return { ...base, purchaseCredits: 0, targetBalanceMc: 18_750 };
    case 'inOverage':
      return { ...base, purchaseCredits: 0, targetBalanceMc: -42_500, overageLimitCredits: 500, openInvoiceCents: 4_800 };
    case 'overageLimitReached':
      return { ...base, purchaseCredits: 0, targetBalanceMc: -100_000, overageLimitCredits: 100 };
    case 'paymentFailed':
      return { ...base, payments: 'decline' };
    case 'paymentPending':
      return { ...base, pending: true };
    case 'emptyOrg':
      return { ...base, purchaseCredits: 0, targetBalanceMc: MONTHLY_ALLOWANCE_MC, previousPeriodUsageMc: 0, newOrg: true };
  }
}

/** A purchase row as the BFF stores it (data factory: override any field). */
export function makePurchase(fields: Partial<Purchase> & Pick<Purchase, 'id' | 'createdAt'>): Purchase {
  const bundle = findBundle(fields.bundleId ?? 'starter')!;
  return {
    kind: 'bundle',
    bundleId: bundle.id,
    bundleName: bundle.name,
    invoiceId: null,
    amountCents: bundle.priceCents,
    currency: 'USD',
    credits: bundle.credits,
    status: 'granted',
    refundedCents: 0,
    razorpayOrderId: null,
    razorpayPaymentId: null,
    failureReason: null,
    paidAt: fields.createdAt,
    grantedAt: fields.createdAt,
    ...fields,
  };
}

/** An overage invoice of one billing period (data factory). */
export function makeInvoice(fields: Partial<Invoice> & Pick<Invoice, 'id' | 'periodStart' | 'periodEnd' | 'overageMc'>): Invoice {
  const { credits, amountCents } = overageInvoiceFor(BigInt(fields.overageMc));
  return {
    credits: Number(credits),
    amountCents: Number(amountCents),
    status: 'open',
    createdAt: fields.periodEnd,
    paidAt: null,
    purchaseId: null,
    razorpayOrderId: null,
    razorpayPaymentId: null,
    ...fields,
  };
}

/** A fresh in-memory org in the state `scenario` describes. */
export function createMockStore(scenario: ScenarioName, options: ScenarioOptions = {}): MockStore {
  const now = options.now ?? new Date();
  const shape = shapeOf(scenario);
  const random = mulberry32(42);
  const orgId = mockId(0x0a, 1);
  const anchor = shape.newOrg
    ? new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 8, 0))
    : new Date(Date.UTC(2026, 2, 15, 9, 30));
  const orgCreatedAt = anchor;
  const members: Member[] = (shape.newOrg ? PEOPLE.slice(0, 1) : PEOPLE).map((p, i) => ({
    userId: mockId(0x0b, i + 1),
    email: p.email,
    name: p.name,
    role: p.role,
    joinedAt: new Date(orgCreatedAt.getTime() + i * DAY_MS).toISOString(),
  }));
  const role = options.role ?? shape.role;
  const me = members.find((m) => m.role === role) ?? members[0]!;
  // A brand-new org has no project yet (as after sign-up): its first screen says to create one.
  const projects: Project[] = (shape.newOrg ? [] : PROJECT_NAMES).map((name, i) => ({
    id: mockId(0x0c, i + 1),
    name,
    createdAt: new Date(orgCreatedAt.getTime() + i * DAY_MS).toISOString(),
    archivedAt: null,
  }));

  const period = billingPeriod(anchor, now);
  const previousStart = billingPeriod(anchor, new Date(period.start.getTime() - 1)).start;
  const iso = (ms: number) => new Date(ms).toISOString();
  const purchases: Purchase[] = [];
  const invoices: Invoice[] = [];
  if (!shape.newOrg) {
    // History of an org that has paid before: last period's overage invoice paid, a declined card.
    const before = billingPeriod(anchor, new Date(previousStart.getTime() - 1)).start;
    const paidAt = iso(previousStart.getTime() + DAY_MS + 60_000);
    const paidInvoicePurchase = makePurchase({
      id: '6d2f9a44-1c1e-4d33-9b59-1f0c2a7e5b03',
      kind: 'invoice',
      bundleId: null,
      bundleName: null,
      invoiceId: '0b7c1e9e-5a3d-4f6b-8c2a-9e4d7f1a2b01',
      amountCents: 2_000,
      credits: 0,
      status: 'paid',
      razorpayOrderId: 'order_Mz9yX8wV7uT6sR',
      razorpayPaymentId: 'pay_Mz9yZ1aB2cD3eF',
      createdAt: paidAt,
      grantedAt: null,
    });
    invoices.push(
      makeInvoice({
        id: '0b7c1e9e-5a3d-4f6b-8c2a-9e4d7f1a2b01',
        periodStart: before.toISOString(),
        periodEnd: previousStart.toISOString(),
        overageMc: 50_000,
        status: 'paid',
        paidAt,
        purchaseId: paidInvoicePurchase.id,
        razorpayOrderId: paidInvoicePurchase.razorpayOrderId,
        razorpayPaymentId: paidInvoicePurchase.razorpayPaymentId,
      }),
    );
    purchases.push(paidInvoicePurchase);
    purchases.push(
      makePurchase({
        id: '6d2f9a44-1c1e-4d33-9b59-1f0c2a7e5b02',
        status: 'failed',
        razorpayOrderId: 'order_Nq1aB4cD5eF6gH',
        razorpayPaymentId: 'pay_Nq1aC7dE8fG9hJ',
        failureReason: 'Payment was declined by the bank.',
        createdAt: iso(period.start.getTime() + DAY_MS + 18 * 3_600_000),
        paidAt: null,
        grantedAt: null,
      }),
    );
    if (shape.openInvoiceCents > 0) {
      invoices.unshift(
        makeInvoice({
          id: '0b7c1e9e-5a3d-4f6b-8c2a-9e4d7f1a2b02',
          periodStart: previousStart.toISOString(),
          periodEnd: period.start.toISOString(),
          overageMc: (shape.openInvoiceCents / OVERAGE_CENTS_PER_CREDIT) * MC_PER_CREDIT,
        }),
      );
    }
  }
  if (shape.purchaseCredits > 0) {
    const at = iso(Math.min(period.start.getTime() + 2 * DAY_MS + 10 * 3_600_000, now.getTime() - 3_600_000));
    purchases.push(
      makePurchase({
        id: '6d2f9a44-1c1e-4d33-9b59-1f0c2a7e5b01',
        bundleId: 'starter',
        razorpayOrderId: 'order_Nq3kX8vB2mLp7Q',
        razorpayPaymentId: 'pay_Nq3kYc81ZtR4aW',
        createdAt: at,
      }),
    );
  }
  if (shape.pending) {
    purchases.push(
      makePurchase({
        id: '6d2f9a44-1c1e-4d33-9b59-1f0c2a7e5b04',
        bundleId: 'professional',
        status: 'attempted',
        razorpayOrderId: 'order_Pd9kX8vB2mLp7Q',
        createdAt: iso(now.getTime() - 10 * 60_000),
        paidAt: null,
        grantedAt: null,
      }),
    );
  }
  purchases.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const periodUsageMc = MONTHLY_ALLOWANCE_MC + shape.purchaseCredits * MC_PER_CREDIT - shape.targetBalanceMc;

  let rowCounter = 0;
  const makeRows = (from: Date, to: Date, totalMc: number): UsageRow[] => {
    const rows: UsageRow[] = [];
    if (totalMc <= 0 || to <= from) return rows;
    const span = to.getTime() - from.getTime();
    // ~3.5 interactions per day, at least a handful.
    const count = Math.max(6, Math.round((span / DAY_MS) * 3.5));
    const times = Array.from({ length: count }, () => from.getTime() + Math.floor(random() * span)).sort((a, b) => a - b);
    const weights = times.map(() => 0.4 + random());
    const weightSum = weights.reduce((a, b) => a + b, 0);
    let remaining = totalMc;
    times.forEach((time, i) => {
      const model = MODELS[Math.floor(random() * MODELS.length)]!;
      const useCase: UseCase = USE_CASES[Math.floor(random() * USE_CASES.length)]!;
      const user = members[Math.floor(random() * members.length)]!;
      const project = random() < 0.1 ? null : projects[Math.floor(random() * projects.length)]!;
      const chargedMc = i === count - 1 ? remaining : Math.min(remaining, Math.round((totalMc * weights[i]!) / weightSum / 10) * 10);
      remaining -= chargedMc;
      // Tokens roughly consistent with the charge at the model's rates.
      const perTokenPair = Number(costMc(model, 1000, 1000)) || 1;
      const scale = Math.max(1, Math.round((chargedMc / perTokenPair) * 1000));
      rowCounter += 1;
      const source = random() < 0.15 ? 'api' : 'app';
      const apiKey = source === 'api' ? MOCK_API_KEYS[rowCounter % MOCK_API_KEYS.length]! : null;
      rows.push({
        id: mockId(0x0d, rowCounter),
        occurredAt: new Date(time).toISOString(),
        useCase,
        user: { id: user.userId, name: user.name },
        project: project ? { id: project.id, name: project.name } : null,
        model: model.id,
        inputTokens: scale,
        outputTokens: scale,
        chargedMc,
        overageMc: 0,
        apiKey: apiKey ? { id: apiKey.id, name: apiKey.name } : null,
        source,
      });
    });
    return rows;
  };

  const previous = shape.newOrg ? [] : makeRows(previousStart, period.start, shape.previousPeriodUsageMc);
  const current = makeRows(period.start, now, periodUsageMc);
  // Mark the part of each charge that went past the balance as overage.
  let running = MONTHLY_ALLOWANCE_MC + shape.purchaseCredits * MC_PER_CREDIT;
  for (const row of current) {
    running -= row.chargedMc;
    row.overageMc = Math.min(row.chargedMc, Math.max(0, -running));
  }
  const usage = [...previous, ...current].sort(compareNewestFirst);

  const audit: AuditEntry[] = [
    {
      id: nextId(),
      at: new Date(period.start.getTime() + DAY_MS).toISOString(),
      actor: { id: members[0]!.userId, name: members[0]!.name },
      action: 'overage_limit.changed',
      from: 0,
      to: shape.overageLimitCredits,
    },
  ];

  const apiKeys: ApiKey[] = shape.newOrg
    ? []
    : MOCK_API_KEYS.map((k, i) => ({
        id: k.id,
        name: k.name,
        prefix: `${mockApiKeyToken(k.id).slice(0, 12)}…${mockApiKeyToken(k.id).slice(-4)}`,
        createdAt: new Date(orgCreatedAt.getTime() + (i + 1) * DAY_MS).toISOString(),
        createdBy: { id: members[0]!.userId, name: members[0]!.name },
        lastUsedAt: usage.find((r) => r.apiKey?.id === k.id)?.occurredAt ?? null,
        revokedAt: null,
      }));

  const store: MockStore = {
    scenario,
    now,
    signedIn: !options.cookieSessions,
    userId: me.userId,
    cookieSessions: options.cookieSessions ?? false,
    sessions: new Map(),
    csrfToken: 'mock-csrf-token',
    org: { id: orgId, name: shape.newOrg ? 'Newco Labs' : 'Acme QA', createdAt: orgCreatedAt.toISOString(), aiEnabled: shape.aiEnabled },
    members,
    passwords: new Map(members.map((m) => [m.email, DEFAULT_PASSWORD])),
    projects,
    apiKeys,
    apiKeyTokens: new Map(apiKeys.map((k) => [mockApiKeyToken(k.id), k.id])),
    usage,
    purchases,
    invoices,
    signatures: new Map(),
    period,
    balanceMc: shape.targetBalanceMc,
    reservations: [],
    overageLimitMc: shape.overageLimitCredits * MC_PER_CREDIT,
    audit,
    invitations: [],
    emails: [],
    budgets: [],
    notifications: [],
    generations: [],
    reports: [],
    conversations: [],
    idempotent: new Map(),
    payments: shape.payments,
    options,
  };
  if (!shape.newOrg) seedAiWork(store, projects[0]!.id);
  if (scenario === 'budgetReached') {
    // The first project's monthly budget is exactly what it has used: nothing left for AI on it.
    const project = projects[0]!;
    store.budgets.push({ subjectType: 'project', subjectId: project.id, limitMc: Math.max(1_000, budgetUsedMc(store, 'project', project.id)) });
  }
  options.seed?.(store);
  return store;
}

export function testCasesFor(requirement: string, projectId: string, generationId: string, at: string): TestCaseGeneration['testCases'] {
  const sentences = requirement
    .split(/(?<=[.!?])\s+|\n+/)
    .map((s) => s.trim().replace(/[.!?]+$/, ''))
    .filter((s) => s.split(/\s+/).length >= 3)
    .slice(0, 6);
  const cases = (sentences.length ? sentences : [requirement.trim()]).map((s) => ({
    area: /pay|cart|checkout|order|coupon/i.test(s) ? 'Checkout & payments' : /password|log ?in|sign/i.test(s) ? 'Authentication' : 'Core flow',
    title: `Verify ${s.charAt(0).toLowerCase()}${s.slice(1)}`,
    preconditions: 'A user is signed in with access to the feature',
    steps: ['Open the feature', `Perform the flow: ${s.charAt(0).toLowerCase()}${s.slice(1)}`, 'Check the result on screen and after a reload'],
    expectedResult: `${s}.`,
  }));
  cases.push({
    area: 'Error handling',
    title: 'Invalid or missing input is rejected',
    preconditions: 'A user is signed in with access to the feature',
    steps: ['Leave required fields empty or enter malformed values', 'Submit'],
    expectedResult: 'Each invalid field shows an error; nothing is saved',
  });
  return cases.map((c, i) => ({ ...c, id: mockId(0x7e, parseInt(generationId.slice(-4), 16) * 100 + i), projectId, generationId, createdAt: at }));
}

/** Saved AI work of the first project, so history pages have something to read (also while AI is off). */
function seedAiWork(store: MockStore, projectId: string) {
  const demo = findModel('demo-model')!;
  const at = new Date(store.period.start.getTime() + 3 * DAY_MS + 10 * 3_600_000).toISOString();
  store.conversations.push({
    id: mockId(0x7d, 9000),
    projectId,
    title: 'Which coupon edge cases matter?',
    createdAt: at,
    updatedAt: at,
    messages: [
      { id: mockId(0x7e, 9001), role: 'user', content: 'Which coupon edge cases matter?', model: null, createdAt: at },
      {
        id: mockId(0x7e, 9002),
        role: 'assistant',
        content: 'Test an expired coupon, a coupon at its usage limit, two coupons at once, and a coupon on a zero-value cart.',
        model: demo.id,
        createdAt: at,
      },
    ],
  });
  const requirement = 'As a shopper, I want to save my cart so that I can finish the purchase later. Guests cannot apply a coupon at checkout.';
  const generationId = mockId(0x7a, 9000);
  store.generations.push({ id: generationId, projectId, requirement, model: demo.id, createdAt: at, testCases: testCasesFor(requirement, projectId, generationId, at) });
  store.reports.push({
    id: mockId(0x7b, 9000),
    projectId,
    model: demo.id,
    testCaseCount: 3,
    summary: '3 test cases across 2 areas. The best covered area is Checkout & payments (2). 3 gaps found.',
    coverage: [
      { area: 'Checkout & payments', testCaseCount: 2, percent: 67 },
      { area: 'Error handling', testCaseCount: 1, percent: 33 },
    ],
    gaps: ['Error handling has a single test case; add negative and boundary cases.', 'No test covers authentication.', 'No test covers concurrent use or performance.'],
    createdAt: at,
  });
}

/**
 * Charge one finished AI call (an app run or a metering record): a usage row, the balance goes
 * down, the part past zero is overage. The caller checked coverage first (ledger-rules.ts).
 */
export function charge(
  store: MockStore,
  input: { useCase: UseCase; model: string; inputTokens: number; outputTokens: number; projectId: string | null; userId: string | null; apiKeyId: string | null; chargedMc?: number },
): UsageRow {
  const model = findModel(input.model)!;
  const chargedMc = input.chargedMc ?? Number(costMc(model, input.inputTokens, input.outputTokens));
  const overageBefore = Math.max(0, -store.balanceMc);
  store.balanceMc -= chargedMc;
  const overageMc = Math.max(0, -store.balanceMc) - overageBefore;
  const user = store.members.find((m) => m.userId === input.userId);
  const project = store.projects.find((p) => p.id === input.projectId);
  const apiKey = store.apiKeys.find((k) => k.id === input.apiKeyId);
  const at = currentTime(store).toISOString();
  if (apiKey) apiKey.lastUsedAt = at;
  const row: UsageRow = {
    id: nextId(),
    occurredAt: at,
    useCase: input.useCase,
    user: user ? { id: user.userId, name: user.name } : null,
    project: project ? { id: project.id, name: project.name } : null,
    model: model.id,
    inputTokens: input.inputTokens,
    outputTokens: input.outputTokens,
    chargedMc,
    overageMc,
    apiKey: apiKey ? { id: apiKey.id, name: apiKey.name } : null,
    source: apiKey ? 'api' : 'app',
  };
  store.usage.unshift(row);
  store.usage.sort(compareNewestFirst);
  return row;
}

/** A verified payment: a bundle adds its credits, an invoice is marked paid (and leaves the banner). */
export function completePurchase(store: MockStore, purchaseId: string, paymentId: string): Purchase {
  const index = store.purchases.findIndex((p) => p.id === purchaseId);
  const now = new Date().toISOString();
  const before = store.purchases[index]!;
  const status = before.kind === 'bundle' ? 'granted' : 'paid';
  const purchase: Purchase = { ...before, status, razorpayPaymentId: paymentId, failureReason: null, paidAt: now, grantedAt: status === 'granted' ? now : null };
  store.purchases[index] = purchase;
  if (purchase.kind === 'bundle') store.balanceMc += purchase.credits * MC_PER_CREDIT;
  if (purchase.invoiceId) {
    const i = store.invoices.findIndex((inv) => inv.id === purchase.invoiceId);
    if (i >= 0) store.invoices[i] = { ...store.invoices[i]!, status: 'paid', paidAt: now, purchaseId: purchase.id, razorpayOrderId: purchase.razorpayOrderId, razorpayPaymentId: paymentId };
  }
  return purchase;
}

/** This period's use of a budget: its subject's charges since the period start, and its open reservations. */
export function budgetUsedMc(store: MockStore, subjectType: 'project' | 'user', subjectId: string): number {
  const start = store.period.start.toISOString();
  const charged = store.usage
    .filter((r) => r.occurredAt >= start && (subjectType === 'project' ? r.project?.id : r.user?.id) === subjectId)
    .reduce((sum, r) => sum + r.chargedMc, 0);
  const now = new Date().toISOString();
  const held = store.reservations
    .filter((r) => r.status === 'open' && r.expiresAt > now && (subjectType === 'project' ? r.projectId : r.userId) === subjectId)
    .reduce((sum, r) => sum + r.estimateMc, 0);
  return charged + held;
}

/**
 * The ledger's refusal for a call costing `costMc` on `projectId` for `userId` (AI off, balance,
 * overage limit, budgets: shared/ledger-rules.ts), or null when it may run.
 */
export function refusalFor(store: MockStore, costMc: number, who: { projectId?: string | null; userId?: string | null } = {}): Refusal | null {
  if (!store.org.aiEnabled) return AI_DISABLED_REFUSAL;
  const room = (type: 'project' | 'user', id: string | null | undefined) => {
    const budget = id ? store.budgets.find((b) => b.subjectType === type && b.subjectId === id) : undefined;
    if (!budget) return null;
    const name = type === 'project' ? (store.projects.find((p) => p.id === id)?.name ?? null) : (store.members.find((m) => m.userId === id)?.name ?? null);
    return { leftMc: BigInt(budget.limitMc - budgetUsedMc(store, type, id!)), limitMc: BigInt(budget.limitMc), name };
  };
  return coverageRefusal({
    availableMc: BigInt(store.balanceMc - reservedMcOf(store)),
    overageLimitMc: BigInt(store.overageLimitMc),
    costMc: BigInt(costMc),
    projectBudget: room('project', who.projectId),
    memberBudget: room('user', who.userId),
  });
}

/** The store's clock: the fixed `now` of a test, else the real time (the browser's month moves on). */
export function currentTime(store: MockStore): Date {
  return store.options.now ?? new Date();
}

/** Held by open, unexpired reservations. */
export function reservedMcOf(store: MockStore): number {
  const now = new Date().toISOString();
  return store.reservations.filter((r) => r.status === 'open' && r.expiresAt > now).reduce((sum, r) => sum + r.estimateMc, 0);
}

export function compareNewestFirst(a: UsageRow, b: UsageRow): number {
  if (a.occurredAt !== b.occurredAt) return a.occurredAt < b.occurredAt ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

export function sessionOf(db: MockStore): SessionInfo {
  const me = db.members.find((m) => m.userId === db.userId) ?? db.members[0]!;
  return {
    user: { id: me.userId, email: me.email, name: me.name },
    org: { id: db.org.id, name: db.org.name, aiEnabled: db.org.aiEnabled },
    role: me.role,
    csrfToken: db.csrfToken,
  };
}

/** The summary as the BFF computes it (credits.service.ts), over the store. */
export function summaryOf(db: MockStore): CreditSummary {
  const periodStart = db.period.start.toISOString();
  const periodUsageMc = db.usage.filter((r) => r.occurredAt >= periodStart).reduce((sum, r) => sum + r.chargedMc, 0);
  const reservedMc = reservedMcOf(db);
  const availableMc = db.balanceMc - reservedMc;
  const usedMc = Math.max(0, -db.balanceMc);
  const open = db.invoices.filter((i) => i.status === 'open');
  return {
    balanceMc: db.balanceMc,
    reservedMc,
    availableMc,
    periodUsageMc,
    period: { start: periodStart, end: db.period.end.toISOString(), timeZone: 'UTC' },
    overage: {
      usedMc,
      limitMc: db.overageLimitMc,
      usedCents: Number(overageInvoiceFor(BigInt(usedMc)).amountCents),
      limitCents: Math.floor(db.overageLimitMc / MC_PER_CREDIT) * OVERAGE_CENTS_PER_CREDIT,
    },
    aiEnabled: db.org.aiEnabled,
    lowBalance: availableMc < LOW_BALANCE_MC,
    unpaidInvoices: { count: open.length, amountCents: open.reduce((sum, i) => sum + i.amountCents, 0) },
  };
}

/** Credits added by granted bundles, as ledger entries. */
function grants(db: MockStore): { at: string; amountMc: number }[] {
  return db.purchases
    .filter((p) => p.status === 'granted' && p.grantedAt)
    .map((p) => ({ at: p.grantedAt!, amountMc: p.credits * MC_PER_CREDIT }))
    .sort((a, b) => a.at.localeCompare(b.at));
}

function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** Lower and upper bounds of a `from`/`to` filter; a bare date `to` includes that whole day. */
export function boundsOf(from: string | undefined, to: string | undefined): { from?: string; to?: string } {
  const lower = from ? new Date(from.length === 10 ? `${from}T00:00:00Z` : from).toISOString() : undefined;
  const upper = to
    ? to.length === 10
      ? new Date(Date.parse(`${to}T00:00:00Z`) + DAY_MS - 1).toISOString()
      : new Date(to).toISOString()
    : undefined;
  return { from: lower, to: upper };
}

export function chartsOf(db: MockStore, query: { from?: string; to?: string }): UsageCharts {
  const bounds = boundsOf(query.from, query.to);
  const from = bounds.from ?? db.period.start.toISOString();
  const to = bounds.to ?? currentTime(db).toISOString();
  const rows = db.usage.filter((r) => r.occurredAt >= from && r.occurredAt <= to);

  const daily: UsageCharts['daily'] = [];
  for (let day = new Date(`${from.slice(0, 10)}T00:00:00Z`); isoDay(day) <= to.slice(0, 10); day = new Date(day.getTime() + DAY_MS)) {
    daily.push({ date: isoDay(day), test_generation: 0, chat: 0, report: 0, totalMc: 0 });
  }
  const byDay = new Map(daily.map((d) => [d.date, d]));
  const sums = {
    user: new Map<string, { label: string; mc: number }>(),
    project: new Map<string, { label: string; mc: number }>(),
    model: new Map<string, { label: string; mc: number }>(),
    apiKey: new Map<string, { label: string; mc: number }>(),
  };
  const add = (map: Map<string, { label: string; mc: number }>, id: string, label: string, mc: number) => {
    const entry = map.get(id) ?? { label, mc: 0 };
    entry.mc += mc;
    map.set(id, entry);
  };
  for (const row of rows) {
    const day = byDay.get(row.occurredAt.slice(0, 10));
    if (day) {
      day[row.useCase] += row.chargedMc;
      day.totalMc += row.chargedMc;
    }
    add(sums.user, row.user?.id ?? 'none', row.user?.name ?? 'API (no user)', row.chargedMc);
    add(sums.project, row.project?.id ?? 'none', row.project?.name ?? 'No project', row.chargedMc);
    add(sums.model, row.model, MODELS.find((m) => m.id === row.model)?.label ?? row.model, row.chargedMc);
    if (row.apiKey) add(sums.apiKey, row.apiKey.id, row.apiKey.name, row.chargedMc);
  }
  const breakdown = (map: Map<string, { label: string; mc: number }>) =>
    [...map.entries()].map(([id, v]) => ({ id, label: v.label, mc: v.mc })).sort((a, b) => b.mc - a.mc);

  // Balance after each ledger entry of the current period.
  const periodStart = db.period.start.toISOString();
  const ledger = [
    ...grants(db).filter((p) => p.at >= periodStart).map((p) => ({ at: p.at, deltaMc: p.amountMc })),
    ...db.usage.filter((r) => r.occurredAt >= periodStart).map((r) => ({ at: r.occurredAt, deltaMc: -r.chargedMc })),
  ].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  let balance = MONTHLY_ALLOWANCE_MC;
  const series = [{ at: periodStart, balanceMc: balance }];
  for (const entry of ledger) {
    balance += entry.deltaMc;
    series.push({ at: entry.at, balanceMc: balance });
  }

  // The BFF's forecast rules (shared/forecast.ts) over the mock's usage.
  const today = Math.floor(db.now.getTime() / DAY_MS) * DAY_MS;
  const basisStart = Math.max(today - 7 * DAY_MS, Math.floor(Date.parse(db.org.createdAt) / DAY_MS) * DAY_MS);
  const sumBetween = (a: number, b: number) =>
    db.usage.filter((r) => Date.parse(r.occurredAt) >= a && Date.parse(r.occurredAt) < b).reduce((sum, r) => sum + r.chargedMc, 0);
  const todayMc = sumBetween(today, today + DAY_MS);
  const wholeDays = Math.round((today - basisStart) / DAY_MS);
  const f = forecastCredits({
    now: db.now,
    periodEnd: db.period.end,
    availableMc: BigInt(db.balanceMc - reservedMcOf(db)),
    wholeDaysMc: BigInt(sumBetween(basisStart, today)),
    wholeDays,
    todayMc: BigInt(todayMc),
  });
  const runOutAt = f.runOutDay === null ? null : f.runOutDay === isoDay(new Date(today)) ? db.now.toISOString() : `${f.runOutDay}T00:00:00.000Z`;

  return {
    range: { from, to },
    daily,
    byUser: breakdown(sums.user),
    byProject: breakdown(sums.project),
    byModel: breakdown(sums.model),
    byApiKey: breakdown(sums.apiKey),
    balance: series,
    events: [
      { at: periodStart, kind: 'reset', amountMc: MONTHLY_ALLOWANCE_MC },
      ...grants(db).filter((p) => p.at >= periodStart).map((p) => ({ at: p.at, kind: 'purchase' as const, amountMc: p.amountMc })),
    ],
    forecast: {
      burnRateMcPerDay: Number(f.rateMcPerDay),
      basisDays: wholeDays,
      todayMc,
      runOutAt,
      expiringMc: Number(f.expiringMc),
      periodEnd: db.period.end.toISOString(),
    },
  };
}
