import { z } from 'zod/mini';
import { USE_CASES } from '../catalog';
import { endpoint, IdSchema, IsoDateTimeSchema, MillicreditsSchema, OWNER_ONLY, RequestDateSchema, TextSchema } from '../api';

export const UseCaseSchema = z.enum(USE_CASES);

export const CreditSummarySchema = z.object({
  /** Signed: negative while the org is in overage. */
  balanceMc: MillicreditsSchema,
  /** Held by open reservations (AI calls in flight). */
  reservedMc: MillicreditsSchema,
  /** balance - reserved (may be negative in overage). */
  availableMc: MillicreditsSchema,
  /** Credits consumed in the current billing period. */
  periodUsageMc: MillicreditsSchema,
  period: z.object({ start: IsoDateTimeSchema, end: IsoDateTimeSchema, timeZone: z.literal('UTC') }),
  overage: z.object({
    usedMc: MillicreditsSchema,
    limitMc: MillicreditsSchema,
    /** What the overage used so far will cost at $0.40/credit, rounded up to whole credits. */
    usedCents: z.int(),
    limitCents: z.int(),
  }),
  aiEnabled: z.boolean(),
  lowBalance: z.boolean(),
  unpaidInvoices: z.object({ count: z.int(), amountCents: z.int() }),
});
export type CreditSummary = z.infer<typeof CreditSummarySchema>;

const DateBound = RequestDateSchema;

const UsageFiltersShape = {
  from: z.optional(DateBound),
  to: z.optional(DateBound),
  useCase: z.optional(UseCaseSchema),
  userId: z.optional(IdSchema),
  projectId: z.optional(IdSchema),
  /** Usage metered through this org API key (the metering API). */
  apiKeyId: z.optional(IdSchema),
  model: z.optional(TextSchema.check(z.maxLength(100))),
  /** `current`: the current billing period so far (the page's default, issue 24); not with `from`/`to`. */
  period: z.optional(z.enum(['current'])),
};

/** A date range whose start is after its end is refused on both sides (the form prevents it first). */
export const DATE_RANGE_REVERSED = '`from` must be on or before `to`';
// A bare date as the upper bound means the whole day (as the BFF reads it): from = to = one day is valid.
const upperBoundMs = (to: string) => Date.parse(to.length === 10 ? `${to}T00:00:00Z` : to) + (to.length === 10 ? 86_400_000 : 0);
const rangeInOrder = (f: { from?: string; to?: string }) => !f.from || !f.to || Date.parse(f.from.length === 10 ? `${f.from}T00:00:00Z` : f.from) < upperBoundMs(f.to);
export const PERIOD_WITH_DATES = '`period` cannot be combined with `from` or `to`';
const periodAlone = (f: { from?: string; to?: string; period?: string }) => !f.period || (!f.from && !f.to);

export const UsageFiltersSchema = z
  .strictObject(UsageFiltersShape)
  .check(z.refine(rangeInOrder, { message: DATE_RANGE_REVERSED, path: ['from'] }), z.refine(periodAlone, { message: PERIOD_WITH_DATES, path: ['period'] }));
export type UsageFilters = z.infer<typeof UsageFiltersSchema>;

export const UsageHistoryQuerySchema = z
  .strictObject({
    ...UsageFiltersShape,
    cursor: z.optional(TextSchema.check(z.maxLength(200))),
    limit: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(100)), 25),
  })
  .check(z.refine(rangeInOrder, { message: DATE_RANGE_REVERSED, path: ['from'] }), z.refine(periodAlone, { message: PERIOD_WITH_DATES, path: ['period'] }));
export type UsageHistoryQuery = z.input<typeof UsageHistoryQuerySchema>;

export const UsageRowSchema = z.object({
  id: IdSchema,
  occurredAt: IsoDateTimeSchema,
  useCase: UseCaseSchema,
  user: z.nullable(z.object({ id: IdSchema, name: z.string() })),
  project: z.nullable(z.object({ id: IdSchema, name: z.string() })),
  /** The named org API key that metered it (source `api`); null for usage from the app. */
  apiKey: z.nullable(z.object({ id: IdSchema, name: z.string() })),
  model: z.string(),
  inputTokens: z.int(),
  outputTokens: z.int(),
  chargedMc: MillicreditsSchema,
  /** Part of chargedMc that went beyond the balance. */
  overageMc: MillicreditsSchema,
  source: z.enum(['app', 'api']),
});
export type UsageRow = z.infer<typeof UsageRowSchema>;

export const UsagePageSchema = z.object({
  items: z.array(UsageRowSchema),
  nextCursor: z.nullable(z.string()),
  /** Every row the filter matches (all pages), and the credits they charged. */
  totals: z.object({ count: z.int().check(z.gte(0)), chargedMc: MillicreditsSchema }),
});
export type UsagePage = z.infer<typeof UsagePageSchema>;


const BreakdownSchema = z.array(z.object({ id: z.string(), label: z.string(), mc: MillicreditsSchema }));

export const DailyUsageSchema = z.object({
  date: z.iso.date(),
  test_generation: MillicreditsSchema,
  chat: MillicreditsSchema,
  report: MillicreditsSchema,
  totalMc: MillicreditsSchema,
});
export type DailyUsage = z.infer<typeof DailyUsageSchema>;

export const UsageChartsSchema = z.object({
  range: z.object({ from: IsoDateTimeSchema, to: IsoDateTimeSchema }),
  daily: z.array(DailyUsageSchema),
  byUser: BreakdownSchema,
  byProject: BreakdownSchema,
  byModel: BreakdownSchema,
  /** Usage metered through each named org API key (the metering API). */
  byApiKey: BreakdownSchema,
  /** Balance after each ledger entry of the current billing period, oldest first. */
  balance: z.array(z.object({ at: IsoDateTimeSchema, balanceMc: MillicreditsSchema })),
  /** Purchases, the period reset and adjustments, to mark on the balance chart. */
  events: z.array(
    z.object({ at: IsoDateTimeSchema, kind: z.enum(['reset', 'purchase', 'adjustment']), amountMc: MillicreditsSchema }),
  ),
  /** shared/forecast.ts: whole days plus today's pace, never a partial day scaled to a full one. */
  forecast: z.object({
    /** Average credits per whole UTC day of the basis (or today's usage on an org's first day). */
    burnRateMcPerDay: MillicreditsSchema,
    /** Whole days that average spans (0 to 7). */
    basisDays: z.int(),
    /** Credits used today (UTC) so far. */
    todayMc: MillicreditsSchema,
    /** Start of the UTC day the available credits run out (now when already out); null if they last until the reset. */
    runOutAt: z.nullable(IsoDateTimeSchema),
    /** Available credits expected to be left, and to expire unused, at the reset. */
    expiringMc: MillicreditsSchema,
    periodEnd: IsoDateTimeSchema,
  }),
});
export type UsageCharts = z.infer<typeof UsageChartsSchema>;

/** Settings the owner controls. Credits are whole credits here: the owner types "500", not millicredits. */
export const MAX_OVERAGE_LIMIT_CREDITS = 10_000_000;
export const OverageLimitBodySchema = z.strictObject({ limitCredits: z.int().check(z.gte(0), z.lte(MAX_OVERAGE_LIMIT_CREDITS)) });

export const creditsContract = {
  summary: endpoint({
    method: 'GET',
    path: '/api/credits/summary',
    summary: 'Available credits, this month usage, billing period and overage',
    auth: 'session',
    response: CreditSummarySchema,
  }),
  usage: endpoint({
    method: 'GET',
    path: '/api/credits/usage',
    summary: 'Usage history, newest first, keyset-paginated',
    auth: 'session',
    query: UsageHistoryQuerySchema,
    response: UsagePageSchema,
  }),
  usageCsv: endpoint({
    method: 'GET',
    path: '/api/credits/usage.csv',
    summary: 'CSV export of the filtered usage history',
    auth: 'session',
    query: UsageFiltersSchema,
    response: null,
    produces: 'text/csv',
  }),
  apiKeyOptions: endpoint({
    method: 'GET',
    path: '/api/credits/api-keys',
    summary: 'Names of the org API keys that can appear in the usage history (every role; no token prefixes)',
    auth: 'session',
    response: z.object({ apiKeys: z.array(z.object({ id: IdSchema, name: z.string(), revoked: z.boolean() })) }),
  }),
  charts: endpoint({
    method: 'GET',
    path: '/api/credits/charts',
    summary: 'Chart aggregates: per day by use case, by user, project, model; balance; forecast',
    auth: 'session',
    // The history's filters: the charts follow every one of them (issue 24); no dates means the current billing period so far.
    query: UsageFiltersSchema,
    response: UsageChartsSchema,
  }),
  setAiEnabled: endpoint({
    method: 'PUT',
    path: '/api/credits/ai',
    summary: 'Enable or disable AI for the whole organization (owner only)',
    auth: 'session',
    roles: OWNER_ONLY,
    body: z.strictObject({ enabled: z.boolean() }),
    response: CreditSummarySchema,
  }),
  setOverageLimit: endpoint({
    method: 'PUT',
    path: '/api/credits/overage-limit',
    verifiedEmail: 'required',
    summary: 'Set the monthly overage limit in whole credits (owner only)',
    auth: 'session',
    roles: OWNER_ONLY,
    body: OverageLimitBodySchema,
    response: CreditSummarySchema,
  }),
};

// Metering DTOs shared by the AI features and the server-to-server metering API ----------

export const ReservationSchema = z.object({
  id: IdSchema,
  status: z.enum(['open', 'settled', 'released', 'expired']),
  estimateMc: MillicreditsSchema,
  expiresAt: IsoDateTimeSchema,
  useCase: UseCaseSchema,
  model: z.string(),
});
export type Reservation = z.infer<typeof ReservationSchema>;

export const BalanceAfterSchema = z.object({ balanceMc: MillicreditsSchema, availableMc: MillicreditsSchema });
