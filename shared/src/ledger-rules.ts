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

/** The 400 UNKNOWN_MODEL words, pointing at the page that lists the models and their rates (issue 22). */
export const unknownModelMessage = (id: string) => `Unknown model "${id}"; the models and their rates are listed in Settings → Models and rates (/settings/models)`;

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

export interface CoverageCall {
  availableMc: bigint;
  overageLimitMc: bigint;
  /** The most the call may cost. */
  costMc: bigint;
  /** The least it can usefully run with (shared/budgets.ts CoverageInput.minCostMc); defaults to `costMc`. */
  minCostMc?: bigint;
  projectBudget?: BudgetRoom | null;
  memberBudget?: BudgetRoom | null;
  /** Who can raise a limit or buy credits, named in the refusal ("Olivia Owner (the owner)"). */
  ownerName?: string | null;
}

export type CoverageDecision = { holdMc: bigint; refusal: null } | { holdMc: null; refusal: Refusal & { stoppedBy: CoverageLimit } };

/**
 * What a call may hold (its cost capped at the room left, when at least its minimum fits), or
 * the 402 to answer, naming the lowest limit (shared/budgets.ts checkCoverage) and the numbers.
 */
export function decideCoverage(input: CoverageCall): CoverageDecision {
  const { availableMc, overageLimitMc, costMc, projectBudget = null, memberBudget = null } = input;
  const minCostMc = input.minCostMc !== undefined && input.minCostMc < costMc ? input.minCostMc : costMc;
  const verdict = checkCoverage({ costMc, minCostMc, availableMc, overageLimitMc, projectBudgetLeftMc: projectBudget?.leftMc ?? null, memberBudgetLeftMc: memberBudget?.leftMc ?? null });
  if (verdict.fits) return { holdMc: verdict.holdMc, refusal: null };
  const { stoppedBy } = verdict;
  const needs = `Not enough credits left for this request: it needs ${minCostMc < costMc ? 'at least' : 'up to'} ${creditsInWords(minCostMc)} credits`;
  const owner = input.ownerName ? `${input.ownerName} (the owner)` : 'The organization owner';
  const refuse = (code: ErrorCode, message: string) => ({ holdMc: null, refusal: { status: 402 as const, code, stoppedBy, message } });
  if (stoppedBy === 'project_budget' || stoppedBy === 'member_budget') {
    const b = (stoppedBy === 'project_budget' ? projectBudget : memberBudget)!;
    const who = stoppedBy === 'project_budget' ? `project "${b.name ?? 'unnamed'}"` : `the member ${b.name ?? ''}`.trimEnd();
    return refuse(
      'BUDGET_REACHED',
      `${needs} and the monthly budget of ${who} has ${creditsInWords(verdict.roomMc > 0n ? verdict.roomMc : 0n)} of ${creditsInWords(b.limitMc)} credits left. ${owner} can raise the budget in Settings → Budgets.`,
    );
  }
  if (stoppedBy === 'balance') {
    return refuse('INSUFFICIENT_CREDITS', `${needs} and the organization has ${creditsInWords(availableMc > 0n ? availableMc : 0n)} available. ${owner} can buy credits or allow overage.`);
  }
  return refuse(
    'OVERAGE_LIMIT_REACHED',
    `${needs} and ${creditsInWords(verdict.roomMc > 0n ? verdict.roomMc : 0n)} are left under the monthly overage limit of ${creditsInWords(overageLimitMc)} credits. ${owner} can raise the limit or buy credits.`,
  );
}

/** Null when the call fits (see decideCoverage); else the 402 to answer, naming the lowest limit. */
export function coverageRefusal(input: CoverageCall): (Refusal & { stoppedBy: CoverageLimit }) | null {
  return decideCoverage(input).refusal;
}
