import type { ErrorCode } from './errors';

/**
 * The ledger's refusals as pure rules (PRODUCT.md "Consumption"): the BFF throws them, the mock
 * API answers them, in the same words. Amounts in millicredits (bigint).
 */
export interface Refusal {
  status: 402 | 403;
  code: ErrorCode;
  message: string;
}

export const AI_DISABLED_REFUSAL: Refusal = {
  status: 403,
  code: 'AI_DISABLED',
  message: 'AI features are turned off for this organization by its owner',
};

/** "1,234.5": millicredits as credits in words (up to 3 decimals). */
export function creditsInWords(mc: bigint): string {
  return (Number(mc) / 1000).toLocaleString('en-US', { maximumFractionDigits: 3 });
}

/** Null when `costMc` fits in what is available plus the overage limit; else the 402 to answer. */
export function coverageRefusal(input: { availableMc: bigint; overageLimitMc: bigint; costMc: bigint }): Refusal | null {
  const { availableMc, overageLimitMc, costMc } = input;
  if (costMc <= availableMc + overageLimitMc) return null;
  if (overageLimitMc === 0n) {
    return {
      status: 402,
      code: 'INSUFFICIENT_CREDITS',
      message: `This needs up to ${creditsInWords(costMc)} credits and the organization has ${creditsInWords(availableMc > 0n ? availableMc : 0n)} available. The owner can buy credits or allow overage.`,
    };
  }
  return {
    status: 402,
    code: 'OVERAGE_LIMIT_REACHED',
    message: `This needs up to ${creditsInWords(costMc)} credits, which would pass the monthly overage limit of ${creditsInWords(overageLimitMc)} credits. The owner can raise the limit or buy credits.`,
  };
}
