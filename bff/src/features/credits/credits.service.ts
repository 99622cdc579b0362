import { z } from 'zod';
import { IdSchema, RequestDateSchema } from '@ai-credits/shared/api';
import { LOW_BALANCE_MC, OVERAGE_CENTS_PER_CREDIT, USE_CASES, findModel, overageInvoiceFor } from '@ai-credits/shared/catalog';
import { forecastCredits } from '@ai-credits/shared/forecast';
import { USAGE_CSV_HEADER, usageCsvLine } from '@ai-credits/shared/usage-csv';
import type { ApiKeyUsage } from '@ai-credits/shared/contracts/api-keys';
import type { CreditSummary, DailyUsage, UsageCharts, UsageFilters, UsagePage, UsageRow } from '@ai-credits/shared/contracts/credits';
import type { Db } from '../../db/db';
import { primaryOnly, type ReadRouter } from '../../db/read-db';
import { HttpError } from '../../http/http-error';
import { maxBig, toSafeNumber } from '../../lib/bigint';
import type { Clock } from '../../lib/clock';
import { recordAudit } from '../audit/audit.service';
import type { ApiKeysService } from '../api-keys/api-keys.service';
import type { BillingService } from '../billing/billing.service';
import { ledgerReads as repo, type LedgerService } from '../ledger/ledger.service';

const DAY_MS = 86_400_000;
const dayOf = (t: Date | number) => new Date(t).toISOString().slice(0, 10);
const MAX_RANGE_DAYS = 366;
// Small pages: each is parsed and formatted in one go on the event loop, which metering shares (ADR 020).
const CSV_PAGE_ROWS = 1000;

/** `2026-01-31` means the whole UTC day: as a lower bound its start, as an upper bound the next day's start. */
function parseBound(value: string | undefined, upper: boolean): Date | undefined {
  if (!value) return undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const start = new Date(`${value}T00:00:00.000Z`);
    return upper ? new Date(start.getTime() + DAY_MS) : start;
  }
  return new Date(value);
}

/** `period: 'current'` is the current billing period so far: from its start (a whole UTC day). */
function toUsageQuery(f: UsageFilters, periodStart?: Date): repo.UsageQuery {
  const from = f.period === 'current' ? periodStart : parseBound(f.from, false);
  const to = parseBound(f.to, true);
  if (from && to && from >= to) throw new HttpError(400, 'VALIDATION_FAILED', '`from` must be before `to`');
  return { from, to, useCase: f.useCase, userId: f.userId, projectId: f.projectId, apiKeyId: f.apiKeyId, model: f.model };
}

function encodeCursor(row: { occurred_at: Date; id: string }) {
  return Buffer.from(JSON.stringify([row.occurred_at.toISOString(), row.id])).toString('base64url');
}

/** What encodeCursor writes: a date-time in the request range and a UUID (anything else never reaches SQL). */
const CursorSchema = z.tuple([RequestDateSchema, IdSchema]);

function decodeCursor(cursor: string): { at: Date; id: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = null;
  }
  const result = CursorSchema.safeParse(parsed);
  if (!result.success) throw new HttpError(400, 'VALIDATION_FAILED', 'cursor: not a cursor this API returned');
  const [at, id] = result.data;
  return { at: new Date(at), id };
}

type UsageDbRow = Awaited<ReturnType<typeof repo.usagePage>>[number];

function toUsageRow(r: UsageDbRow): UsageRow {
  return {
    id: r.id,
    occurredAt: r.occurred_at.toISOString(),
    useCase: r.use_case as UsageRow['useCase'],
    user: r.user_id ? { id: r.user_id, name: r.user_name ?? 'Former member' } : null,
    project: r.project_id ? { id: r.project_id, name: r.project_name ?? 'Deleted project' } : null,
    apiKey: r.api_key_id ? { id: r.api_key_id, name: r.api_key_name ?? 'Deleted key' } : null,
    model: r.model,
    inputTokens: r.input_tokens,
    outputTokens: r.output_tokens,
    chargedMc: toSafeNumber(r.charged_mc),
    overageMc: toSafeNumber(r.overage_mc),
    source: r.source,
  };
}

export function createCreditsService(deps: {
  db: Db;
  clock: Clock;
  ledger: LedgerService;
  billing: Pick<BillingService, 'unpaidOverageInvoices'>;
  apiKeys: Pick<ApiKeysService, 'names'>;
  reads?: ReadRouter;
}) {
  const { db, clock, ledger, billing, apiKeys } = deps;
  // History, CSV and charts may come from the read replica (ADR 023); balances and limits never do.
  const reads = deps.reads ?? primaryOnly(db);

  const currentOrg = (orgId: string) => ledger.ensureCurrentPeriod(orgId);

  async function summary(orgId: string): Promise<CreditSummary> {
    const org = await currentOrg(orgId);
    const now = clock.now();
    const [held, periodUsage, unpaid] = await Promise.all([
      ledger.heldMc(orgId, now),
      // billing periods start at 00:00 UTC, so the period is a whole number of rollup days
      repo.sumDaily(db, orgId, dayOf(org.periodStart)),
      billing.unpaidOverageInvoices(orgId),
    ]);
    const balance = org.balanceMc;
    const limit = org.overageLimitMc;
    const overageUsed = maxBig(-balance, 0n);
    return {
      balanceMc: toSafeNumber(balance),
      reservedMc: toSafeNumber(held),
      availableMc: toSafeNumber(balance - held),
      periodUsageMc: toSafeNumber(periodUsage),
      period: { start: org.periodStart.toISOString(), end: org.periodEnd.toISOString(), timeZone: 'UTC' },
      overage: {
        usedMc: toSafeNumber(overageUsed),
        limitMc: toSafeNumber(limit),
        usedCents: toSafeNumber(overageInvoiceFor(overageUsed).amountCents),
        limitCents: toSafeNumber((limit / 1000n) * BigInt(OVERAGE_CENTS_PER_CREDIT)),
      },
      aiEnabled: org.aiEnabled,
      lowBalance: balance - held < BigInt(LOW_BALANCE_MC),
      unpaidInvoices: { count: toSafeNumber(unpaid.count), amountCents: toSafeNumber(unpaid.cents) },
    };
  }

  return {
    summary,

    async usage(orgId: string, query: UsageFilters & { cursor?: string; limit: number }): Promise<UsagePage> {
      const after = query.cursor ? decodeCursor(query.cursor) : null;
      const filters = toUsageQuery(query, query.period ? (await currentOrg(orgId)).periodStart : undefined);
      const {
        value: [rows, totals],
      } = await reads.read(orgId, (rdb) => Promise.all([repo.usagePage(rdb, orgId, filters, after, query.limit + 1), repo.usageTotals(rdb, orgId, filters)]));
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      return {
        items: page.map(toUsageRow),
        nextCursor: rows.length > query.limit && last ? encodeCursor(last) : null,
        totals: { count: toSafeNumber(totals.count), chargedMc: toSafeNumber(totals.chargedMc) },
      };
    },

    /** Calls and credits per API key this billing period (issue 22), in the key list's order. */
    async apiKeyUsage(orgId: string): Promise<ApiKeyUsage> {
      const org = await currentOrg(orgId);
      const { value: rows } = await reads.read(orgId, (rdb) => repo.usageByApiKey(rdb, orgId, org.periodStart, org.periodEnd));
      return {
        period: { start: org.periodStart.toISOString(), end: org.periodEnd.toISOString() },
        keys: rows.map((r) => ({ apiKeyId: r.id, name: r.name, calls: toSafeNumber(r.calls), chargedMc: toSafeNumber(r.mc) })),
      };
    },

    async apiKeyOptions(orgId: string) {
      return { apiKeys: await apiKeys.names(orgId) };
    },

    /**
     * The whole filtered history as CSV, streamed: pages of CSV_PAGE_ROWS rows by keyset, one
     * chunk each, so memory stays constant however many rows there are (no row limit).
     */
    async *usageCsv(orgId: string, filters: UsageFilters): AsyncGenerator<string> {
      const f = toUsageQuery(filters, filters.period ? (await currentOrg(orgId)).periodStart : undefined);
      // Credits as exact decimals and as integer millicredits (the unit the ledger keeps).
      yield USAGE_CSV_HEADER;
      let after: { at: Date; id: string } | null = null;
      for (;;) {
        const { value: rows } = await reads.read(orgId, (rdb) => repo.usagePage(rdb, orgId, f, after, CSV_PAGE_ROWS));
        let chunk = '';
        for (const r of rows) chunk += usageCsvLine(toUsageRow(r));
        if (chunk) yield chunk;
        const last = rows.at(-1);
        if (rows.length < CSV_PAGE_ROWS || !last) return;
        after = { at: last.occurred_at, id: last.id };
      }
    },

    /** Every history filter applies (issue 24: one filter bar for both); the balance and the forecast are the org's. */
    async charts(orgId: string, range: UsageFilters): Promise<UsageCharts> {
      const filters: repo.ChartFilters = { useCase: range.useCase, userId: range.userId, projectId: range.projectId, apiKeyId: range.apiKeyId, model: range.model };
      const org = await currentOrg(orgId);
      const now = clock.now();
      // By default, the current billing period so far.
      const to = parseBound(range.to, true) ?? now;
      const from = parseBound(range.from, false) ?? org.periodStart;
      if (from >= to) throw new HttpError(400, 'VALIDATION_FAILED', '`from` must be before `to`');
      if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * DAY_MS) throw new HttpError(400, 'VALIDATION_FAILED', `The range can span at most ${MAX_RANGE_DAYS} days`);

      // Charts work in whole UTC days (the rollup's grain).
      const fromDay = dayOf(Math.floor(from.getTime() / DAY_MS) * DAY_MS);
      const toDay = dayOf(Math.ceil(to.getTime() / DAY_MS) * DAY_MS);
      // Forecast basis: the whole UTC days of the last 7 (or since the org exists), and today so far.
      const today = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
      const basisStart = Math.max(today - 7 * DAY_MS, Math.floor(org.createdAt.getTime() / DAY_MS) * DAY_MS);
      const wholeDays = Math.round((today - basisStart) / DAY_MS);
      const [
        {
          value: [{ daily, byUser, byProject, byModel }, byApiKey, balance, events, wholeDaysMc, todayMc],
        },
        held,
      ] = await Promise.all([
        reads.read(orgId, (rdb) =>
          Promise.all([
            repo.chartRollup(rdb, orgId, fromDay, toDay, filters),
            repo.byApiKey(rdb, orgId, fromDay, toDay, filters),
            repo.balanceByHour(rdb, orgId, org.periodStart),
            repo.grantEvents(rdb, orgId, org.periodStart),
            repo.sumDaily(rdb, orgId, dayOf(basisStart), dayOf(today)),
            repo.sumDaily(rdb, orgId, dayOf(today)),
          ]),
        ),
        ledger.heldMc(orgId, now),
      ]);

      // Every day of the range, zeros included, so the chart has no gaps.
      const days = new Map<string, DailyUsage>();
      for (let t = Math.floor(from.getTime() / DAY_MS) * DAY_MS; t < to.getTime(); t += DAY_MS) {
        const date = new Date(t).toISOString().slice(0, 10);
        days.set(date, { date, test_generation: 0, chat: 0, report: 0, totalMc: 0 });
      }
      for (const d of daily) {
        const day = days.get(d.day);
        if (!day || !(USE_CASES as readonly string[]).includes(d.use_case)) continue;
        const mc = toSafeNumber(d.mc);
        day[d.use_case as (typeof USE_CASES)[number]] += mc;
        day.totalMc += mc;
      }

      const forecast = forecastCredits({ now, periodEnd: org.periodEnd, availableMc: org.balanceMc - held, wholeDaysMc, wholeDays, todayMc });
      const runOutAt = forecast.runOutDay === null ? null : forecast.runOutDay === dayOf(today) ? now : new Date(`${forecast.runOutDay}T00:00:00.000Z`);

      const toBreakdown = (rows: { id: string; label: string; mc: bigint }[]) => rows.map((r) => ({ id: r.id, label: r.label, mc: toSafeNumber(r.mc) }));
      return {
        range: { from: from.toISOString(), to: to.toISOString() },
        daily: [...days.values()],
        byUser: toBreakdown(byUser),
        byProject: toBreakdown(byProject),
        byModel: toBreakdown(byModel).map((m) => ({ ...m, label: findModel(m.id)?.label ?? m.id })),
        byApiKey: toBreakdown(byApiKey),
        balance: balancePoints(balance, events),
        events: events.map((e) => ({
          at: e.created_at.toISOString(),
          kind: e.source === 'monthly_allowance' ? ('reset' as const) : e.source === 'purchase' ? ('purchase' as const) : ('adjustment' as const),
          amountMc: toSafeNumber(e.amount_mc),
        })),
        forecast: {
          burnRateMcPerDay: toSafeNumber(forecast.rateMcPerDay),
          basisDays: wholeDays,
          todayMc: toSafeNumber(todayMc),
          runOutAt: runOutAt?.toISOString() ?? null,
          expiringMc: toSafeNumber(forecast.expiringMc),
          periodEnd: org.periodEnd.toISOString(),
        },
      };
    },

    /**
     * One billing period of the ledger for its statement (ADR 035), read in one snapshot on the
     * primary (repeatable read), so the figures of an open period add up while usage goes on.
     * `closingMc` is the balance after the period's last entry (the opening when it has none).
     */
    async periodLedger(orgId: string, start: Date, end: Date) {
      return db
        .transaction()
        .setIsolationLevel('repeatable read')
        .execute(async (trx) => {
          const openingMc = await repo.balanceBefore(trx, orgId, start);
          const [last, totals, grants, usage] = await Promise.all([
            repo.balanceAtPeriodEnd(trx, orgId, start, end),
            repo.periodTotals(trx, orgId, start, end),
            repo.periodGrants(trx, orgId, start, end),
            repo.periodUsageByUseCase(trx, orgId, start, end),
          ]);
          const sum = (type: string, source?: (s: string | null) => boolean) => totals.filter((t) => t.type === type && (!source || source(t.source))).reduce((a, t) => a + t.mc, 0n);
          return {
            openingMc,
            allowanceMc: sum('grant', (s) => s === 'monthly_allowance'),
            grantedMc: sum('grant', (s) => s !== 'monthly_allowance'),
            grants,
            usageMc: -sum('consume'),
            usageByUseCase: usage,
            expiredMc: -sum('expire'),
            overageInvoicedMc: sum('overage_invoiced'),
            closingMc: last ?? openingMc,
          };
        });
    },

    /**
     * The owner's settings are the ledger's (they decide every debit: ledger-engine.ts
     * `configure`); what the owner did is written here, in the change's own transaction.
     * Owner switch. Off: every open reservation is released; every AI call is refused.
     */
    async setAiEnabled(orgId: string, actorUserId: string, enabled: boolean) {
      await ledger.configure(
        { orgId, aiEnabled: enabled },
        {
          afterApply: async (trx, { from, to, at }) => {
            if (from.aiEnabled === to.aiEnabled) return;
            await recordAudit(trx, { orgId, actorUserId, action: 'ai.toggled', from: { enabled: from.aiEnabled }, to: { enabled: to.aiEnabled }, at });
          },
        },
      );
      return summary(orgId);
    },

    async setOverageLimit(orgId: string, actorUserId: string, limitCredits: number) {
      await ledger.configure(
        { orgId, overageLimitMc: BigInt(limitCredits) * 1000n },
        {
          afterApply: async (trx, { from, to, at }) => {
            if (from.overageLimitMc === to.overageLimitMc) return;
            const credits = (mc: bigint) => ({ limitCredits: toSafeNumber(mc / 1000n) });
            await recordAudit(trx, { orgId, actorUserId, action: 'overage_limit.changed', from: credits(from.overageLimitMc), to: credits(to.overageLimitMc), at });
          },
        },
      );
      return summary(orgId);
    },
  };
}

export type CreditsService = ReturnType<typeof createCreditsService>;

/**
 * The balance chart's points: the last balance of each hour, plus the balance just before and just
 * after every purchase or adjustment (issue 24: a purchase spent within its hour drew no peak, and
 * the chart's axis stopped below the balance reached). In ledger order; a point is never repeated.
 */
function balancePoints(
  hourly: { id: string | number | bigint; created_at: Date; balance_after_mc: bigint }[],
  grants: { id: string | number | bigint; created_at: Date; amount_mc: bigint; balance_after_mc: bigint; source: string }[],
) {
  const points = new Map<string, { order: [bigint, number]; at: Date; mc: bigint }>();
  for (const h of hourly) points.set(`${h.id}`, { order: [BigInt(h.id), 1], at: h.created_at, mc: h.balance_after_mc });
  for (const g of grants) {
    if (g.source !== 'monthly_allowance') points.set(`${g.id}-before`, { order: [BigInt(g.id), 0], at: g.created_at, mc: g.balance_after_mc - g.amount_mc });
    points.set(`${g.id}`, { order: [BigInt(g.id), 1], at: g.created_at, mc: g.balance_after_mc });
  }
  return [...points.values()]
    .sort((a, b) => (a.order[0] === b.order[0] ? a.order[1] - b.order[1] : a.order[0] < b.order[0] ? -1 : 1))
    .map((p) => ({ at: p.at.toISOString(), balanceMc: toSafeNumber(p.mc) }));
}
