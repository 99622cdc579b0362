import {
  Area,
  AreaChart,
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { MC_PER_CREDIT, USE_CASES, USE_CASE_LABELS } from '@ai-credits/shared/catalog';
import type { UsageCharts } from '@ai-credits/shared/contracts/credits';
import { formatCredits } from '@ai-credits/shared/format';
import { formatDateTime, formatShortDate, timeZoneLabel } from '@/lib/dates';
import { useState } from 'react';
import { axisCredits, balanceMarkers, dayTicks, LABEL_ROW_PX, labelRows } from './balance-markers';

// Loaded lazily (React.lazy): everything Recharts lives in this chunk.

const USE_CASE_COLORS = { test_generation: '#4f46e5', chat: '#0ea5e9', report: '#f59e0b' } as const;
const BAR_COLOR = '#6366f1';
const AXIS = { fontSize: 12, fill: '#5b6475' };
// Legend text in the body text color (4.5:1 or better); the colored swatch beside it carries the series.
const LEGEND_TEXT = '#334155';

/** Chart axes work in (fractional) credits; labels are always formatted from integer millicredits. */
const toCredits = (mc: number) => mc / MC_PER_CREDIT;
// A tooltip also asks about series that have no point at the hovered x (value undefined -> NaN).
const creditsLabel = (credits: number) => (Number.isFinite(credits) ? `${formatCredits(Math.round(credits * MC_PER_CREDIT))} credits` : '—');
const Y_AXIS_WIDTH = 64;
const MARGIN = { top: 26, right: 16, bottom: 0, left: 0 };
const tooltipStyle = { borderRadius: 8, border: '1px solid #d8dde6', boxShadow: '0 4px 16px rgb(15 23 42 / 0.12)', fontSize: 13 };

export function DailyUsageChart({ daily }: { daily: UsageCharts['daily'] }) {
  const data = daily.map((d) => ({
    date: d.date,
    ...Object.fromEntries(USE_CASES.map((u) => [u, toCredits(d[u])])),
  }));
  return (
    <ResponsiveContainer width="100%" height="100%">
      <BarChart accessibilityLayer={false} data={data} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
        <CartesianGrid vertical={false} stroke="#eef0f4" />
        <XAxis dataKey="date" tickFormatter={(d: string) => formatShortDate(d)} tick={AXIS} minTickGap={16} />
        <YAxis tick={AXIS} width={56} allowDecimals={false} tickFormatter={axisCredits} />
        <Tooltip
          contentStyle={tooltipStyle}
          labelFormatter={(d) => formatShortDate(String(d))}
          formatter={(value, name) => [creditsLabel(Number(value)), USE_CASE_LABELS[name as keyof typeof USE_CASE_LABELS] ?? String(name)]}
        />
        <Legend
          formatter={(name: string) => <span style={{ color: LEGEND_TEXT }}>{USE_CASE_LABELS[name as keyof typeof USE_CASE_LABELS] ?? name}</span>}
          iconType="square"
        />
        {USE_CASES.map((u) => (
          <Bar key={u} dataKey={u} stackId="usage" fill={USE_CASE_COLORS[u]} maxBarSize={28} />
        ))}
      </BarChart>
    </ResponsiveContainer>
  );
}

export function BreakdownChart({ rows }: { rows: UsageCharts['byUser'] }) {
  const data = rows.map((r) => ({ label: r.label, credits: toCredits(r.mc) }));
  return (
    <ResponsiveContainer width="100%" height="100%">
      <BarChart accessibilityLayer={false} data={data} layout="vertical" margin={{ top: 4, right: 16, bottom: 0, left: 0 }}>
        <CartesianGrid horizontal={false} stroke="#eef0f4" />
        <XAxis type="number" tick={AXIS} allowDecimals={false} tickFormatter={axisCredits} />
        <YAxis type="category" dataKey="label" tick={AXIS} width={110} />
        <Tooltip contentStyle={tooltipStyle} cursor={{ fill: '#f1f3f9' }} formatter={(value) => [creditsLabel(Number(value)), 'Used']} />
        <Bar dataKey="credits" fill={BAR_COLOR} radius={[0, 4, 4, 0]} maxBarSize={22} />
      </BarChart>
    </ResponsiveContainer>
  );
}

export function BalanceChart({ balance, events, forecast }: Pick<UsageCharts, 'balance' | 'events' | 'forecast'>) {
  const data = balance.map((p) => ({ t: Date.parse(p.at), credits: toCredits(p.balanceMc) }));
  const last = data[data.length - 1];
  const runOut = forecast.runOutAt ? Date.parse(forecast.runOutAt) : null;
  // The forecast: a straight line from the balance now down to zero on the run-out day.
  const forecastData = last && runOut && runOut > last.t && last.credits > 0 ? [{ t: last.t, forecast: last.credits }, { t: runOut, forecast: 0 }] : [];
  const merged = [...data.map((d) => ({ ...d, forecast: undefined as number | undefined }))];
  for (const f of forecastData) {
    const match = merged.find((d) => d.t === f.t);
    if (match) match.forecast = f.forecast;
    else merged.push({ t: f.t, credits: Number.NaN, forecast: f.forecast });
  }
  merged.sort((a, b) => a.t - b.t);
  const periodEnd = Date.parse(forecast.periodEnd);
  const start = merged[0]?.t ?? periodEnd;
  // The labels of the markers (events and the run-out day) take rows above the plot so that
  // none overlaps another; the rows depend on the chart's width in pixels.
  const [width, setWidth] = useState(640);
  const plotWidth = Math.max(120, width - Y_AXIS_WIDTH - MARGIN.right);
  const markers = [
    ...balanceMarkers(events).map((m) => ({ key: `${m.kind}-${m.t}`, t: m.t, label: m.label, stroke: m.kind === 'reset' ? '#64748b' : '#16a34a', fill: '#334155', dash: '4 3' })),
    ...(runOut ? [{ key: 'runs-out', t: runOut, label: 'Runs out', stroke: '#dc2626', fill: '#b91c1c', dash: '2 2' }] : []),
  ];
  const rows = labelRows(markers, [start, periodEnd], plotWidth);
  const top = MARGIN.top + Math.max(0, ...rows) * LABEL_ROW_PX;
  const ticks = dayTicks(start, periodEnd, Math.max(2, Math.floor(plotWidth / 70)));

  return (
    <ResponsiveContainer width="100%" height="100%" onResize={(w) => setWidth(w)}>
      <AreaChart accessibilityLayer={false} data={merged} margin={{ ...MARGIN, top }}>
        <defs>
          <linearGradient id="balance-fill" x1="0" y1="0" x2="0" y2="1">
            <stop offset="0%" stopColor="#4f46e5" stopOpacity={0.25} />
            <stop offset="100%" stopColor="#4f46e5" stopOpacity={0.02} />
          </linearGradient>
        </defs>
        <CartesianGrid vertical={false} stroke="#eef0f4" />
        <XAxis
          dataKey="t"
          type="number"
          scale="time"
          domain={[start, periodEnd]}
          ticks={ticks}
          tickFormatter={(t: number) => formatShortDate(t)}
          tick={AXIS}
          minTickGap={24}
        />
        <YAxis tick={AXIS} width={Y_AXIS_WIDTH} allowDecimals={false} tickFormatter={axisCredits} />
        <Tooltip
          contentStyle={tooltipStyle}
          labelFormatter={(t) => `${formatDateTime(Number(t))} ${timeZoneLabel(Number(t))}`}
          formatter={(value, name) => [creditsLabel(Number(value)), name === 'forecast' ? 'Forecast' : 'Balance']}
        />
        <ReferenceLine y={0} stroke="#94a3b8" />
        {markers.map((m, i) => (
          <ReferenceLine
            key={m.key}
            x={m.t}
            stroke={m.stroke}
            strokeDasharray={m.dash}
            label={{ value: m.label, position: 'top', offset: 5 + (rows[i] ?? 0) * LABEL_ROW_PX, fontSize: 11, fill: m.fill }}
          />
        ))}
        <Area type="stepAfter" dataKey="credits" stroke="#4f46e5" strokeWidth={2} fill="url(#balance-fill)" connectNulls isAnimationActive={false} />
        <Area type="linear" dataKey="forecast" stroke="#dc2626" strokeDasharray="6 4" fill="none" connectNulls isAnimationActive={false} />
      </AreaChart>
    </ResponsiveContainer>
  );
}
