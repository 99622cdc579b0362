import PDFDocument from 'pdfkit';
import type { Statement } from '@ai-credits/shared/contracts/billing';
import { formatCredits, formatUsd } from '@ai-credits/shared/format';
import { useCaseLabel } from '@ai-credits/shared/statement-csv';
import { pdfBytes } from './tax-invoice-pdf';

const day = (iso: string) => iso.slice(0, 10);
const time = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;
/** Exact credits (no rounding: up to three decimals, the millicredit), signed as they move the balance. */
const signed = (mc: number) => (mc > 0 ? `+${formatCredits(mc)}` : formatCredits(mc));
const KIND = { purchase: 'Purchase', auto_topup: 'Auto top-up', adjustment: 'Adjustment' } as const;

/**
 * The monthly statement as a PDF (pdfkit, as the tax invoice: ADR 031), from the statement the
 * JSON endpoint answers, so the two cannot differ (ADR 035).
 */
export function renderStatementPdf(s: Statement, options: { testMode: boolean }): Promise<Buffer> {
  const title = `Statement ${day(s.period.start)} to ${day(s.period.end)}`;
  const pdf = new PDFDocument({ size: 'A4', margin: 50, info: { Title: title, Subject: `AI credits statement of ${s.orgName}`, CreationDate: new Date(s.asOf) } });
  const done = pdfBytes(pdf);
  const left = 50;
  const width = pdf.page.width - 100;
  const amountX = left + width - 120;

  pdf.font('Helvetica-Bold').fontSize(18).text('AI Credits statement', left, 50);
  if (options.testMode) pdf.font('Helvetica').fontSize(9).fillColor('#a00').text('Test mode (sandbox): no real money was charged.').fillColor('#000');
  pdf.moveDown(0.5).font('Helvetica').fontSize(10);
  const facts: [string, string][] = [
    ['Organization', s.orgName],
    ['Billing period', `${time(s.period.start)} to ${time(s.period.end)}`],
    ['Status', s.period.current ? `Open period: so far, as of ${time(s.asOf)}` : 'Closed at the reset'],
  ];
  // Label and value in their own columns (a `continued` run overlaps in viewers that substitute Helvetica).
  for (const [label, value] of facts) {
    const y = pdf.y;
    pdf.font('Helvetica-Bold').text(`${label}:`, left, y, { width: 95 });
    pdf.font('Helvetica').text(value, left + 100, y, { width: width - 100 });
    pdf.x = left;
  }
  pdf.moveDown(1);

  const row = (label: string, mc: number | null, opts: { bold?: boolean; note?: string } = {}) => {
    const y = pdf.y;
    pdf.font(opts.bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(10);
    pdf.text(label, left, y, { width: amountX - left - 10 });
    const bottom = pdf.y;
    if (mc !== null) pdf.text(`${opts.bold ? formatCredits(mc) : signed(mc)} credits`, amountX, y, { width: 120, align: 'right' });
    pdf.y = Math.max(bottom, pdf.y);
    if (opts.note) pdf.font('Helvetica').fontSize(8).fillColor('#555').text(opts.note, left + 12, pdf.y, { width: amountX - left - 20 }).fillColor('#000');
    pdf.y += 3;
    pdf.x = left;
  };
  const rule = () => {
    pdf.moveTo(left, pdf.y).lineTo(left + width, pdf.y).strokeColor('#999').stroke();
    pdf.y += 5;
  };

  row('Opening balance', s.openingMc, { bold: true });
  rule();
  row('Monthly allowance', s.allowanceMc);
  for (const c of s.credits) {
    const money = c.amountCents === null ? '' : `, ${formatUsd(c.amountCents)} USD`;
    row(`${KIND[c.kind]} ${time(c.at)}: ${c.description}`, c.mc, { note: c.taxInvoiceNumber ? `Tax invoice ${c.taxInvoiceNumber}${money}` : money ? money.slice(2) : undefined });
  }
  row('Purchases and top-ups total', s.purchasesMc);
  for (const u of s.usageByUseCase) row(`Usage: ${useCaseLabel(u.useCase)} (${u.calls.toLocaleString('en-US')} ${u.calls === 1 ? 'call' : 'calls'})`, -u.mc);
  row('Usage total', -s.usageMc);
  row('Expired at the reset', -s.expiredMc, { note: s.period.current ? 'The period is open: credits expire at its end.' : undefined });
  row('Overage invoiced', s.overageInvoicedMc, {
    note: s.overageInvoice ? `Overage invoice: ${s.overageInvoice.credits.toLocaleString('en-US')} credits, ${formatUsd(s.overageInvoice.amountCents)} USD (${s.overageInvoice.status})` : undefined,
  });
  rule();
  row(s.period.current ? 'Closing balance (so far)' : 'Closing balance', s.closingMc, { bold: true });

  pdf.moveDown(1.5).font('Helvetica').fontSize(8).fillColor('#555');
  pdf.text(
    'Closing = opening + allowance + purchases and top-ups - usage - expired + overage invoiced. Every figure is read from the credit ledger, exact to the millicredit (0.001 credit); nothing is rounded. All times are UTC.',
    left,
    pdf.y,
    { width },
  );
  pdf.fillColor('#000');
  pdf.end();
  return done;
}
