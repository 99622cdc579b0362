import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatBoundary, formatDate, formatDateTime, setTimeZoneChoice, timeZoneLabel, viewerDay, viewerDayStart } from './dates';

// Issue 24: "17:22 UTC is 22:52 in India". Every date on the page is in the viewer's zone, a
// billing period boundary says its UTC time too, and the viewer may choose UTC instead.
const saved = process.env.TZ;
beforeAll(() => {
  process.env.TZ = 'Asia/Kolkata';
});
afterAll(() => {
  process.env.TZ = saved;
  setTimeZoneChoice('local');
});

describe('dates in the viewer’s time zone', () => {
  it('shows moments in local time, named; calendar days as they are', () => {
    expect(formatDateTime('2026-12-05T17:22:00.000Z')).toBe('Dec 5, 2026, 22:52');
    expect(timeZoneLabel('2026-12-05T17:22:00.000Z')).toBe('GMT+5:30');
    expect(formatDate('2026-12-05T20:00:00.000Z')).toBe('Dec 6, 2026');
    expect(formatDate('2026-12-05')).toBe('Dec 5, 2026');
    expect(formatBoundary('2026-12-15T00:00:00.000Z')).toBe('Dec 15, 2026, 05:30 GMT+5:30 (00:00 UTC)');
    expect(formatBoundary('2026-12-14T20:00:00.000Z')).toBe('Dec 15, 2026, 01:30 GMT+5:30 (Dec 14, 2026, 20:00 UTC)');
  });

  it('turns the viewer’s days into the moments they start (the filters the API reads)', () => {
    expect(viewerDay(new Date('2026-12-05T20:00:00.000Z'))).toBe('2026-12-06');
    expect(viewerDayStart('2026-12-06')).toBe('2026-12-05T18:30:00.000Z');
    expect(viewerDayStart('2026-12-06', true)).toBe('2026-12-06T18:30:00.000Z');
  });

  it('shows UTC when the viewer chooses it', () => {
    setTimeZoneChoice('utc');
    expect(formatDateTime('2026-12-05T17:22:00.000Z')).toBe('Dec 5, 2026, 17:22');
    expect(timeZoneLabel()).toBe('UTC');
    expect(formatBoundary('2026-12-15T00:00:00.000Z')).toBe('Dec 15, 2026, 00:00 UTC');
    expect(viewerDayStart('2026-12-06')).toBe('2026-12-06T00:00:00.000Z');
  });
});
