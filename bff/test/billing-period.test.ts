import { describe, expect, it } from 'vitest';
import { billingPeriodAt, periodBoundary } from '@ai-credits/shared/billing-period';

const d = (s: string) => new Date(s);
const iso = (x: Date) => x.toISOString();

describe('billing periods', () => {
  it('anchor on the 1st: periods start on the 1st at 00:00 UTC', () => {
    const anchor = d('2026-03-01T17:45:00Z');
    expect(iso(periodBoundary(anchor, 0))).toBe('2026-03-01T00:00:00.000Z');
    expect(iso(periodBoundary(anchor, 1))).toBe('2026-04-01T00:00:00.000Z');
    expect(iso(periodBoundary(anchor, 10))).toBe('2027-01-01T00:00:00.000Z');
  });

  it('anchor on the 15th, across a year end', () => {
    const anchor = d('2026-11-15T08:00:00Z');
    const p = billingPeriodAt(anchor, d('2027-01-20T00:00:00Z'));
    expect(p.index).toBe(2);
    expect(iso(p.start)).toBe('2027-01-15T00:00:00.000Z');
    expect(iso(p.end)).toBe('2027-02-15T00:00:00.000Z');
  });

  it('anchor on the 31st clamps to the last day of shorter months, and comes back to the 31st', () => {
    const anchor = d('2026-01-31T12:00:00Z');
    expect([1, 2, 3, 4].map((i) => iso(periodBoundary(anchor, i)).slice(0, 10))).toEqual(['2026-02-28', '2026-03-31', '2026-04-30', '2026-05-31']);
  });

  it('leap February: anchor 31 and anchor 29 land on Feb 29 in a leap year', () => {
    expect(iso(periodBoundary(d('2028-01-31T00:00:00Z'), 1))).toBe('2028-02-29T00:00:00.000Z');
    expect(iso(periodBoundary(d('2027-12-29T00:00:00Z'), 2))).toBe('2028-02-29T00:00:00.000Z');
    expect(iso(periodBoundary(d('2026-12-29T00:00:00Z'), 2))).toBe('2027-02-28T00:00:00.000Z');
  });

  it('the period containing an instant: start inclusive, end exclusive', () => {
    const anchor = d('2026-01-31T12:00:00Z');
    const atEnd = billingPeriodAt(anchor, d('2026-02-28T00:00:00Z'));
    expect(iso(atEnd.start)).toBe('2026-02-28T00:00:00.000Z');
    const justBefore = billingPeriodAt(anchor, d('2026-02-27T23:59:59.999Z'));
    expect(iso(justBefore.start)).toBe('2026-01-31T00:00:00.000Z');
    expect(iso(justBefore.end)).toBe('2026-02-28T00:00:00.000Z');
  });

  it('the creation instant lies in period 0', () => {
    const anchor = d('2026-05-15T23:59:00Z');
    const p = billingPeriodAt(anchor, anchor);
    expect(p.index).toBe(0);
    expect(p.start <= anchor && anchor < p.end).toBe(true);
  });
});
