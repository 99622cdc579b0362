import { budgetUseMc } from '../../budgets';
import { LOW_BALANCE_MC, MC_PER_CREDIT, MODELS, MONTHLY_ALLOWANCE_MC, OVERAGE_CENTS_PER_CREDIT, overageInvoiceFor } from '../../catalog';
import type { ApiKeyUsage } from '../../contracts/api-keys';
import type { SessionInfo } from '../../contracts/auth';
import type { CreditSummary, UsageCharts, UsageFilters } from '../../contracts/credits';
import { forecastCredits } from '../../forecast';
import { DAY_MS, nowIso, type MockStore } from './state';

/** What the API reads from the org, computed as the BFF computes it (credits.service.ts, shared/forecast.ts). */

/**
 * This period's use of a budget, by the one rule (shared/budgets.ts budgetUseMc) over the store's
 * usage rows and reservations, in the store's number millicredits.
 */
export function budgetUsedMc(store: MockStore, subjectType: 'project' | 'user', subjectId: string): number {
  const charges = store.usage.map((r) => ({ occurredAt: r.occurredAt, projectId: r.project?.id ?? null, userId: r.user?.id ?? null, chargedMc: BigInt(r.chargedMc) }));
  const holds = store.reservations.map((r) => ({ status: r.status, expiresAt: r.expiresAt, projectId: r.projectId, userId: r.userId, estimateMc: BigInt(r.estimateMc) }));
  return Number(budgetUseMc({ type: subjectType, id: subjectId }, { start: store.period.start, at: store.clock() }, charges, holds));
}

/** Calls and credits per API key this period, every key in the list's order (credits.service apiKeyUsage). */
export function apiKeyUsageOf(store: MockStore): ApiKeyUsage {
  const start = store.period.start.toISOString();
  const end = store.period.end.toISOString();
  const keys = [...store.apiKeys].sort((a, b) => (a.revokedAt === null) !== (b.revokedAt === null) ? (a.revokedAt === null ? -1 : 1) : (b.revokedAt ?? '').localeCompare(a.revokedAt ?? '') || b.createdAt.localeCompare(a.createdAt));
  return {
    period: { start, end },
    keys: keys.map((k) => {
      const rows = store.usage.filter((r) => r.apiKey?.id === k.id && r.occurredAt >= start && r.occurredAt < end);
      return { apiKeyId: k.id, name: k.name, calls: rows.length, chargedMc: rows.reduce((sum, r) => sum + r.chargedMc, 0) };
    }),
  };
}

/** Held by open, unexpired reservations. */
export function reservedMcOf(store: MockStore): number {
  const now = nowIso(store);
  return store.reservations.filter((r) => r.status === 'open' && r.expiresAt > now).reduce((sum, r) => sum + r.estimateMc, 0);
}

export function sessionOf(db: MockStore): SessionInfo {
  const me = db.members.find((m) => m.userId === db.userId) ?? db.members[0]!;
  return {
    user: { id: me.userId, email: me.email, name: me.name, emailVerified: !db.unverified.has(me.userId), preferences: { timeZone: db.timeZones.get(me.userId) ?? 'local' } },
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

/** The charts follow every history filter (the BFF's credits.service.ts charts); balance and forecast are the org's. */
export function chartsOf(db: MockStore, query: UsageFilters): UsageCharts {
  const bounds = boundsOf(query.from, query.to);
  const from = bounds.from ?? db.period.start.toISOString();
  const to = bounds.to ?? nowIso(db);
  const rows = db.usage.filter(
    (r) =>
      r.occurredAt >= from &&
      r.occurredAt <= to &&
      (!query.useCase || r.useCase === query.useCase) &&
      (!query.userId || r.user?.id === query.userId) &&
      (!query.projectId || r.project?.id === query.projectId) &&
      (!query.apiKeyId || r.apiKey?.id === query.apiKeyId) &&
      (!query.model || r.model === query.model),
  );

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
  const now = db.clock();
  const today = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  const basisStart = Math.max(today - 7 * DAY_MS, Math.floor(Date.parse(db.org.createdAt) / DAY_MS) * DAY_MS);
  const sumBetween = (a: number, b: number) =>
    db.usage.filter((r) => Date.parse(r.occurredAt) >= a && Date.parse(r.occurredAt) < b).reduce((sum, r) => sum + r.chargedMc, 0);
  const todayMc = sumBetween(today, today + DAY_MS);
  const wholeDays = Math.round((today - basisStart) / DAY_MS);
  const f = forecastCredits({
    now,
    periodEnd: db.period.end,
    availableMc: BigInt(db.balanceMc - reservedMcOf(db)),
    wholeDaysMc: BigInt(sumBetween(basisStart, today)),
    wholeDays,
    todayMc: BigInt(todayMc),
  });
  const runOutAt = f.runOutDay === null ? null : f.runOutDay === isoDay(new Date(today)) ? now.toISOString() : `${f.runOutDay}T00:00:00.000Z`;

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

