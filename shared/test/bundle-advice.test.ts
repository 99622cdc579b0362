import { describe, expect, it } from 'vitest';
import { bundleForForecast } from '../src/credits-advice';

// Issue 24: the buy dialog recommends the smallest bundle that covers the forecast until the reset.
const now = Date.parse('2026-12-05T12:00:00Z');
const periodEnd = '2026-12-15T12:00:00.000Z'; // 10 days left

describe('bundleForForecast', () => {
  it('says none is needed when the credits last until the reset', () => {
    expect(bundleForForecast({ burnRateMcPerDay: 20_000, periodEnd, availableMc: 200_000, now })).toEqual({ neededMc: 0, bundle: null, covers: true });
  });

  it('picks the smallest bundle that covers what the forecast still needs', () => {
    // 200 credits/day for 10 days = 2,000; 500 available -> 1,500 more: Starter (1,000) is too small, Professional (5,500) covers it.
    const advice = bundleForForecast({ burnRateMcPerDay: 200_000, periodEnd, availableMc: 500_000, now });
    expect(advice.neededMc).toBe(1_500_000);
    expect(advice.bundle?.id).toBe('professional');
    expect(advice.covers).toBe(true);
    expect(bundleForForecast({ burnRateMcPerDay: 100_000, periodEnd, availableMc: 0, now }).bundle?.id).toBe('starter');
  });

  it('offers the largest bundle, saying it does not cover everything, past the largest', () => {
    const advice = bundleForForecast({ burnRateMcPerDay: 10_000_000, periodEnd, availableMc: 0, now });
    expect(advice).toMatchObject({ neededMc: 100_000_000, covers: false });
    expect(advice.bundle?.id).toBe('ultimate');
  });

  it('counts an overdrawn balance as credits needed, in whole millicredits rounded up', () => {
    expect(bundleForForecast({ burnRateMcPerDay: 1, periodEnd, availableMc: -3_000, now }).neededMc).toBe(3_010);
  });
});
