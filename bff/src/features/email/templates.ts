import { overageRuleText, SELLER } from '@ai-credits/shared/catalog';
import type { GatewayMode, Purchase } from '@ai-credits/shared/contracts/billing';
import { formatCredits, formatUsd } from '@ai-credits/shared/format';
import { receiptNumber } from '../billing/receipt';

// Plain-text emails. Amounts come from the catalog's rules and the shared formatters, never
// written out here, so an email says what the app and the receipt page say.

const day = (d: Date) => d.toISOString().slice(0, 10);
const stamp = (iso: string | null) => (iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : '-');
const SANDBOX_NOTE = 'Test mode (sandbox): no real money was charged.';

export function receiptEmail(input: { orgName: string; purchase: Purchase; invoicePeriod: { start: Date; end: Date } | null; mode: GatewayMode }) {
  const p = input.purchase;
  const item =
    p.kind === 'bundle'
      ? `${p.bundleName ?? 'Credit'} bundle: ${p.credits.toLocaleString('en-US')} credits (they expire with the billing month)`
      : `Overage invoice${input.invoicePeriod ? ` for ${day(input.invoicePeriod.start)} to ${day(input.invoicePeriod.end)}` : ''}`;
  const number = receiptNumber(p);
  return {
    subject: `Your ${SELLER.name} AI Credits receipt ${number}`,
    text: [
      `Thank you: your payment of ${formatUsd(p.amountCents)} ${p.currency} was received${p.kind === 'bundle' ? ' and the credits are in your balance' : ''}.`,
      ...(input.mode === 'sandbox' ? ['', SANDBOX_NOTE] : []),
      '',
      `Receipt number: ${number}`,
      `Seller: ${SELLER.name} (${SELLER.product})`,
      `Billed to: ${input.orgName}`,
      `Date paid: ${stamp(p.paidAt)}`,
      `Item: ${item}`,
      `Amount: ${formatUsd(p.amountCents)} ${p.currency}`,
      `Razorpay order: ${p.razorpayOrderId ?? '-'}`,
      `Razorpay payment: ${p.razorpayPaymentId ?? '-'}`,
      '',
      'The printable receipt is in the app under Plans & Billing.',
    ].join('\n'),
  };
}

export function overageInvoiceEmail(input: { orgName: string; periodStart: Date; periodEnd: Date; overageMc: bigint; amountCents: bigint }) {
  return {
    subject: `Overage invoice for ${input.orgName}: ${formatUsd(input.amountCents)} for ${day(input.periodStart)} to ${day(input.periodEnd)}`,
    text: [
      `The billing month ${day(input.periodStart)} to ${day(input.periodEnd)} of ${input.orgName} closed with ${formatCredits(input.overageMc)} credits used beyond the balance.`,
      '',
      `Overage is ${overageRuleText(input.overageMc)}.`,
      `Amount due: ${formatUsd(input.amountCents)} USD.`,
      '',
      'The owner pays it in the app under Plans & Billing. A new month of credits has been granted.',
    ].join('\n'),
  };
}
