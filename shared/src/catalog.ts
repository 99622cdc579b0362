/**
 * Product catalogs: credit bundles, overage price, AI models and use cases.
 * Money is integer cents (USD); credits are integer millicredits (1 credit = 1000 mc).
 */
export const MC_PER_CREDIT = 1000;

/** Every new organization, and every new billing month, receives this allowance (seed page: 300 credits). */
export const MONTHLY_ALLOWANCE_MC = 300 * MC_PER_CREDIT;

/** Who sells the credits: printed on receipts as the seller. */
export const SELLER = { name: 'TestKase', product: 'AI Credits' } as const;

/** Beyond the balance, extra credits are billed at $0.40 per credit (seed page). */
export const OVERAGE_CENTS_PER_CREDIT = 40;

/** Below this balance the dashboard shows the low-balance banner (10% of the allowance). */
export const LOW_BALANCE_MC = 30 * MC_PER_CREDIT;

export const BUNDLE_IDS = ['starter', 'professional', 'enterprise', 'ultimate'] as const;
export type BundleId = (typeof BUNDLE_IDS)[number];

export interface Bundle {
  id: BundleId;
  name: string;
  priceCents: number;
  credits: number;
  /** Credits per dollar, as the seed page prints it ("$1 = 110 credits"). */
  creditsPerDollar: number;
  savingsPercent: number | null;
  popular: boolean;
}

export const BUNDLES: readonly Bundle[] = [
  { id: 'starter', name: 'Starter', priceCents: 1_000, credits: 1_000, creditsPerDollar: 100, savingsPercent: null, popular: false },
  { id: 'professional', name: 'Professional', priceCents: 5_000, credits: 5_500, creditsPerDollar: 110, savingsPercent: 10, popular: true },
  { id: 'enterprise', name: 'Enterprise', priceCents: 25_000, credits: 28_000, creditsPerDollar: 112, savingsPercent: 12, popular: false },
  { id: 'ultimate', name: 'Ultimate', priceCents: 50_000, credits: 58_000, creditsPerDollar: 116, savingsPercent: 15, popular: false },
];

export function findBundle(id: string): Bundle | undefined {
  return BUNDLES.find((b) => b.id === id);
}

export const USE_CASES = ['test_generation', 'chat', 'report'] as const;
export type UseCase = (typeof USE_CASES)[number];

export const USE_CASE_LABELS: Record<UseCase, string> = {
  test_generation: 'Test generation',
  chat: 'AI chat',
  report: 'AI report',
};

export interface ModelRate {
  id: string;
  label: string;
  /** Rates are data and versioned: a usage record keeps the version it was charged at. */
  rateVersion: number;
  /** Millicredits per 1,000 input tokens. */
  inputMcPer1k: number;
  /** Millicredits per 1,000 output tokens. */
  outputMcPer1k: number;
  /** True for the built-in offline model. */
  demo: boolean;
}

export const MODELS: readonly ModelRate[] = [
  { id: 'demo-model', label: 'Demo model (offline)', rateVersion: 1, inputMcPer1k: 500, outputMcPer1k: 1_500, demo: true },
  { id: 'gpt-4o-mini', label: 'GPT-4o mini', rateVersion: 1, inputMcPer1k: 150, outputMcPer1k: 600, demo: false },
  { id: 'gpt-4o', label: 'GPT-4o', rateVersion: 1, inputMcPer1k: 2_500, outputMcPer1k: 10_000, demo: false },
  { id: 'claude-sonnet', label: 'Claude Sonnet', rateVersion: 1, inputMcPer1k: 3_000, outputMcPer1k: 15_000, demo: false },
  { id: 'llama-3-70b', label: 'Llama 3 70B', rateVersion: 1, inputMcPer1k: 800, outputMcPer1k: 800, demo: false },
];

export function findModel(id: string): ModelRate | undefined {
  return MODELS.find((m) => m.id === id);
}

function ceilDiv(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b;
}

/** docs/product.md: cost = ceil(in * in_rate / 1000) + ceil(out * out_rate / 1000) millicredits. */
export function costMc(model: Pick<ModelRate, 'inputMcPer1k' | 'outputMcPer1k'>, inputTokens: number, outputTokens: number): bigint {
  return (
    ceilDiv(BigInt(inputTokens) * BigInt(model.inputMcPer1k), 1000n) +
    ceilDiv(BigInt(outputTokens) * BigInt(model.outputMcPer1k), 1000n)
  );
}

/** Overage is rounded up to whole credits per billing month, then priced at $0.40 each. */
export function overageInvoiceFor(overageMc: bigint): { credits: bigint; amountCents: bigint } {
  const credits = ceilDiv(overageMc, BigInt(MC_PER_CREDIT));
  return { credits, amountCents: credits * BigInt(OVERAGE_CENTS_PER_CREDIT) };
}

/** The overage rule in words, with the numbers it bills: "billed in whole credits: 46 credits = $18.40". */
export function overageRuleText(overageMc: bigint): string {
  const { credits, amountCents } = overageInvoiceFor(overageMc);
  const dollars = `$${amountCents / 100n}.${(amountCents % 100n).toString().padStart(2, '0')}`;
  return `billed in whole credits: ${credits.toLocaleString('en-US')} credit${credits === 1n ? '' : 's'} = ${dollars}`;
}

/** The price of one overage credit in words: "$0.40 per credit". */
export function overagePriceText(): string {
  return `$${Math.floor(OVERAGE_CENTS_PER_CREDIT / 100)}.${String(OVERAGE_CENTS_PER_CREDIT % 100).padStart(2, '0')} per credit`;
}

/**
 * A purchase made while in overage first pays the overage already used (docs/product.md, the ledger
 * grants it that way); the rest is added to the balance.
 */
export function splitPurchase(purchaseMc: bigint, balanceBeforeMc: bigint): { paysOverageMc: bigint; addedMc: bigint } {
  const debt = balanceBeforeMc < 0n ? -balanceBeforeMc : 0n;
  const paysOverageMc = debt < purchaseMc ? debt : purchaseMc;
  return { paysOverageMc, addedMc: purchaseMc - paysOverageMc };
}

/** The most tokens each AI feature lets the model write (the estimate reserves for this many). */
export const MAX_OUTPUT_TOKENS = { test_generation: 1_500, chat: 600, report: 900 } as const satisfies Record<UseCase, number>;
/**
 * The least output worth running for (docs/product.md "Consumption"): a run is refused only when its
 * input plus this many output tokens does not fit what is left; otherwise it holds up to its
 * maximum, capped at what is left, and the model may write only what that hold covers.
 */
export const MIN_OUTPUT_TOKENS = { test_generation: 500, chat: 150, report: 300 } as const satisfies Record<UseCase, number>;

/** The most output tokens (up to `max`) whose cost, with `inputTokens`, fits `holdMc` (costMc rounds each part up). */
export function outputTokensWithin(model: Pick<ModelRate, 'inputMcPer1k' | 'outputMcPer1k'>, inputTokens: number, holdMc: bigint, max: number): number {
  const left = holdMc - ceilDiv(BigInt(inputTokens) * BigInt(model.inputMcPer1k), 1000n);
  if (left <= 0n) return 0;
  const tokens = (left * 1000n) / BigInt(model.outputMcPer1k);
  return tokens < BigInt(max) ? Number(tokens) : max;
}
/** A typical answer's length, for the "about N credits" estimate. */
export const TYPICAL_OUTPUT_TOKENS = { test_generation: 700, chat: 200, report: 350 } as const satisfies Record<UseCase, number>;
