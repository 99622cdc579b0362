import type { UsageCharts } from '@ai-credits/shared/contracts/credits';
import { formatCredits } from '@ai-credits/shared/format';

export interface BalanceMarker {
  /** Epoch ms where the marker line is drawn (the first event of the day). */
  t: number;
  /** What colours the line: a purchase when the day has one. */
  kind: UsageCharts['events'][number]['kind'];
  label: string;
  /** Events merged into this marker (the screen reader table lists each of them anyway). */
  count: number;
}

/**
 * One marker per UTC day: several events on one day (two purchases, or the reset and a purchase
 * on a new org's first day) would otherwise draw their labels on top of each other. The merged
 * label says each kind once and sums the purchased credits: "Reset · +6,500 (2)".
 */
export function balanceMarkers(events: UsageCharts['events']): BalanceMarker[] {
  const days = new Map<string, { t: number; reset: boolean; adjustments: number; purchases: number; purchasedMc: number; count: number }>();
  for (const e of events) {
    const t = Date.parse(e.at);
    const key = e.at.slice(0, 10);
    const day = days.get(key) ?? { t, reset: false, adjustments: 0, purchases: 0, purchasedMc: 0, count: 0 };
    day.t = Math.min(day.t, t);
    day.count += 1;
    if (e.kind === 'reset') day.reset = true;
    else if (e.kind === 'adjustment') day.adjustments += 1;
    else {
      day.purchases += 1;
      day.purchasedMc += e.amountMc;
    }
    days.set(key, day);
  }
  return [...days.values()]
    .sort((a, b) => a.t - b.t)
    .map((d) => {
      const parts: string[] = [];
      if (d.reset) parts.push('Reset');
      if (d.purchases > 0) parts.push(`+${formatCredits(d.purchasedMc)}${d.purchases > 1 ? ` (${d.purchases})` : ''}`);
      if (d.adjustments > 0) parts.push('Adj.');
      const kind = d.purchases > 0 ? 'purchase' : d.reset ? 'reset' : 'adjustment';
      return { t: d.t, kind, count: d.count, label: parts.join(' · ') };
    });
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
/** Axis ticks in whole credits with thousands separators: "12,000", never "12000". */
export const axisCredits = (credits: number) => integer.format(credits);
