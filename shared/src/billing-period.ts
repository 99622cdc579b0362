/**
 * Billing months are anchored to the org's creation instant in UTC: each period starts on the
 * anchor's day of month at 00:00 UTC, clamped to the month's last day (anchor 31 -> Feb 28/29).
 * Boundaries are always computed from the anchor, never from the previous period, so a short
 * February does not drag later periods earlier.
 */
export interface BillingPeriod {
  index: number;
  start: Date;
  end: Date;
}

export function periodBoundary(anchor: Date, index: number): Date {
  const firstOfMonth = new Date(Date.UTC(anchor.getUTCFullYear(), anchor.getUTCMonth() + index, 1));
  const year = firstOfMonth.getUTCFullYear();
  const month = firstOfMonth.getUTCMonth();
  const daysInMonth = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return new Date(Date.UTC(year, month, Math.min(anchor.getUTCDate(), daysInMonth)));
}

export function billingPeriodAt(anchor: Date, at: Date): BillingPeriod {
  let index = (at.getUTCFullYear() - anchor.getUTCFullYear()) * 12 + (at.getUTCMonth() - anchor.getUTCMonth());
  while (index > 0 && periodBoundary(anchor, index) > at) index--;
  while (periodBoundary(anchor, index + 1) <= at) index++;
  if (index < 0) index = 0;
  return { index, start: periodBoundary(anchor, index), end: periodBoundary(anchor, index + 1) };
}
