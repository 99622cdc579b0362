import { checkCoverage, type CoverageLimit } from './budgets';
import type { ErrorCode } from './errors';

/**
 * The ledger's refusals as pure rules (docs/product.md "Consumption"): the BFF throws them, the mock
 * API answers them, in the same words. Amounts in millicredits (bigint).
 */
export interface Refusal {
  status: 402 | 403;
  code: ErrorCode;
  message: string;
}

/** How long an unsettled reservation holds credits before it gives them back: the BFF's RESERVATION_TTL_SECONDS default, and the mock API's. */
export const DEFAULT_RESERVATION_TTL_SECONDS = 300;

export const AI_DISABLED_REFUSAL: Refusal = {
  status: 403,
  code: 'AI_DISABLED',
  message: 'AI features are turned off for this organization by its owner',
};

/** "1,234.5": millicredits as credits in words (up to 3 decimals). */
export function creditsInWords(mc: bigint): string {
  return (Number(mc) / 1000).toLocaleString('en-US', { maximumFractionDigits: 3 });
}

/** A budget that applies to a call: what is left of it this period and its limit (millicredits). */
export interface BudgetRoom {
  leftMc: bigint;
  limitMc: bigint;
  name: string | null;
}

/**
 * Null when `costMc` fits under every limit that applies (shared/budgets.ts checkCoverage: the
 * lowest limit wins); else the 402 to answer, naming that limit.
 */
export function coverageRefusal(input: {
  availableMc: bigint;
  overageLimitMc: bigint;
  costMc: bigint;
  projectBudget?: BudgetRoom | null;
  memberBudget?: BudgetRoom | null;
}): (Refusal & { stoppedBy: CoverageLimit }) | null {
  const { availableMc, overageLimitMc, costMc, projectBudget = null, memberBudget = null } = input;
  const verdict = checkCoverage({ costMc, availableMc, overageLimitMc, projectBudgetLeftMc: projectBudget?.leftMc ?? null, memberBudgetLeftMc: memberBudget?.leftMc ?? null });
  if (verdict.fits) return null;
  const { stoppedBy } = verdict;
  if (stoppedBy === 'project_budget' || stoppedBy === 'member_budget') {
    const b = (stoppedBy === 'project_budget' ? projectBudget : memberBudget)!;
    const who = stoppedBy === 'project_budget' ? `project "${b.name ?? 'unnamed'}"` : `the member ${b.name ?? ''}`.trimEnd();
    return {
      status: 402,
      code: 'BUDGET_REACHED',
      stoppedBy,
      message: `This needs up to ${creditsInWords(costMc)} credits and the monthly budget of ${who} has ${creditsInWords(verdict.roomMc > 0n ? verdict.roomMc : 0n)} of ${creditsInWords(b.limitMc)} credits left. The organization owner can raise the budget in Settings → Budgets.`,
    };
  }
  if (stoppedBy === 'balance') {
    return {
      status: 402,
      code: 'INSUFFICIENT_CREDITS',
      stoppedBy,
      message: `This needs up to ${creditsInWords(costMc)} credits and the organization has ${creditsInWords(availableMc > 0n ? availableMc : 0n)} available. The owner can buy credits or allow overage.`,
    };
  }
  return {
    status: 402,
    code: 'OVERAGE_LIMIT_REACHED',
    stoppedBy,
    message: `This needs up to ${creditsInWords(costMc)} credits, which would pass the monthly overage limit of ${creditsInWords(overageLimitMc)} credits. The owner can raise the limit or buy credits.`,
  };
}
