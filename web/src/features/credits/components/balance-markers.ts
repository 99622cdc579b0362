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

/** Approximate width of a marker label at the chart's 11 px font (average glyph ~6.5 px), with a gap. */
const labelWidth = (label: string) => label.length * 6.5 + 10;
/** Height of one row of marker labels above the plot. */
export const LABEL_ROW_PX = 14;

/**
 * The row (0 = nearest the plot) of each marker label above the balance chart, so that no two
 * overlap (issue 24: "Reset", "Runs out" and "+5,500" of a new org's first day sat on top of each
 * other). Labels are centred on their line; each takes the lowest row where it clears every
 * label already placed there. `plotWidth` is the plotting area in pixels over `domain` (epoch ms).
 */
export function labelRows(labels: { t: number; label: string }[], domain: [number, number], plotWidth: number): number[] {
  const span = Math.max(1, domain[1] - domain[0]);
  const placed: { left: number; right: number }[][] = [];
  return labels.map(({ t, label }) => {
    const centre = ((t - domain[0]) / span) * plotWidth;
    const half = labelWidth(label) / 2;
    const box = { left: centre - half, right: centre + half };
    let row = 0;
    while (placed[row]?.some((b) => b.left < box.right && box.left < b.right)) row += 1;
    (placed[row] ??= []).push(box);
    return row;
  });
}

/** UTC midnights from `start` to `end` (the x-axis ticks: days even where there are no points). */
export function dayTicks(start: number, end: number, maxTicks: number): number[] {
  const DAY = 86_400_000;
  const first = Math.ceil(start / DAY) * DAY;
  const days = Math.max(1, Math.floor((end - first) / DAY) + 1);
  const step = Math.max(1, Math.ceil(days / Math.max(1, maxTicks)));
  const ticks: number[] = [];
  for (let t = first; t <= end; t += step * DAY) ticks.push(t);
  return ticks;
}
