import { z } from 'zod/mini';
import { endpoint, IdSchema, IsoDateTimeSchema, MillicreditsSchema, OWNER_ONLY } from '../api';

export const BudgetSubjectTypeSchema = z.enum(['project', 'user']);

export const BudgetSchema = z.object({
  subjectType: BudgetSubjectTypeSchema,
  subjectId: IdSchema,
  /** Project or member name, as the budget list shows it. */
  name: z.string(),
  limitMc: MillicreditsSchema,
  /** This period's settled usage plus open reservations (what the engine counts). */
  usedMc: MillicreditsSchema,
});
export type Budget = z.infer<typeof BudgetSchema>;

export const BudgetListSchema = z.object({
  period: z.object({ start: IsoDateTimeSchema, end: IsoDateTimeSchema }),
  budgets: z.array(BudgetSchema),
});
export type BudgetList = z.infer<typeof BudgetListSchema>;

/** Whole credits, as the owner types them; null clears the budget. */
export const MAX_BUDGET_CREDITS = 10_000_000;
export const SetBudgetBodySchema = z.strictObject({
  subjectType: BudgetSubjectTypeSchema,
  subjectId: IdSchema,
  limitCredits: z.nullable(z.number().check(z.int('a whole number of credits'), z.gte(1, 'at least 1 credit'), z.lte(MAX_BUDGET_CREDITS))),
});
export type SetBudgetBody = z.infer<typeof SetBudgetBodySchema>;

/** How many thresholds each list may have. */
export const MAX_ALERT_THRESHOLDS = 10;
/** 1 to 10 distinct whole percentages from 1 to 100. */
export const PercentListSchema = z
  .array(z.number().check(z.int('whole percentages'), z.gte(1, 'from 1 %'), z.lte(100, 'up to 100 %'))).check(z.minLength(1, 'at least one threshold'), z.maxLength(MAX_ALERT_THRESHOLDS, `at most ${MAX_ALERT_THRESHOLDS} thresholds`), z.refine((list) => new Set(list).size === list.length, 'each threshold once'));

export const AlertThresholdsSchema = z.strictObject({
  /** Percent of the month's credits (allowance + purchases granted this period). */
  creditPercents: PercentListSchema,
  /** Percent of each budget. */
  budgetPercents: PercentListSchema,
});
export type AlertThresholds = z.infer<typeof AlertThresholdsSchema>;

/** The thresholds as read back: with when the owner last saved them (null: never, the defaults apply), changed or not. */
export const AlertSettingsSchema = z.object({
  creditPercents: PercentListSchema,
  budgetPercents: PercentListSchema,
  savedAt: z.nullable(IsoDateTimeSchema),
});
export type AlertSettings = z.infer<typeof AlertSettingsSchema>;

export const NotificationSchema = z.object({
  id: IdSchema,
  title: z.string(),
  body: z.string(),
  /** An app path (e.g. the history filtered by the budget's project), or null. */
  link: z.nullable(z.string()),
  createdAt: IsoDateTimeSchema,
  readAt: z.nullable(IsoDateTimeSchema),
  /** 'alert': thresholds and "AI stopped" (alerts that fire together are one notification); 'more_request': a member's "Ask for more". */
  kind: z.enum(['alert', 'more_request']),
  /** When the limits it is about reset (the SPA shows it in the reader's time zone), or null. */
  resetsAt: z.nullable(IsoDateTimeSchema),
});
export type Notification = z.infer<typeof NotificationSchema>;

export const NotificationListSchema = z.object({ unread: z.int().check(z.gte(0)), notifications: z.array(NotificationSchema) });
export type NotificationList = z.infer<typeof NotificationListSchema>;

export const MarkReadBodySchema = z.union([z.strictObject({ ids: z.array(IdSchema).check(z.minLength(1), z.maxLength(100)) }), z.strictObject({ all: z.literal(true) })]);

/** What stopped a member's AI requests, as "Ask for more" names it: the member's budget, a project's, or the org's credits (balance or overage limit). */
export const MoreRequestLimitSchema = z.enum(['member_budget', 'project_budget', 'credits']);
export type MoreRequestLimit = z.infer<typeof MoreRequestLimitSchema>;

export const AskForMoreBodySchema = z.strictObject({
  limit: MoreRequestLimitSchema,
  /** The project whose budget stopped the request (project_budget only). */
  projectId: z.optional(IdSchema),
});
export type AskForMoreBody = z.infer<typeof AskForMoreBodySchema>;

export const AskForMoreResultSchema = z.object({
  /** 'already_sent': this member asked about this limit today (UTC) already; nothing was sent again. */
  status: z.enum(['sent', 'already_sent']),
  /** When the request was sent (the first time today). */
  sentAt: IsoDateTimeSchema,
  /** Who received it: the owner first, then the admins. */
  notified: z.array(z.object({ name: z.string(), role: z.enum(['owner', 'admin']) })),
});
export type AskForMoreResult = z.infer<typeof AskForMoreResultSchema>;

export const budgetsContract = {
  list: endpoint({
    method: 'GET',
    path: '/api/budgets',
    summary: "The org's monthly budgets with this period's use (every role reads them)",
    auth: 'session',
    response: BudgetListSchema,
  }),
  set: endpoint({
    method: 'PUT',
    path: '/api/budgets',
    summary: 'Set (whole credits) or clear (null) the monthly budget of a project or a member (owner only)',
    auth: 'session',
    roles: OWNER_ONLY,
    body: SetBudgetBodySchema,
    response: BudgetListSchema,
  }),
  thresholds: endpoint({
    method: 'GET',
    path: '/api/alerts/thresholds',
    summary: 'Alert thresholds: percent of the month credits and of each budget, and when the owner last saved them (null: never)',
    auth: 'session',
    response: AlertSettingsSchema,
  }),
  setThresholds: endpoint({
    method: 'PUT',
    path: '/api/alerts/thresholds',
    summary: 'Set the alert thresholds (owner only); saving them unchanged still records the save (savedAt)',
    auth: 'session',
    roles: OWNER_ONLY,
    body: AlertThresholdsSchema,
    response: AlertSettingsSchema,
  }),
  notifications: endpoint({
    method: 'GET',
    path: '/api/notifications',
    summary: "The caller's newest notifications and unread count",
    auth: 'session',
    response: NotificationListSchema,
  }),
  markRead: endpoint({
    method: 'POST',
    path: '/api/notifications/read',
    summary: 'Mark some (ids) or all of the caller notifications read',
    auth: 'session',
    body: MarkReadBodySchema,
    response: NotificationListSchema,
  }),
  askForMore: endpoint({
    method: 'POST',
    path: '/api/notifications/ask-for-more',
    summary: 'A member or admin refused by a limit asks the owner and admins for more (a notification and an email each; once per limit per member per UTC day)',
    auth: 'session',
    roles: ['admin', 'member'],
    verifiedEmail: 'required',
    body: AskForMoreBodySchema,
    response: AskForMoreResultSchema,
  }),
};
