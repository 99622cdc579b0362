import { USE_CASE_LABELS, type UseCase } from './catalog';
import type { Statement } from './contracts/billing';
import { csvCell, mcToDecimal } from './usage-csv';

/**
 * The monthly statement as CSV (ADR 035): one line per figure, in the order of the statement,
 * signed as it moves the balance. Times are ISO 8601 in UTC (the header says so); credits are exact
 * decimals of the millicredits beside them. The BFF and the mock API both write it from here.
 */
export const STATEMENT_CSV_COLUMNS = ['Line', 'Time (UTC)', 'Description', 'Credits', 'Millicredits', 'Amount (USD cents)'] as const;

export const useCaseLabel = (useCase: string) => USE_CASE_LABELS[useCase as UseCase] ?? useCase;

const KIND_LABEL = { purchase: 'Purchase', auto_topup: 'Auto top-up', adjustment: 'Adjustment' } as const;

export function statementCsv(s: Statement): string {
  const { period } = s;
  const closedAt = period.current ? s.asOf : period.end;
  const rows: (string | number | null)[][] = [
    ['Period', period.start, `Billing period ${period.start} to ${period.end} (UTC)${period.current ? `, so far: as of ${s.asOf}` : ''}`, null, null, null],
    ['Opening balance', period.start, `Balance at the start of the period`, s.openingMc, s.openingMc, null],
    ['Monthly allowance', period.start, 'Credits included in the plan this month', s.allowanceMc, s.allowanceMc, null],
    ...s.credits.map((c) => [KIND_LABEL[c.kind], c.at, c.taxInvoiceNumber ? `${c.description} (tax invoice ${c.taxInvoiceNumber})` : c.description, c.mc, c.mc, c.amountCents]),
    ...s.usageByUseCase.map((u) => ['Usage', null, `${useCaseLabel(u.useCase)} (${u.calls} ${u.calls === 1 ? 'call' : 'calls'})`, -u.mc, -u.mc, null]),
    ['Expired at the reset', period.current ? null : period.end, 'Unused credits that expired when the period ended', -s.expiredMc, -s.expiredMc, null],
    [
      'Overage invoiced',
      period.current ? null : period.end,
      s.overageInvoice ? `Overage moved to an invoice: ${s.overageInvoice.credits} credits (${s.overageInvoice.status})` : 'No overage at the reset',
      s.overageInvoicedMc,
      s.overageInvoicedMc,
      s.overageInvoice?.amountCents ?? null,
    ],
    ['Closing balance', closedAt, period.current ? 'Balance so far' : 'Balance at the end of the period', s.closingMc, s.closingMc, null],
  ];
  // Column 3 is credits: the exact decimal of the millicredits (column 4).
  const cell = (value: string | number | null, col: number) => (value === null ? '' : typeof value === 'number' ? (col === 3 ? mcToDecimal(value) : String(value)) : csvCell(value));
  return [STATEMENT_CSV_COLUMNS, ...rows].map((cells) => cells.map(cell).join(',') + '\r\n').join('');
}
