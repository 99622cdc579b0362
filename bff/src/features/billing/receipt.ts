import { OVERAGE_CENTS_PER_CREDIT, SELLER } from '@ai-credits/shared/catalog';
import type { GatewayMode, Purchase } from '@ai-credits/shared/contracts/billing';
import { formatUsd } from '@ai-credits/shared/format';

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

const day = (d: Date | string) => new Date(d).toISOString().slice(0, 10);
const stamp = (d: string | null) => (d ? `${d.slice(0, 16).replace('T', ' ')} UTC` : '—');

/** "AIC-20261118-6D2F9A44": the payment day and the purchase id's first block, readable over the phone. */
export function receiptNumber(p: Pick<Purchase, 'id' | 'paidAt' | 'createdAt'>): string {
  return `AIC-${(p.paidAt ?? p.createdAt).slice(0, 10).replaceAll('-', '')}-${p.id.slice(0, 8).toUpperCase()}`;
}

/** The payment state in words for the customer (never the internal status such as `granted`). */
function paymentStatus(p: Purchase): string {
  const paid = p.status === 'paid' || p.status === 'granted' ? 'Paid' : 'Not paid';
  return p.refundedCents > 0 ? `${paid}, ${formatUsd(p.refundedCents)} refunded` : paid;
}

/** A printable receipt page (no scripts: the CSP allows none inline; the browser's Print does the rest). */
export function renderReceipt(input: {
  orgName: string;
  purchase: Purchase;
  invoice: { periodStart: Date; periodEnd: Date; credits: number } | null;
  mode: GatewayMode;
}): string {
  const { purchase: p, invoice } = input;
  const item =
    p.kind === 'bundle'
      ? `${p.bundleName ?? 'Credit'} bundle: ${p.credits.toLocaleString('en-US')} credits (expire with the billing month)`
      : `Overage invoice for ${invoice ? `${day(invoice.periodStart)} to ${day(invoice.periodEnd)}, ${invoice.credits.toLocaleString('en-US')} credits at ${formatUsd(OVERAGE_CENTS_PER_CREDIT)} per credit` : 'a past billing month'}`;
  const rows: [string, string][] = [
    ['Receipt number', receiptNumber(p)],
    ['Seller', `${SELLER.name} (${SELLER.product})`],
    ['Billed to', input.orgName],
    ['Date paid', stamp(p.paidAt)],
    ['Item', item],
    ...(p.taxCents > 0
      ? ([
          ['Price before tax', `${formatUsd(p.netCents)} ${p.currency}`],
          ['GST', `${formatUsd(p.taxCents)} ${p.currency}`],
        ] as [string, string][])
      : []),
    ['Amount', `${formatUsd(p.amountCents)} ${p.currency}`],
    ...(p.taxInvoiceNumber ? ([['Tax invoice', `${p.taxInvoiceNumber} (PDF from Plans & Billing)`]] as [string, string][]) : []),
    ['Status', paymentStatus(p)],
    ['Razorpay order', p.razorpayOrderId ?? '—'],
    ['Razorpay payment', p.razorpayPaymentId ?? '—'],
    ['Reference', p.id],
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Receipt ${escapeHtml(receiptNumber(p))} - ${escapeHtml(SELLER.name)} AI Credits</title>
<style>
  body { font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; color: #111; }
  h1 { font-size: 1.5rem; margin-bottom: 0.25rem; }
  table { border-collapse: collapse; width: 100%; margin-top: 1.5rem; }
  th, td { text-align: left; padding: 0.5rem; border-bottom: 1px solid #ddd; vertical-align: top; }
  th { width: 12rem; color: #444; font-weight: 600; }
  .note { color: #555; font-size: 0.875rem; margin-top: 1.5rem; }
  @media print { .note { display: none; } }
</style>
</head>
<body>
<h1>${escapeHtml(SELLER.name)} AI Credits: payment receipt</h1>
${input.mode === 'sandbox' ? '<p><strong>Test mode (sandbox): no real money was charged.</strong></p>' : ''}
<table>
${rows.map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('\n')}
</table>
<p class="note">Use your browser's Print command (Ctrl+P / Cmd+P) to print or save this receipt as PDF.</p>
</body>
</html>
`;
}
