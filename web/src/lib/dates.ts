import { useSyncExternalStore } from 'react';

/**
 * Dates and times in the viewer's time zone (issue 24: 17:22 UTC is 22:52 in India), or in UTC
 * when the signed-in user chose it. The choice is the user's, saved on the server (the session
 * carries it, PUT /api/auth/preferences changes it): `followSessionPreferences` in
 * api/session-queries.ts sets it here from the session, so two people sharing a browser keep
 * their own and another browser shows the same. Signed out: local. Billing periods are defined in
 * UTC (docs/product.md): where a boundary is shown, its UTC time is said too. Calendar days
 * (`YYYY-MM-DD`, the charts' days) are days, shown as they are. The CSV stays UTC.
 */
type TimeZoneChoice = 'local' | 'utc';
let choice: TimeZoneChoice = 'local';
const listeners = new Set<() => void>();

export function timeZoneChoice(): TimeZoneChoice {
  return choice;
}

/** The choice the page shows from now on (from the session, or the toggle before the server answers). */
export function setTimeZoneChoice(next: TimeZoneChoice): void {
  if (next === choice) return;
  choice = next;
  for (const listener of listeners) listener();
}

/** Re-renders with the viewer's choice (the page keys its content on it). */
export function useTimeZoneChoice(): TimeZoneChoice {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    timeZoneChoice,
    () => 'local',
  );
}

const zone = (): string | undefined => (timeZoneChoice() === 'utc' ? 'UTC' : undefined);

const formats = new Map<string, Intl.DateTimeFormat>();
function format(kind: 'date' | 'dateTime' | 'short' | 'time' | 'zone', timeZone: string | undefined): Intl.DateTimeFormat {
  const key = `${kind}|${timeZone ?? ''}`;
  let f = formats.get(key);
  if (!f) {
    const options: Intl.DateTimeFormatOptions =
      kind === 'date'
        ? { dateStyle: 'medium' }
        : kind === 'short'
          ? { month: 'short', day: 'numeric' }
          : kind === 'time'
            ? { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }
            : kind === 'zone'
              ? { timeZoneName: 'short' }
              : { month: 'short', day: 'numeric', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
    f = new Intl.DateTimeFormat('en-US', { ...options, timeZone });
    formats.set(key, f);
  }
  return f;
}

const isDay = (value: unknown): value is string => typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value);
const toDate = (value: string | number | Date) => (isDay(value) ? new Date(`${value}T00:00:00Z`) : new Date(value));
/** A calendar day is the same day everywhere; a moment is shown in the viewer's zone. */
const zoneOf = (value: string | number | Date) => (isDay(value) ? 'UTC' : zone());

/** "Dec 15, 2026" */
export function formatDate(value: string | number | Date): string {
  return format('date', zoneOf(value)).format(toDate(value));
}

/** "Dec 15, 2026, 14:05" (in the viewer's zone; `timeZoneLabel()` names it) */
export function formatDateTime(value: string | number | Date): string {
  return format('dateTime', zoneOf(value)).format(toDate(value));
}

/** "Dec 15" */
export function formatShortDate(value: string | number | Date): string {
  return format('short', zoneOf(value)).format(toDate(value));
}

/** "Dec 15, 2026, 05:30 GMT+5:30 (00:00 UTC)": a billing period boundary, in both zones when they differ. */
export function formatBoundary(value: string | number | Date): string {
  const local = `${formatDateTime(value)} ${timeZoneLabel(value)}`;
  if (zone() === 'UTC' || timeZoneLabel(value) === 'UTC') return local;
  const utcDay = format('date', 'UTC').format(toDate(value));
  const sameDay = utcDay === formatDate(value);
  return `${local} (${sameDay ? '' : `${utcDay}, `}${format('time', 'UTC').format(toDate(value))} UTC)`;
}

/** The viewer's zone as the page names it: "UTC", "GMT+5:30", "PST". */
export function timeZoneLabel(at: string | number | Date = Date.now()): string {
  return format('zone', zone()).formatToParts(toDate(at)).find((p) => p.type === 'timeZoneName')?.value ?? 'UTC';
}

/** `YYYY-MM-DD` of the viewer's day `daysBack` days before `now`. */
export function viewerDay(now: Date, daysBack = 0): string {
  const t = new Date(now.getTime());
  if (zone() === 'UTC') {
    t.setUTCDate(t.getUTCDate() - daysBack);
    return t.toISOString().slice(0, 10);
  }
  t.setDate(t.getDate() - daysBack);
  return `${t.getFullYear()}-${String(t.getMonth() + 1).padStart(2, '0')}-${String(t.getDate()).padStart(2, '0')}`;
}

/** The moment a viewer's day (`YYYY-MM-DD`) starts, as an ISO date-time for the API; `next` gives the next day's start. */
export function viewerDayStart(day: string, next = false): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const date = zone() === 'UTC' ? new Date(Date.UTC(y, m - 1, d + (next ? 1 : 0))) : new Date(y, m - 1, d + (next ? 1 : 0));
  return date.toISOString();
}
