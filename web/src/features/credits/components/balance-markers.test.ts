import { describe, expect, it } from 'vitest';
import { axisCredits, balanceMarkers } from './balance-markers';

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
});
