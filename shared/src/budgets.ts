/**
 * The coverage rule of the credit engine, pure so the BFF and the mock API apply the same one.
 * A cost fits when it fits under every limit that applies: the org's available credits plus its
 * overage limit, the project's budget left, the member's budget left. The lowest limit wins:
 * the refusal names the limit with the least room (a budget on a tie, since that is the limit
 * set for this scope). Millicredits as bigint: money is never a float.
 */
export type CoverageLimit = 'balance' | 'overage_limit' | 'project_budget' | 'member_budget';

export interface CoverageInput {
  /** What the call may cost at most (its input and the most output it may write). */
  costMc: bigint;
  /**
   * The least it can usefully run with (its input and a useful minimum of output); defaults to
   * `costMc`. The call is refused only when even this does not fit; otherwise it holds `costMc`
   * capped at the room left (`holdMc`), and its output is limited to what that hold covers.
   */
  minCostMc?: bigint;
  /** balance - held by open reservations (negative in overage). */
  availableMc: bigint;
  overageLimitMc: bigint;
  /** Budget minus this period's settled usage and open reservations; null when there is no budget. */
  projectBudgetLeftMc?: bigint | null;
  memberBudgetLeftMc?: bigint | null;
}

export type CoverageResult = { fits: true; holdMc: bigint } | { fits: false; stoppedBy: CoverageLimit; roomMc: bigint };

export function checkCoverage(input: CoverageInput): CoverageResult {
  const limits: { limit: CoverageLimit; roomMc: bigint }[] = [];
  if (input.memberBudgetLeftMc != null) limits.push({ limit: 'member_budget', roomMc: input.memberBudgetLeftMc });
  if (input.projectBudgetLeftMc != null) limits.push({ limit: 'project_budget', roomMc: input.projectBudgetLeftMc });
  limits.push({ limit: input.overageLimitMc === 0n ? 'balance' : 'overage_limit', roomMc: input.availableMc + input.overageLimitMc });
  // Strictly lower replaces: on a tie the earlier (a budget) stays.
  const lowest = limits.reduce((a, b) => (b.roomMc < a.roomMc ? b : a));
  const minCostMc = input.minCostMc !== undefined && input.minCostMc < input.costMc ? input.minCostMc : input.costMc;
  if (minCostMc <= lowest.roomMc) return { fits: true, holdMc: input.costMc <= lowest.roomMc ? input.costMc : lowest.roomMc };
  return { fits: false, stoppedBy: lowest.limit, roomMc: lowest.roomMc };
}

/** Default alert thresholds (PRODUCT: 50/75/90/100 % of the month's credits; 90/100 % of each budget). */
export const DEFAULT_CREDIT_ALERT_PERCENTS = [50, 75, 90, 100] as const;
export const DEFAULT_BUDGET_ALERT_PERCENTS = [90, 100] as const;

/**
 * Thresholds (percent of `totalMc`) that usage crossed going from `beforeMc` to `afterMc`:
 * before < p% of total <= after. Integer arithmetic (used * 100 against p * total), no rounding.
 */
export function crossedThresholds(percents: readonly number[], totalMc: bigint, beforeMc: bigint, afterMc: bigint): number[] {
  if (totalMc <= 0n || afterMc <= beforeMc) return [];
  return percents.filter((p) => {
    const mark = BigInt(p) * totalMc;
    return beforeMc * 100n < mark && mark <= afterMc * 100n;
  });
}

/** A subject with a monthly budget: a project, or a member (by user id). */
export interface BudgetSubject {
  type: 'project' | 'user';
  id: string;
}

/** A settled charge as budget use reads it: when, on which project and member, how much. */
export interface BudgetCharge {
  /** ISO-8601 instant. */
  occurredAt: string;
  projectId: string | null;
  userId: string | null;
  chargedMc: bigint;
}

/** A reservation as budget use reads it: open until settled, released or expired. */
export interface BudgetHold {
  status: 'open' | 'settled' | 'released' | 'expired';
  /** ISO-8601 instant. */
  expiresAt: string;
  projectId: string | null;
  userId: string | null;
  estimateMc: bigint;
}

/**
 * "Budget use", the rule: what counts against a project's or a member's monthly budget is the
 * subject's settled charges since the period started (`occurredAt >= periodStart`; periods start
 * at 00:00 UTC) plus its open reservations that have not expired at `at` (`expiresAt > at`).
 * Settled, released and expired reservations, other subjects' rows and earlier periods' charges
 * count nothing. The BFF computes the same rule in SQL over its daily rollup
 * (bff/src/features/ledger/budget-use.ts); the mock API calls this function; shared/test/budgets.test.ts
 * pins it with literal values.
 */
export function budgetUseMc(
  subject: BudgetSubject,
  period: { start: Date; at: Date },
  charges: Iterable<BudgetCharge>,
  holds: Iterable<BudgetHold>,
): bigint {
  const start = period.start.getTime();
  const at = period.at.getTime();
  const mine = (row: { projectId: string | null; userId: string | null }) => (subject.type === 'project' ? row.projectId : row.userId) === subject.id;
  let used = 0n;
  for (const c of charges) if (mine(c) && Date.parse(c.occurredAt) >= start) used += c.chargedMc;
  for (const h of holds) if (mine(h) && h.status === 'open' && Date.parse(h.expiresAt) > at) used += h.estimateMc;
  return used;
}
