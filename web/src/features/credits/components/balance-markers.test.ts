import { describe, expect, it } from 'vitest';
import { axisCredits, balanceMarkers, dayTicks, labelRows } from './balance-markers';

describe('balance chart markers', () => {
  it('draws one marker per day, summing its purchases (labels never stack)', () => {
    const markers = balanceMarkers([
      { at: '2026-11-15T00:00:00.000Z', kind: 'reset', amountMc: 300_000 },
      { at: '2026-11-18T09:00:00.000Z', kind: 'purchase', amountMc: 1_000_000 },
      { at: '2026-11-18T09:05:00.000Z', kind: 'purchase', amountMc: 5_500_000 },
      { at: '2026-11-19T10:00:00.000Z', kind: 'purchase', amountMc: 1_000_000 },
    ]);
    expect(markers).toEqual([
      { t: Date.parse('2026-11-15T00:00:00.000Z'), kind: 'reset', count: 1, label: 'Reset' },
      { t: Date.parse('2026-11-18T09:00:00.000Z'), kind: 'purchase', count: 2, label: '+6,500 (2)' },
      { t: Date.parse('2026-11-19T10:00:00.000Z'), kind: 'purchase', count: 1, label: '+1,000' },
    ]);
  });

  it("merges the reset and a purchase of the same day (a new org's first day)", () => {
    const markers = balanceMarkers([
      { at: '2026-11-25T00:00:00.000Z', kind: 'reset', amountMc: 300_000 },
      { at: '2026-11-25T19:07:00.000Z', kind: 'purchase', amountMc: 5_500_000 },
    ]);
    expect(markers).toEqual([{ t: Date.parse('2026-11-25T00:00:00.000Z'), kind: 'purchase', count: 2, label: 'Reset · +5,500' }]);
  });

  it('formats axis ticks with thousands separators', () => {
    expect(axisCredits(12000)).toBe('12,000');
    expect(axisCredits(-1500)).toBe('-1,500');
    expect(axisCredits(0)).toBe('0');
  });

  // Issue 24: a new org's first day: the reset, a purchase and the run-out day within a few pixels.
  it("stacks labels that would overlap (a new org's reset, purchase and run-out) and keeps apart ones on one row", () => {
    const day = 86_400_000;
    const start = Date.parse('2026-12-05T00:00:00Z');
    const domain: [number, number] = [start, start + 31 * day];
    expect(
      labelRows(
        [
          { t: start, label: 'Reset · +5,500' },
          { t: start + day, label: 'Runs out' },
        ],
        domain,
        800,
      ),
    ).toEqual([0, 1]);
    expect(
      labelRows(
        [
          { t: start, label: 'Reset' },
          { t: start + 10 * day, label: '+5,500' },
          { t: start + 11 * day, label: 'Runs out' },
          { t: start + 20 * day, label: '+1,000' },
        ],
        domain,
        800,
      ),
    ).toEqual([0, 0, 1, 0]);
  });

  it('ticks the x-axis on UTC days across the whole period, not only where there are points', () => {
    const start = Date.parse('2026-12-05T07:00:00Z');
    const ticks = dayTicks(start, Date.parse('2027-01-05T00:00:00Z'), 8);
    expect(ticks[0]).toBe(Date.parse('2026-12-06T00:00:00Z'));
    expect(ticks.length).toBeLessThanOrEqual(8);
    expect(ticks.at(-1)).toBeGreaterThanOrEqual(Date.parse('2026-12-31T00:00:00Z'));
  });
});
