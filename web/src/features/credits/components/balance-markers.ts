import type { UsageCharts } from '@ai-credits/shared/contracts/credits';
import { formatCredits } from '@ai-credits/shared/format';

export interface BalanceMarker {
  /** Epoch ms where the marker line is drawn (the first event of the group). */
  t: number;
  kind: UsageCharts['events'][number]['kind'];
  label: string;
  /** Events merged into this marker (a screen reader table lists each of them anyway). */
  count: number;
}

/**
 * One marker per kind and UTC day: several purchases on one day would otherwise draw their
 * labels on top of each other ("+1,000" over "+5,500"). The merged label sums the credits.
 */
export function balanceMarkers(events: UsageCharts['events']): BalanceMarker[] {
  const groups = new Map<string, { t: number; kind: BalanceMarker['kind']; mc: number; count: number }>();
  for (const e of events) {
    const t = Date.parse(e.at);
    const key = `${e.kind}:${e.at.slice(0, 10)}`;
    const group = groups.get(key);
    if (group) {
      group.mc += e.amountMc;
      group.count += 1;
      group.t = Math.min(group.t, t);
    } else groups.set(key, { t, kind: e.kind, mc: e.amountMc, count: 1 });
  }
  return [...groups.values()]
    .sort((a, b) => a.t - b.t)
    .map((g) => ({
      t: g.t,
      kind: g.kind,
      count: g.count,
      label: g.kind === 'reset' ? 'Reset' : g.kind === 'purchase' ? `+${formatCredits(g.mc)}${g.count > 1 ? ` (${g.count})` : ''}` : 'Adj.',
    }));
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
/** Axis ticks in whole credits with thousands separators: "12,000", never "12000". */
export const axisCredits = (credits: number) => integer.format(credits);
