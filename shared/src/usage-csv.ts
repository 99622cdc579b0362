import type { UsageRow } from './contracts/credits';

/**
 * The usage history as CSV (docs/product.md "Usage history"): one header, one line per row. The BFF
 * streams it, the mock API writes it; both from these functions, so the columns cannot drift.
 */
export const USAGE_CSV_COLUMNS = [
  'Date',
  'Use Case',
  'User',
  'API Key',
  'Project',
  'Model',
  'Input Tokens',
  'Output Tokens',
  'Credits Consumed',
  'Overage Credits',
  'Millicredits Consumed',
] as const;

export const USAGE_CSV_HEADER = `${USAGE_CSV_COLUMNS.join(',')}\r\n`;

/** CSV cell: quoted when needed, and never starting with a formula character (CSV injection). */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** Millicredits as an exact decimal number of credits: 1500 -> "1.5". */
export function mcToDecimal(mc: number): string {
  const abs = Math.abs(mc);
  const frac = abs % 1000;
  return `${mc < 0 ? '-' : ''}${Math.trunc(abs / 1000)}${frac ? '.' + String(frac).padStart(3, '0').replace(/0+$/, '') : ''}`;
}

/** One CSV line (with its CRLF) for a usage row. */
export function usageCsvLine(row: UsageRow): string {
  return (
    [
      row.occurredAt,
      row.useCase,
      row.user?.name ?? (row.apiKey ? '' : 'API'),
      row.apiKey?.name ?? '',
      row.project?.name ?? '',
      row.model,
      String(row.inputTokens),
      String(row.outputTokens),
      mcToDecimal(row.chargedMc),
      mcToDecimal(row.overageMc),
      String(row.chargedMc),
    ]
      .map(csvCell)
      .join(',') + '\r\n'
  );
}
