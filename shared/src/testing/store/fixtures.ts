import { findBundle, MC_PER_CREDIT, MODELS, MONTHLY_ALLOWANCE_MC, OVERAGE_CENTS_PER_CREDIT, costMc, findModel, overageInvoiceFor, type UseCase, USE_CASES } from '../../catalog';
import { billingPeriodAt } from '../../billing-period';
import type { ApiKey } from '../../contracts/api-keys';
import type { Role } from '../../contracts/auth';
import type { Invoice, Purchase } from '../../contracts/billing';
import type { UsageRow } from '../../contracts/credits';
import type { AuditEntry, Member, Project } from '../../contracts/org';
import { mulberry32 } from '../../random';
import type { ScenarioName } from '../scenarios';
import { testCasesFor } from './operations';
import { budgetUsedMc } from './projections';
import { compareNewestFirst, DAY_MS, mockId, nextId, type MockStore, type ScenarioOptions } from './state';

/**
 * The starting state of each scenario: people, projects, API keys, a seeded usage history,
 * purchases and invoices (deterministic for a given scenario and clock: a seeded PRNG).
 */

export const DEFAULT_PASSWORD = 'password123';

/** The billing period containing `now` (the BFF's rule, shared/billing-period.ts). */
function billingPeriod(anchor: Date, now: Date): { start: Date; end: Date } {
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
    // Seeded history predates tax invoices (as on the BFF: no tax, no invoice number).
    netCents: fields.amountCents ?? bundle.priceCents,
    taxCents: 0,
    taxInvoiceNumber: null,
    currency: 'USD',
    credits: bundle.credits,
    status: 'granted',
    source: 'checkout',
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
  const clock = () => options.now ?? new Date();
  const now = clock();
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
    clock,
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
    accountMail: [],
    accountLinks: new Map(),
    unverified: new Set(),
    budgets: [],
    notifications: [],
    moreRequests: new Map(),
    timeZones: new Map(),
    stoppedAlerts: new Set(),
    generations: [],
    reports: [],
    conversations: [],
    idempotent: new Map(),
    streamDelayMs: 20,
    payments: shape.payments,
    billingProfile: null,
    taxes: new Map(),
    lastTaxInvoice: 0,
    autoTopUp: { settings: null, paymentMethod: null, cardDeclines: false, topUps: [], saveCard: new Set() },
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
      { id: mockId(0x7e, 9001), role: 'user', content: 'Which coupon edge cases matter?', model: null, stopped: false, createdAt: at },
      {
        id: mockId(0x7e, 9002),
        role: 'assistant',
        content: 'Test an expired coupon, a coupon at its usage limit, two coupons at once, and a coupon on a zero-value cart.',
        model: demo.id,
        stopped: false,
        createdAt: at,
      },
    ],
  });
  const requirement = 'As a shopper, I want to save my cart so that I can finish the purchase later. Guests cannot apply a coupon at checkout.';
  const generationId = mockId(0x7a, 9000);
  store.generations.push({ id: generationId, projectId, requirement, model: demo.id, stopped: false, createdAt: at, testCases: testCasesFor(requirement, projectId, generationId, at) });
  store.reports.push({
    id: mockId(0x7b, 9000),
    stopped: false,
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
