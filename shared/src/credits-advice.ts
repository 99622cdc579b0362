import { BUNDLES, MC_PER_CREDIT, type Bundle } from './catalog';
import type { CreditSummary } from './contracts/credits';

/**
 * What the organization's credits mean for AI right now (issue 24: the page says what the engine
 * does). The engine refuses a request when its input plus a useful minimum of output does not fit
 * what is left (shared/budgets.ts); under one credit left, no AI feature's minimum fits, so the
 * page calls AI stopped, in red, instead of "in overage" in yellow.
 */
export const AI_STOPPED_BELOW_MC = MC_PER_CREDIT;

export type AiCreditState =
  | { kind: 'off' }
  /** No request fits any more: out of credits (no overage allowed) or the overage limit is (nearly) used up. */
  | { kind: 'stopped'; by: 'balance' | 'overage_limit'; roomMc: number }
  | { kind: 'overage'; roomMc: number }
  | { kind: 'low'; roomMc: number }
  | { kind: 'ok'; roomMc: number };

type SummaryFacts = Pick<CreditSummary, 'aiEnabled' | 'availableMc' | 'balanceMc' | 'lowBalance'> & { overage: Pick<CreditSummary['overage'], 'limitMc'> };

export function aiCreditState(s: SummaryFacts): AiCreditState {
  if (!s.aiEnabled) return { kind: 'off' };
  // What a request can still use: the available credits (negative in overage) plus the overage limit.
  const roomMc = s.availableMc + s.overage.limitMc;
  if (roomMc < AI_STOPPED_BELOW_MC) return { kind: 'stopped', by: s.overage.limitMc > 0 ? 'overage_limit' : 'balance', roomMc };
  if (s.balanceMc < 0) return { kind: 'overage', roomMc };
  if (s.lowBalance) return { kind: 'low', roomMc };
  return { kind: 'ok', roomMc };
}

const DAY_MS = 86_400_000;

/**
 * Which bundle covers the forecast until the reset (issue 24: "the dialog recommends the smallest
 * bundle that covers the forecast until the reset, or says none is needed"): the credits the
 * burn rate uses from now to the period's end, less what is available, in integer millicredits.
 * `bundle` is the smallest bundle that covers them, the largest when none does (`covers` false),
 * null when nothing is needed.
 */
export function bundleForForecast(input: { burnRateMcPerDay: number; periodEnd: string; availableMc: number; now: number }): {
  neededMc: number;
  bundle: Bundle | null;
  covers: boolean;
} {
  const msLeft = BigInt(Math.max(0, Date.parse(input.periodEnd) - input.now));
  const use = (BigInt(input.burnRateMcPerDay) * msLeft + BigInt(DAY_MS - 1)) / BigInt(DAY_MS);
  const needed = use - BigInt(input.availableMc);
  if (needed <= 0n) return { neededMc: 0, bundle: null, covers: true };
  const neededMc = Number(needed);
  const fits = BUNDLES.find((b) => b.credits * MC_PER_CREDIT >= neededMc);
  return { neededMc, bundle: fits ?? BUNDLES[BUNDLES.length - 1]!, covers: fits !== undefined };
}
