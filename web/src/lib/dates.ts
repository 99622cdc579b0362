/** Dates are shown in UTC, the time zone billing periods are defined in (docs/product.md: "with the time zone"). */
const dateFormat = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeZone: 'UTC' });
const dateTimeFormat = new Intl.DateTimeFormat('en-US', {
  month: 'short',
  day: 'numeric',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
  timeZone: 'UTC',
});
const shortDateFormat = new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });

function toDate(value: string | number | Date): Date {
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)) return new Date(`${value}T00:00:00Z`);
  return new Date(value);
}

/** "Dec 15, 2026" */
export function formatDate(value: string | number | Date): string {
  return dateFormat.format(toDate(value));
}

/** "Dec 15, 2026, 14:05" (UTC; say so next to it) */
export function formatDateTime(value: string | number | Date): string {
  return dateTimeFormat.format(toDate(value));
}

/** "Dec 15" */
export function formatShortDate(value: string | number | Date): string {
  return shortDateFormat.format(toDate(value));
}

/** `YYYY-MM-DD` of a UTC day, `days` days before `now`. */
export function isoDayUtc(now: Date, daysBack = 0): string {
  return new Date(now.getTime() - daysBack * 86_400_000).toISOString().slice(0, 10);
}
