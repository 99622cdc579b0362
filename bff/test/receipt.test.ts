import { describe, expect, it } from 'vitest';
import type { Purchase } from '@ai-credits/shared/contracts/billing';
import { receiptNumber, renderReceipt } from '../src/features/billing/receipt';

const purchase: Purchase = {
  id: '6d2f9a44-1c1e-4d33-9b59-1f0c2a7e5b01',
  kind: 'bundle',
  bundleId: 'professional',
  bundleName: 'Professional',
  invoiceId: null,
  amountCents: 5000,
  netCents: 5000,
  taxCents: 0,
  taxInvoiceNumber: null,
  currency: 'USD',
  credits: 5500,
  status: 'granted',
  source: 'checkout',
  refundedCents: 0,
  razorpayOrderId: 'order_Nq3kX8vB2mLp7Q',
  razorpayPaymentId: 'pay_Nq3kYc81ZtR4aW',
  failureReason: null,
  createdAt: '2026-11-18T09:00:00.000Z',
  paidAt: '2026-11-18T09:01:00.000Z',
  grantedAt: '2026-11-18T09:01:00.000Z',
};

const cell = (html: string, header: string) => new RegExp(`<th scope="row">${header}</th><td>([^<]*)</td>`).exec(html)?.[1];

describe('printable receipt', () => {
  it('names the seller and who is billed, with a readable receipt number and status in words', () => {
    const html = renderReceipt({ orgName: 'Acme QA', purchase, invoice: null, mode: 'live' });
    expect(cell(html, 'Receipt number')).toBe('AIC-20261118-6D2F9A44');
    expect(cell(html, 'Seller')).toBe('TestKase (AI Credits)');
    expect(cell(html, 'Billed to')).toBe('Acme QA');
    expect(cell(html, 'Status')).toBe('Paid');
    expect(html).not.toContain('granted');
    expect(cell(html, 'Reference')).toBe(purchase.id);
  });

  it('says what was refunded', () => {
    const html = renderReceipt({ orgName: 'Acme QA', purchase: { ...purchase, refundedCents: 1000 }, invoice: null, mode: 'sandbox' });
    expect(cell(html, 'Status')).toBe('Paid, $10.00 refunded');
    expect(html).toContain('Test mode (sandbox)');
  });

  it('numbers a receipt by its payment day', () => {
    expect(receiptNumber({ id: 'abcdef01-0000-4000-8000-000000000000', paidAt: null, createdAt: '2026-01-02T00:00:00.000Z' })).toBe('AIC-20260102-ABCDEF01');
  });
});
