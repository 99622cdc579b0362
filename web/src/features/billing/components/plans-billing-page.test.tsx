import { screen, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { server } from '@/testing/server';

import { renderApp, serveScenario } from '@/testing/test-utils';

describe('Plans & Billing', () => {
  it('lists purchases with status, Razorpay ids and receipts', async () => {
    renderApp('/settings/billing');
    const purchases = await screen.findByRole('table', { name: 'Purchases' });
    const rows = within(purchases).getAllByRole('row').slice(1);
    const professional = rows.find((r) => r.textContent?.includes('Paid, credits added'))!;
    expect(professional).toHaveTextContent('Starter');
    expect(professional).toHaveTextContent('$10.00');
    expect(professional).toHaveTextContent('1,000');
    expect(professional).toHaveTextContent('Paid, credits added');
    expect(professional).toHaveTextContent('order_Nq3kX8vB2mLp7Q');
    expect(professional).toHaveTextContent('pay_Nq3kYc81ZtR4aW');
    expect(within(professional).getByRole('link', { name: 'Receipt' })).toHaveAttribute('href', '/api/billing/purchases/6d2f9a44-1c1e-4d33-9b59-1f0c2a7e5b01/receipt');
    const failed = rows.find((r) => r.textContent?.includes('Failed'))!;
    expect(failed).toHaveTextContent('Failed');
    expect(within(failed).queryByRole('link', { name: 'Receipt' })).not.toBeInTheDocument();
    expect(screen.getByRole('note')).toHaveTextContent('Test mode');
  });

  it('shows the plan first: allowance, next reset, the overage rule and limit, and what expires', async () => {
    renderApp('/settings/billing', { scenario: 'inOverage' });
    const plan = await screen.findByRole('region', { name: 'Your plan' });
    expect(plan).toHaveTextContent('Monthly allowance300 credits, granted at every reset');
    expect(plan).toHaveTextContent(/Next reset.*Dec 15, 2026/);
    expect(plan).toHaveTextContent('Overage$0.40 per credit past the balance, up to the monthly overage limit of 500 credits ($200.00)');
    expect(plan).toHaveTextContent('Unused allowance and purchased credits expire at the reset');
    // The owner changes the limit where AI is switched on and off.
    expect(within(plan).getByRole('link', { name: 'Change the overage limit' })).toHaveAttribute('href', '/settings/ai-credits#overage-limit');
    // The plan comes before the payment history.
    const purchases = screen.getByRole('table', { name: 'Purchases' });
    expect(plan.compareDocumentPosition(purchases) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
  });

  it('says when no overage is allowed', async () => {
    renderApp('/settings/billing');
    const plan = await screen.findByRole('region', { name: 'Your plan' });
    expect(plan).toHaveTextContent('OverageOff: the monthly overage limit is 0, so AI stops when the balance reaches 0');
  });

  it('lets the owner pay an open overage invoice through the test-mode Checkout', async () => {
    const { user } = renderApp('/settings/billing', { scenario: 'inOverage' });
    const invoices = await screen.findByRole('table', { name: 'Overage invoices' });
    const open = within(invoices).getAllByRole('row').find((r) => r.textContent?.includes('Open'))!;
    expect(open).toHaveTextContent('$48.00');
    await user.click(within(open).getByRole('button', { name: 'Pay invoice' }));
    const checkout = await screen.findByRole('dialog', { name: 'AI Credits Checkout' });
    // the $48.00 invoice + GST 18 % (CGST + SGST: no billing profile)
    expect(within(checkout).getByText('$56.64 USD')).toBeInTheDocument();
    await user.click(within(checkout).getByRole('button', { name: 'Pay (success)' }));
    expect(await screen.findByText('Payment received. The invoice is paid.')).toBeInTheDocument();
    const refreshed = await screen.findByRole('table', { name: 'Overage invoices' });
    expect(await within(refreshed).findAllByRole('link', { name: 'Receipt' })).toHaveLength(2);
    // The invoice payment charged GST: its tax invoice PDF (the BFF builds it) is linked by number.
    expect(await screen.findByRole('link', { name: 'Tax invoice AIC-000001 (PDF)' })).toHaveAttribute('download', 'tax-invoice-AIC-000001.pdf');
    expect(within(refreshed).queryByRole('button', { name: 'Pay invoice' })).not.toBeInTheDocument();
  });

  it('shows an admin the payments without the owner-only actions', async () => {
    serveScenario('inOverage', { role: 'admin' });
    renderApp('/settings/billing');
    const invoices = await screen.findByRole('table', { name: 'Overage invoices' });
    expect(within(invoices).queryByRole('button', { name: 'Pay invoice' })).not.toBeInTheDocument();
    expect(within(invoices).getByText('The owner pays invoices')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Buy Credits' })).not.toBeInTheDocument();
  });
});

describe('Plans & Billing: billing profile', () => {
  it('the owner saves the buyer; a GSTIN with a wrong check character is refused before sending', async () => {
    const { user } = renderApp('/settings/billing');
    const card = await screen.findByRole('region', { name: 'Billing profile' });
    // Pasted, not typed key by key: the same change events, a fraction of the time under load.
    const fill = async (label: string, text: string) => {
      await user.click(within(card).getByLabelText(label));
      await user.paste(text);
    };
    expect(card).toHaveTextContent('GSTIN 29AAACT1234A1ZX');
    await fill('Legal name', 'Acme QA Private Limited');
    await fill('Address', '12 MG Road');
    await fill('City', 'Pune');
    await fill('Postal code', '411001');
    await user.selectOptions(within(card).getByLabelText('State'), '27');
    await fill('GSTIN (optional)', '27AAPFU0939F1ZW');
    await fill('Email for invoices', 'accounts@acme.test');
    await user.click(within(card).getByRole('button', { name: 'Save billing profile' }));
    expect(await within(card).findByRole('alert')).toHaveTextContent('taxId: not a valid GSTIN');
    await user.clear(within(card).getByLabelText('GSTIN (optional)'));
    await fill('GSTIN (optional)', '27aapfu0939f1zv');
    await user.click(within(card).getByRole('button', { name: 'Save billing profile' }));
    expect(await within(card).findByRole('status')).toHaveTextContent('Billing profile saved.');
  });

  it('an admin reads it without a form', async () => {
    serveScenario('owner', { role: 'admin', seed: (store) => (store.billingProfile = { legalName: 'Acme QA Private Limited', addressLine1: '12 MG Road', addressLine2: null, city: 'Pune', postalCode: '411001', country: 'IN', state: '27', taxId: '27AAPFU0939F1ZV', invoiceEmail: 'accounts@acme.test', updatedAt: '2026-03-01T00:00:00.000Z' }) });
    renderApp('/settings/billing');
    const card = await screen.findByRole('region', { name: 'Billing profile' });
    expect(card).toHaveTextContent('27AAPFU0939F1ZV');
    expect(card).toHaveTextContent('Maharashtra');
    expect(within(card).queryByRole('button')).not.toBeInTheDocument();
  });
});

describe('Plans & Billing: auto top-up', () => {
  it('the owner saves a card while buying, then turns auto top-up on', async () => {
    const { user } = renderApp('/settings/billing');
    const card = await screen.findByRole('region', { name: 'Auto top-up' });
    expect(card).toHaveTextContent('Saved card: none');
    await user.click(screen.getByRole('button', { name: 'Buy Credits' }));
    const dialog = await screen.findByRole('dialog', { name: 'Buy credits' });
    await user.click(within(dialog).getByRole('checkbox', { name: /Save this card for auto top-up/ }));
    await user.click(within(dialog).getByRole('button', { name: /Continue to payment/ }));
    const checkout = await screen.findByRole('dialog', { name: 'AI Credits Checkout' });
    expect(within(checkout).getByLabelText('Card to save for auto top-up')).toHaveValue('approves');
    await user.click(within(checkout).getByRole('button', { name: 'Pay (success)' }));
    expect(await within(card).findByText(/Visa ending 1111/)).toBeInTheDocument();
    await user.click(within(card).getByRole('button', { name: 'Save auto top-up' }));
    expect(await within(card).findByRole('status')).toHaveTextContent('Auto top-up saved.');
  });

  it('a paused auto top-up shows its reason in a banner', async () => {
    serveScenario('owner', {
      seed: (store) => {
        store.autoTopUp.paymentMethod = { id: '00000000-0000-4000-8000-000000000001', brand: 'Visa', last4: '0002', expMonth: 12, expYear: 2029, createdAt: '2026-03-01T00:00:00.000Z' };
        store.autoTopUp.settings = { enabled: true, thresholdCredits: 100, bundleId: 'starter', capKind: 'count', capValue: 3, pausedAt: '2026-03-02T00:00:00.000Z', pausedReason: 'The card was declined.', updatedAt: '2026-03-02T00:00:00.000Z' };
      },
    });
    renderApp('/settings/billing');
    const card = await screen.findByRole('region', { name: 'Auto top-up' });
    expect(await within(card).findByRole('alert')).toHaveTextContent('Auto top-up is paused: The card was declined.');
  });
});

describe('Plans & Billing: monthly statements', () => {
  it('lists each billing month, newest first, with PDF and CSV downloads; the open one is "so far"', async () => {
    serveScenario('owner', { now: new Date('2026-05-20T12:00:00Z') });
    renderApp('/settings/billing');
    const card = await screen.findByRole('region', { name: 'Monthly statements' });
    expect(within(card).getByText('Loading statements')).toBeInTheDocument();
    const items = await within(card).findAllByRole('listitem');
    expect(items.map((li) => li.textContent)).toEqual(['May 15, 2026 – Jun 15, 2026So farPDFCSV', 'Apr 15, 2026 – May 15, 2026PDFCSV', 'Mar 15, 2026 – Apr 15, 2026PDFCSV']);
    const pdf = within(card).getByRole('link', { name: 'Statement Apr 15, 2026 – May 15, 2026 (PDF)' });
    expect(pdf).toHaveAttribute('href', '/api/billing/statements/2026-04-15/pdf');
    expect(pdf).toHaveAttribute('download', 'statement-2026-04-15.pdf');
    const csv = within(card).getByRole('link', { name: 'Statement Apr 15, 2026 – May 15, 2026 (CSV)' });
    expect(csv).toHaveAttribute('href', '/api/billing/statements/2026-04-15/csv');
    expect(csv).toHaveAttribute('download', 'statement-2026-04-15.csv');
    expect(card).toHaveTextContent('Dates and times are UTC.');
  });

  it('says when there is none yet, and offers a retry when the list fails', async () => {
    server.use(http.get('*/api/billing/statements', () => HttpResponse.json({ periods: [] })));
    const first = renderApp('/settings/billing');
    expect(await screen.findByText('No statements yet')).toBeInTheDocument();
    first.unmount();

    serveScenario('owner', { failEndpoint: 'GET /api/billing/statements' });
    renderApp('/settings/billing');
    const card = await screen.findByRole('region', { name: 'Monthly statements' });
    expect(await within(card).findByText("Couldn't load statements")).toBeInTheDocument();
    expect(within(card).getByRole('button', { name: 'Try again' })).toBeInTheDocument();
  });

  it('is not shown to a member (the BFF refuses them too)', async () => {
    serveScenario('owner', { role: 'member' });
    renderApp('/settings/billing');
    expect(await screen.findByText('Only the owner and admins see payments')).toBeInTheDocument();
    expect(screen.queryByRole('region', { name: 'Monthly statements' })).not.toBeInTheDocument();
  });
});

describe('Sent emails: the receipt carries its tax invoice', () => {
  it('names the attached PDF and its size', async () => {
    serveScenario('owner', {
      seed: (store) =>
        store.emails.unshift({
          id: '00000000-0000-4000-8000-00000000e001',
          kind: 'receipt',
          to: 'owner@example.com',
          subject: 'Your TestKase AI Credits receipt AIC-20260520-ABCDEF01',
          text: 'The GST tax invoice AIC-000007 is attached (PDF).',
          createdAt: '2026-05-20T12:00:00.000Z',
          sentAt: null,
          attempts: 0,
          lastError: null,
          attachments: [{ filename: 'tax-invoice-AIC-000007.pdf', contentType: 'application/pdf', sizeBytes: 2_662 }],
        }),
    });
    renderApp('/settings/emails');
    const email = await screen.findByRole('article', { name: 'Your TestKase AI Credits receipt AIC-20260520-ABCDEF01' });
    expect(email).toHaveTextContent('Attachedtax-invoice-AIC-000007.pdf (2.6 KB)');
  });
});
