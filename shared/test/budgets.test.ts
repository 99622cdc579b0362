import { describe, expect, it } from 'vitest';
import { budgetUseMc, checkCoverage, crossedThresholds, type BudgetCharge, type BudgetHold } from '../src/budgets';
import { costMc, outputTokensWithin } from '../src/catalog';

describe('checkCoverage: the lowest limit wins', () => {
  it('fits when every limit has room, exactly up to the lowest', () => {
    expect(checkCoverage({ costMc: 5_000n, availableMc: 10_000n, overageLimitMc: 0n, projectBudgetLeftMc: 5_000n, memberBudgetLeftMc: 7_000n })).toMatchObject({ fits: true });
    expect(checkCoverage({ costMc: 10_000n, availableMc: 10_000n, overageLimitMc: 0n })).toMatchObject({ fits: true });
  });

  it('names the balance when there is no overage and no budget stops it first', () => {
    expect(checkCoverage({ costMc: 10_001n, availableMc: 10_000n, overageLimitMc: 0n, projectBudgetLeftMc: 50_000n })).toEqual({ fits: false, stoppedBy: 'balance', roomMc: 10_000n });
  });

  it('counts the overage limit on top of the available credits, and names it', () => {
    expect(checkCoverage({ costMc: 12_000n, availableMc: 10_000n, overageLimitMc: 2_000n })).toMatchObject({ fits: true });
    expect(checkCoverage({ costMc: 12_001n, availableMc: 10_000n, overageLimitMc: 2_000n })).toEqual({ fits: false, stoppedBy: 'overage_limit', roomMc: 12_000n });
    // in overage already: available is negative
    expect(checkCoverage({ costMc: 1_001n, availableMc: -1_000n, overageLimitMc: 2_000n })).toEqual({ fits: false, stoppedBy: 'overage_limit', roomMc: 1_000n });
  });

  it('a project budget below the balance stops it, whatever the balance', () => {
    expect(checkCoverage({ costMc: 3_000n, availableMc: 1_000_000n, overageLimitMc: 0n, projectBudgetLeftMc: 2_000n })).toEqual({ fits: false, stoppedBy: 'project_budget', roomMc: 2_000n });
  });

  it('the member budget wins over a larger project budget, and a spent budget has no room', () => {
    expect(checkCoverage({ costMc: 1_500n, availableMc: 300_000n, overageLimitMc: 0n, projectBudgetLeftMc: 2_000n, memberBudgetLeftMc: 1_000n })).toEqual({
      fits: false,
      stoppedBy: 'member_budget',
      roomMc: 1_000n,
    });
    expect(checkCoverage({ costMc: 1n, availableMc: 300_000n, overageLimitMc: 0n, memberBudgetLeftMc: 0n })).toEqual({ fits: false, stoppedBy: 'member_budget', roomMc: 0n });
  });

  it('on a tie between a budget and the balance, the budget is named', () => {
    expect(checkCoverage({ costMc: 2_001n, availableMc: 2_000n, overageLimitMc: 0n, projectBudgetLeftMc: 2_000n })).toEqual({ fits: false, stoppedBy: 'project_budget', roomMc: 2_000n });
  });

  it('a lower balance wins over a budget with more room', () => {
    expect(checkCoverage({ costMc: 1_500n, availableMc: 1_000n, overageLimitMc: 0n, memberBudgetLeftMc: 9_000n })).toEqual({ fits: false, stoppedBy: 'balance', roomMc: 1_000n });
  });
});

describe('crossedThresholds', () => {
  it('returns each threshold passed by this step, none twice', () => {
    expect(crossedThresholds([50, 75, 90, 100], 300_000n, 100_000n, 230_000n)).toEqual([50, 75]);
    expect(crossedThresholds([50, 75, 90, 100], 300_000n, 230_000n, 300_000n)).toEqual([90, 100]);
    expect(crossedThresholds([50, 75, 90, 100], 300_000n, 300_000n, 310_000n)).toEqual([]);
  });

  it('exactly at a threshold counts as crossed; one millicredit short does not', () => {
    expect(crossedThresholds([90], 10_000n, 0n, 9_000n)).toEqual([90]);
    expect(crossedThresholds([90], 10_000n, 0n, 8_999n)).toEqual([]);
  });

  it('nothing for a zero total or no increase', () => {
    expect(crossedThresholds([50], 0n, 0n, 10n)).toEqual([]);
    expect(crossedThresholds([50], 100n, 60n, 40n)).toEqual([]);
  });
});

describe('checkCoverage with a minimum (issue 24: holds that fit what is left)', () => {
  it('holds the whole cost when it fits, else the room left when at least the minimum fits', () => {
    expect(checkCoverage({ costMc: 1_270n, minCostMc: 400n, availableMc: 300_000n, overageLimitMc: 0n, memberBudgetLeftMc: 2_000n })).toEqual({ fits: true, holdMc: 1_270n });
    expect(checkCoverage({ costMc: 1_270n, minCostMc: 400n, availableMc: 300_000n, overageLimitMc: 0n, memberBudgetLeftMc: 1_000n })).toEqual({ fits: true, holdMc: 1_000n });
    expect(checkCoverage({ costMc: 1_270n, minCostMc: 400n, availableMc: 300_000n, overageLimitMc: 0n, memberBudgetLeftMc: 400n })).toEqual({ fits: true, holdMc: 400n });
  });

  it('refuses only when even the minimum does not fit, naming the lowest limit', () => {
    expect(checkCoverage({ costMc: 1_270n, minCostMc: 400n, availableMc: 300_000n, overageLimitMc: 0n, memberBudgetLeftMc: 399n })).toEqual({ fits: false, stoppedBy: 'member_budget', roomMc: 399n });
    expect(checkCoverage({ costMc: 1_270n, minCostMc: 400n, availableMc: -149_700n, overageLimitMc: 150_000n })).toEqual({ fits: false, stoppedBy: 'overage_limit', roomMc: 300n });
  });
});

describe('outputTokensWithin', () => {
  const rate = { inputMcPer1k: 500, outputMcPer1k: 1_500 };
  it('is the most output whose cost, with the input, fits the hold', () => {
    expect(outputTokensWithin(rate, 1_000, 1_400n, 600)).toBe(600);
    expect(outputTokensWithin(rate, 1_000, 1_000n, 600)).toBe(333);
    expect(costMc(rate, 1_000, 333)).toBeLessThanOrEqual(1_000n);
    expect(costMc(rate, 1_000, 334)).toBeGreaterThan(1_000n);
    expect(outputTokensWithin(rate, 1_000, 500n, 600)).toBe(0);
  });
});

describe('budgetUseMc: settled charges of the period plus open, unexpired reservations', () => {
  const P = 'project-a';
  const U = 'user-a';
  const period = { start: new Date('2026-12-01T00:00:00.000Z'), at: new Date('2026-12-06T12:00:00.000Z') };
  const charges: BudgetCharge[] = [
    { occurredAt: '2026-12-01T00:00:00.000Z', projectId: P, userId: U, chargedMc: 1_000n }, // the period's first instant counts
    { occurredAt: '2026-12-05T09:30:00.000Z', projectId: P, userId: 'user-b', chargedMc: 2_500n },
    { occurredAt: '2026-12-06T11:00:00.000Z', projectId: null, userId: U, chargedMc: 400n }, // no project
    { occurredAt: '2026-11-30T23:59:59.999Z', projectId: P, userId: U, chargedMc: 70_000n }, // last period
    { occurredAt: '2026-12-03T10:00:00.000Z', projectId: 'project-b', userId: 'user-b', chargedMc: 9_000n },
  ];
  const holds: BudgetHold[] = [
    { status: 'open', expiresAt: '2026-12-06T12:05:00.000Z', projectId: P, userId: U, estimateMc: 300n },
    { status: 'open', expiresAt: '2026-12-06T12:00:00.000Z', projectId: P, userId: U, estimateMc: 5_000n }, // expires at `at`: not held
    { status: 'settled', expiresAt: '2026-12-06T12:05:00.000Z', projectId: P, userId: U, estimateMc: 6_000n },
    { status: 'released', expiresAt: '2026-12-06T12:05:00.000Z', projectId: P, userId: U, estimateMc: 7_000n },
    { status: 'open', expiresAt: '2026-12-06T13:00:00.000Z', projectId: null, userId: 'user-b', estimateMc: 800n },
  ];

  it('a project: its charges this period and its open holds, whoever made them', () => {
    expect(budgetUseMc({ type: 'project', id: P }, period, charges, holds)).toBe(3_800n); // 1,000 + 2,500 + 300
  });

  it('a member: their charges on any project or none, and their open holds', () => {
    expect(budgetUseMc({ type: 'user', id: U }, period, charges, holds)).toBe(1_700n); // 1,000 + 400 + 300
    expect(budgetUseMc({ type: 'user', id: 'user-b' }, period, charges, holds)).toBe(12_300n); // 2,500 + 9,000 + 800
  });

  it('nothing for a subject without rows', () => {
    expect(budgetUseMc({ type: 'project', id: 'project-c' }, period, charges, holds)).toBe(0n);
    expect(budgetUseMc({ type: 'project', id: P }, period, [], [])).toBe(0n);
  });
});
