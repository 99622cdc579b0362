import type { GatewayMode, Purchase } from '@ai-credits/shared/contracts/billing';
import { formatUsd } from '@ai-credits/shared/format';

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

const day = (d: Date | string) => new Date(d).toISOString().slice(0, 10);
const stamp = (d: string | null) => (d ? `${d.slice(0, 16).replace('T', ' ')} UTC` : '—');

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
      : `Overage invoice for ${invoice ? `${day(invoice.periodStart)} to ${day(invoice.periodEnd)}, ${invoice.credits.toLocaleString('en-US')} credits at $0.40` : 'a past billing month'}`;
  const rows: [string, string][] = [
    ['Receipt number', p.id],
    ['Organization', input.orgName],
    ['Date paid', stamp(p.paidAt)],
    ['Item', item],
    ['Amount', `${formatUsd(p.amountCents)} ${p.currency}`],
    ['Status', p.refundedCents > 0 ? `${p.status}, ${formatUsd(p.refundedCents)} refunded` : p.status],
    ['Razorpay order', p.razorpayOrderId ?? '—'],
    ['Razorpay payment', p.razorpayPaymentId ?? '—'],
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Receipt ${escapeHtml(p.id)} - AI Credits</title>
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
<h1>AI Credits: payment receipt</h1>
${input.mode === 'sandbox' ? '<p><strong>Test mode (sandbox): no real money was charged.</strong></p>' : ''}
<table>
${rows.map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('\n')}
</table>
<p class="note">Use your browser's Print command (Ctrl+P / Cmd+P) to print or save this receipt as PDF.</p>
</body>
</html>
`;
}
