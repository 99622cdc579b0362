import { describe, expect, it } from 'vitest';
import { overagePriceText, overageRuleText, splitPurchase } from '../src/catalog';
import { forecastCredits } from '../src/forecast';
import { creditsUnit, formatCreditsAvailable, formatCreditsExact, formatCreditsFixed2, formatCreditsUsed, withCreditsUnit } from '../src/format';

describe('headline figures in whole credits', () => {
  it('rounds what is available down', () => {
    expect(formatCreditsAvailable(12_999)).toBe('12');
    expect(formatCreditsAvailable(1_234_000)).toBe('1,234');
    expect(formatCreditsAvailable(0)).toBe('0');
    expect(formatCreditsAvailable(-42_500)).toBe('-43');
    expect(formatCreditsAvailable(-42_000)).toBe('-42');
  });

  it('rounds what was used up', () => {
    expect(formatCreditsUsed(200)).toBe('1');
    expect(formatCreditsUsed(12_001)).toBe('13');
    expect(formatCreditsUsed(12_000)).toBe('12');
    expect(formatCreditsUsed(0)).toBe('0');
    expect(formatCreditsUsed(1_234_567)).toBe('1,235');
  });
});

describe('table figures with two decimals', () => {
  it('keeps two decimals and rounds the third half away from zero', () => {
    expect(formatCreditsFixed2(1_500)).toBe('1.50');
    expect(formatCreditsFixed2(1_234_565)).toBe('1,234.57');
    expect(formatCreditsFixed2(1_234_564)).toBe('1,234.56');
    expect(formatCreditsFixed2(0)).toBe('0.00');
    expect(formatCreditsFixed2(4)).toBe('0.00');
    expect(formatCreditsFixed2(5)).toBe('0.01');
    expect(formatCreditsFixed2(-42_500)).toBe('-42.50');
    expect(formatCreditsFixed2(-4)).toBe('0.00');
  });

  it('gives the exact value in millicredits for a tooltip', () => {
    expect(formatCreditsExact(1_234_565)).toBe('1,234.565 credits (1,234,565 millicredits)');
    expect(formatCreditsExact(600)).toBe('0.6 credits (600 millicredits)');
  });
});

describe('overage rule', () => {
  it('states the whole credits it bills and their price, from the catalog', () => {
    expect(overageRuleText(45_200n)).toBe('billed in whole credits: 46 credits = $18.40');
    expect(overageRuleText(1n)).toBe('billed in whole credits: 1 credit = $0.40');
    expect(overageRuleText(0n)).toBe('billed in whole credits: 0 credits = $0.00');
    expect(overagePriceText()).toBe('$0.40 per credit');
  });

  it('splits a purchase made in overage into what paid the overage and what was added', () => {
    expect(splitPurchase(1_000_000n, -42_500n)).toEqual({ paysOverageMc: 42_500n, addedMc: 957_500n });
    expect(splitPurchase(1_000_000n, 5_000n)).toEqual({ paysOverageMc: 0n, addedMc: 1_000_000n });
    expect(splitPurchase(1_000_000n, -1_500_000n)).toEqual({ paysOverageMc: 1_000_000n, addedMc: 0n });
  });
});

describe('forecast', () => {
  // Period ends 2026-12-15T00:00Z; now is 2026-11-20T06:00Z: today plus 24 whole days until the reset.
  const base = { now: new Date('2026-11-20T06:00:00Z'), periodEnd: new Date('2026-12-15T00:00:00Z') };

  it('averages the whole days and does not scale today up to a full day', () => {
    // 7 whole days used 70 credits: 10 a day. Today used 2 by 06:00 (a full-day extrapolation would say 8 a day).
    const f = forecastCredits({ ...base, availableMc: 500_000n, wholeDaysMc: 70_000n, wholeDays: 7, todayMc: 2_000n });
    expect(f).toEqual({ rateMcPerDay: 10_000n, restOfTodayMc: 8_000n, untilResetMc: 248_000n, runOutDay: null, expiringMc: 252_000n });
  });

  it("keeps today's pace when today already used more than the average", () => {
    const f = forecastCredits({ ...base, availableMc: 100_000n, wholeDaysMc: 70_000n, wholeDays: 7, todayMc: 25_000n });
    // Nothing more expected today; 10 a day after: 100 credits last 10 more days, into Nov 30.
    expect(f).toEqual({ rateMcPerDay: 10_000n, restOfTodayMc: 0n, untilResetMc: 240_000n, runOutDay: '2026-11-30', expiringMc: 0n });
  });

  it("uses today's usage on an org's first day, as it is", () => {
    const f = forecastCredits({ ...base, availableMc: 295_000n, wholeDaysMc: 0n, wholeDays: 0, todayMc: 5_000n });
    // 5 a day: 24 more days use 120; 175 credits expire at the reset.
    expect(f).toEqual({ rateMcPerDay: 5_000n, restOfTodayMc: 0n, untilResetMc: 120_000n, runOutDay: null, expiringMc: 175_000n });
  });

  it('says everything expires when nothing is used', () => {
    const f = forecastCredits({ ...base, availableMc: 300_000n, wholeDaysMc: 0n, wholeDays: 5, todayMc: 0n });
    expect(f).toEqual({ rateMcPerDay: 0n, restOfTodayMc: 0n, untilResetMc: 0n, runOutDay: null, expiringMc: 300_000n });
  });

  it('runs out today when the rest of today needs more than is available, and at once in overage', () => {
    expect(forecastCredits({ ...base, availableMc: 5_000n, wholeDaysMc: 70_000n, wholeDays: 7, todayMc: 2_000n }).runOutDay).toBe('2026-11-20');
    expect(forecastCredits({ ...base, availableMc: -1_000n, wholeDaysMc: 0n, wholeDays: 0, todayMc: 0n })).toEqual({
      rateMcPerDay: 0n,
      restOfTodayMc: 0n,
      untilResetMc: 0n,
      runOutDay: '2026-11-20',
      expiringMc: 0n,
    });
  });

  it('runs out on the last day before the reset when the credits cover exactly that', () => {
    // 8 today + 24 days x 10 = 248 credits: exactly enough until the reset.
    const f = forecastCredits({ ...base, availableMc: 248_000n, wholeDaysMc: 70_000n, wholeDays: 7, todayMc: 2_000n });
    expect(f.runOutDay).toBe('2026-12-14');
    expect(f.expiringMc).toBe(0n);
    expect(forecastCredits({ ...base, availableMc: 248_001n, wholeDaysMc: 70_000n, wholeDays: 7, todayMc: 2_000n }).runOutDay).toBeNull();
  });
});

describe('the unit after a number (issue 24: "1 credits")', () => {
  it('is singular for exactly one, plural otherwise', () => {
    expect(withCreditsUnit(formatCreditsUsed(1_000))).toBe('1 credit');
    expect(withCreditsUnit(formatCreditsUsed(200))).toBe('1 credit');
    expect(withCreditsUnit(formatCreditsFixed2(1_000))).toBe('1.00 credits');
    expect(withCreditsUnit(formatCreditsAvailable(2_500))).toBe('2 credits');
    expect(withCreditsUnit(formatCreditsAvailable(0))).toBe('0 credits');
    expect(creditsUnit('-1')).toBe('credit');
    expect(creditsUnit('1,001')).toBe('credits');
  });
});
