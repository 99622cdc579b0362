import type { AlertThresholds, Notification } from '@ai-credits/shared/contracts/budgets';
import { MC_PER_CREDIT, MODELS, OVERAGE_CENTS_PER_CREDIT, LOW_BALANCE_MC, MONTHLY_ALLOWANCE_MC, costMc, type UseCase, USE_CASES } from '@ai-credits/shared/catalog';
import type { Role, SessionInfo } from '@ai-credits/shared/contracts/auth';
import type { CreditSummary, UsageCharts, UsageRow } from '@ai-credits/shared/contracts/credits';
import type { AuditEntry, Invitation, Member, OutboxEmail, Project } from '@ai-credits/shared/contracts/org';
import { forecastCredits } from '@ai-credits/shared/forecast';
import type { ScenarioName } from './scenarios';

/**
 * An in-memory organization for the mock API. Deterministic for a given scenario and `now`
 * (a seeded PRNG), so tests can assert numbers and the browser shows a realistic month.
 */
export interface MockDb {
  scenario: ScenarioName;
  now: Date;
  signedIn: boolean;
  userId: string;
  csrfToken: string;
  org: { id: string; name: string; createdAt: string; aiEnabled: boolean };
  members: Member[];
  passwords: Map<string, string>;
  projects: Project[];
  /** Org API keys (names only, as the history's filter sees them). */
  apiKeys: { id: string; name: string; revoked: boolean }[];
  /** Newest first. */
  usage: UsageRow[];
  purchases: { at: string; amountMc: number }[];
  period: { start: Date; end: Date };
  balanceMc: number;
  reservedMc: number;
  overageLimitMc: number;
  unpaidInvoices: { count: number; amountCents: number };
  audit: AuditEntry[];
  /** Pending invitations (created by the mock; none in the scenarios). */
  invitations?: Invitation[];
  /** The test-mode mailbox (no SMTP in the mock), newest first. */
  emails?: OutboxEmail[];
  /** Monthly budgets (none in the scenarios unless a test adds them). */
  budgets?: { subjectType: 'project' | 'user'; subjectId: string; limitMc: number }[];
  alertThresholds?: AlertThresholds;
  /** The signed-in user's notifications, newest first. */
  notifications?: Notification[];
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

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DAY_MS = 86_400_000;

/** Start of the billing period containing `now` for an org anchored at `anchor` (same day of month, clamped). */
export function billingPeriod(anchor: Date, now: Date): { start: Date; end: Date } {
  const day = anchor.getUTCDate();
  const at = (year: number, month: number) => {
    const last = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
    return new Date(Date.UTC(year, month, Math.min(day, last)));
  };
  let start = at(now.getUTCFullYear(), now.getUTCMonth());
  if (start > now) start = at(now.getUTCFullYear(), now.getUTCMonth() - 1);
  const end = at(start.getUTCFullYear(), start.getUTCMonth() + 1);
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

interface ScenarioShape {
  role: Role;
  aiEnabled: boolean;
  /** Credits bought this period (added on day 2). */
  purchaseCredits: number;
  /** Balance to end at, in millicredits; usage this period is derived from it. */
  targetBalanceMc: number;
  overageLimitCredits: number;
  previousPeriodUsageMc: number;
  unpaidInvoices: { count: number; amountCents: number };
  newOrg: boolean;
}

function shapeOf(scenario: ScenarioName): ScenarioShape {
  const base: ScenarioShape = {
    role: 'owner',
    aiEnabled: true,
    purchaseCredits: 1_000,
    targetBalanceMc: 1_082_500,
    overageLimitCredits: 0,
    previousPeriodUsageMc: 291_250,
    unpaidInvoices: { count: 0, amountCents: 0 },
    newOrg: false,
  };
  switch (scenario) {
    case 'owner':
    case 'serverErrors':
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
      return {
        ...base,
        purchaseCredits: 0,
        targetBalanceMc: -42_500,
        overageLimitCredits: 500,
        unpaidInvoices: { count: 1, amountCents: 4_800 },
      };
    case 'emptyOrg':
      return { ...base, purchaseCredits: 0, targetBalanceMc: MONTHLY_ALLOWANCE_MC, previousPeriodUsageMc: 0, newOrg: true };
  }
}

export function createMockDb(scenario: ScenarioName, now: Date = new Date()): MockDb {
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
  const me = members.find((m) => m.role === shape.role) ?? members[0]!;
  // A brand-new org has no project yet (as after sign-up): its first screen says to create one.
  const projects: Project[] = (shape.newOrg ? [] : PROJECT_NAMES).map((name, i) => ({
    id: mockId(0x0c, i + 1),
    name,
    createdAt: new Date(orgCreatedAt.getTime() + i * DAY_MS).toISOString(),
    archivedAt: null,
  }));

  const period = billingPeriod(anchor, now);
  const purchases: MockDb['purchases'] = [];
  if (shape.purchaseCredits > 0) {
    const at = new Date(Math.min(period.start.getTime() + 2 * DAY_MS + 10 * 3_600_000, now.getTime() - 3_600_000));
    purchases.push({ at: at.toISOString(), amountMc: shape.purchaseCredits * MC_PER_CREDIT });
  }
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

  const previousStart = billingPeriod(anchor, new Date(period.start.getTime() - 1)).start;
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

  return {
    scenario,
    now,
    signedIn: true,
    userId: me.userId,
    csrfToken: 'mock-csrf-token',
    org: { id: orgId, name: shape.newOrg ? 'Newco Labs' : 'Acme QA', createdAt: orgCreatedAt.toISOString(), aiEnabled: shape.aiEnabled },
    members,
    passwords: new Map(members.map((m) => [m.email, DEFAULT_PASSWORD])),
    projects,
    apiKeys: shape.newOrg ? [] : MOCK_API_KEYS.map((k) => ({ ...k })),
    usage,
    purchases,
    period,
    balanceMc: shape.targetBalanceMc,
    reservedMc: 0,
    overageLimitMc: shape.overageLimitCredits * MC_PER_CREDIT,
    unpaidInvoices: shape.unpaidInvoices,
    audit,
  };
}

export function compareNewestFirst(a: UsageRow, b: UsageRow): number {
  if (a.occurredAt !== b.occurredAt) return a.occurredAt < b.occurredAt ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

export function sessionOf(db: MockDb): SessionInfo {
  const me = db.members.find((m) => m.userId === db.userId) ?? db.members[0]!;
  return {
    user: { id: me.userId, email: me.email, name: me.name },
    org: { id: db.org.id, name: db.org.name, aiEnabled: db.org.aiEnabled },
    role: me.role,
    csrfToken: db.csrfToken,
  };
}

function ceilCredits(mc: number): number {
  return Math.ceil(mc / MC_PER_CREDIT);
}

export function summaryOf(db: MockDb): CreditSummary {
  const periodStart = db.period.start.toISOString();
  const periodUsageMc = db.usage.filter((r) => r.occurredAt >= periodStart).reduce((sum, r) => sum + r.chargedMc, 0);
  const availableMc = db.balanceMc - db.reservedMc;
  const usedMc = Math.max(0, -db.balanceMc);
  return {
    balanceMc: db.balanceMc,
    reservedMc: db.reservedMc,
    availableMc,
    periodUsageMc,
    period: { start: periodStart, end: db.period.end.toISOString(), timeZone: 'UTC' },
    overage: {
      usedMc,
      limitMc: db.overageLimitMc,
      usedCents: ceilCredits(usedMc) * OVERAGE_CENTS_PER_CREDIT,
      limitCents: ceilCredits(db.overageLimitMc) * OVERAGE_CENTS_PER_CREDIT,
    },
    aiEnabled: db.org.aiEnabled,
    lowBalance: availableMc < LOW_BALANCE_MC,
    unpaidInvoices: db.unpaidInvoices,
  };
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

export function chartsOf(db: MockDb, query: { from?: string; to?: string }): UsageCharts {
  const bounds = boundsOf(query.from, query.to);
  const from = bounds.from ?? db.period.start.toISOString();
  const to = bounds.to ?? db.now.toISOString();
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
    ...db.purchases.map((p) => ({ at: p.at, deltaMc: p.amountMc })),
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
    availableMc: BigInt(db.balanceMc - db.reservedMc),
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
      ...db.purchases.map((p) => ({ at: p.at, kind: 'purchase' as const, amountMc: p.amountMc })),
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
