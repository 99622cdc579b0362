import { describe, expect, it } from 'vitest';
import { BUNDLES, costMc, findModel, MONTHLY_ALLOWANCE_MC, overageInvoiceFor } from '../src/catalog';
import { formatCredits, formatUsd } from '../src/format';

describe('catalog', () => {
  it('has the four bundles of the seed page', () => {
    expect(BUNDLES.map((b) => [b.name, b.priceCents, b.credits, b.creditsPerDollar, b.savingsPercent, b.popular])).toEqual([
      ['Starter', 1000, 1000, 100, null, false],
      ['Professional', 5000, 5500, 110, 10, true],
      ['Enterprise', 25000, 28000, 112, 12, false],
      ['Ultimate', 50000, 58000, 116, 15, false],
    ]);
    // the printed rate is the bundle's own credits per dollar
    for (const b of BUNDLES) expect((b.credits * 100) / b.priceCents).toBe(b.creditsPerDollar);
    expect(MONTHLY_ALLOWANCE_MC).toBe(300_000);
  });

  it('charges ceil(in * rate / 1000) + ceil(out * rate / 1000) millicredits', () => {
    const model = { inputMcPer1k: 150, outputMcPer1k: 600 };
    expect(costMc(model, 1000, 1000)).toBe(750n);
    expect(costMc(model, 1, 1)).toBe(2n); // 0.15 -> 1, 0.6 -> 1
    expect(costMc(model, 0, 0)).toBe(0n);
    expect(costMc(model, 7, 3)).toBe(2n + 2n); // 1.05 -> 2, 1.8 -> 2
    expect(costMc(findModel('gpt-4o')!, 2_000_000_000, 2_000_000_000)).toBe(25_000_000_000n);
  });

  it('bills overage in whole credits, rounded up, at 40 cents', () => {
    expect(overageInvoiceFor(1n)).toEqual({ credits: 1n, amountCents: 40n });
    expect(overageInvoiceFor(1000n)).toEqual({ credits: 1n, amountCents: 40n });
    expect(overageInvoiceFor(1001n)).toEqual({ credits: 2n, amountCents: 80n });
    expect(overageInvoiceFor(250_000n)).toEqual({ credits: 250n, amountCents: 10_000n });
  });
});

describe('formatting', () => {
  it('formats millicredits without floating point', () => {
    expect(formatCredits(300_000)).toBe('300');
    expect(formatCredits(5_500_000)).toBe('5,500');
    expect(formatCredits(1_500)).toBe('1.5');
    expect(formatCredits(1)).toBe('0.001');
    expect(formatCredits(-10_250)).toBe('-10.25');
    expect(formatCredits(9_007_199_254_740_991n)).toBe('9,007,199,254,740.991');
  });

  it('formats cents as dollars', () => {
    expect(formatUsd(5000)).toBe('$50.00');
    expect(formatUsd(40)).toBe('$0.40');
    expect(formatUsd(123_456_789)).toBe('$1,234,567.89');
  });
});
