import { setCsrfToken } from '@/lib/api-client';
import { QueryClientProvider, useQuery } from '@tanstack/react-query';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { afterEach, describe, expect, it } from 'vitest';
import { billingContract } from '@ai-credits/shared/contracts/billing';
import type { CreditSummary } from '@ai-credits/shared/contracts/credits';
import { createQueryClient } from '@/lib/query-client';
import { SANDBOX_FAILURE_MESSAGE } from '@ai-credits/shared/testing';
import { server } from '@/testing/server';
import { creditsQueries } from '@/api/credits-queries';
import { BuyCreditsButton } from './buy-credits-button';

function summary(balanceMc: number): CreditSummary {
  return {
    balanceMc,
    reservedMc: 0,
    availableMc: balanceMc,
    periodUsageMc: 0,
    period: { start: '2026-11-15T00:00:00.000Z', end: '2026-12-15T00:00:00.000Z', timeZone: 'UTC' },
    overage: { usedMc: 0, limitMc: 0, usedCents: 0, limitCents: 0 },
    aiEnabled: true,
    lowBalance: false,
    unpaidInvoices: { count: 0, amountCents: 0 },
  };
}

/** The balance as another part of the page shows it (same ['credits', 'summary'] query). */
function BalanceProbe() {
  const { data } = useQuery(creditsQueries.summary());
  return <output aria-label="Balance">{data ? data.balanceMc / 1000 : '…'}</output>;
}

function renderButton(startMc = 300_000) {
  // The summary answers with the balance after whatever has been paid so far.
  let balanceMc = startMc;
  server.use(
    http.get('*/api/credits/summary', () => HttpResponse.json(summary(balanceMc))),
    // Verification as the BFF does it (signature checked), then the ledger's new balance.
    http.post(`*${billingContract.verifyPurchase.path}`, async ({ request, params }) => {
      const body = billingContract.verifyPurchase.body.parse(await request.json());
      if (!/^[0-9a-f]{64}$/.test(body.razorpay_signature)) return HttpResponse.json({ error: { code: 'INVALID_SIGNATURE', message: 'bad' } }, { status: 400 });
      balanceMc += 1_000_000;
      const now = new Date().toISOString();
      return HttpResponse.json({
        purchase: {
          id: String(params.purchaseId),
          kind: 'bundle',
          bundleId: 'starter',
          bundleName: 'Starter',
          invoiceId: null,
          amountCents: 1_180,
          netCents: 1_000,
          taxCents: 180,
          taxInvoiceNumber: 'AIC-000001',
          currency: 'USD',
          credits: 1_000,
          status: 'granted',
          source: 'checkout',
          refundedCents: 0,
          razorpayOrderId: body.razorpay_order_id,
          razorpayPaymentId: body.razorpay_payment_id,
          failureReason: null,
          createdAt: now,
          paidAt: now,
          grantedAt: now,
        },
      });
    }),
  );
  // Signed in, as the app would be (the mock API checks the CSRF token like the BFF).
  setCsrfToken('mock-csrf-token');
  const queryClient = createQueryClient({ retry: false });
  const user = userEvent.setup();
  render(
    <QueryClientProvider client={queryClient}>
      <BalanceProbe />
      <BuyCreditsButton />
    </QueryClientProvider>,
  );
  return { user };
}

async function openAndChoose(user: ReturnType<typeof userEvent.setup>, bundle: RegExp) {
  await user.click(screen.getByRole('button', { name: 'Buy Credits' }));
  const dialog = await screen.findByRole('dialog', { name: 'Buy credits' });
  await user.click(within(dialog).getByRole('radio', { name: bundle }));
  await user.click(within(dialog).getByRole('button', { name: /Continue to payment/ }));
  return screen.findByRole('dialog', { name: 'TestKase Checkout' });
}

describe('Buy Credits', () => {
  it('lists the four bundles with price, credits, rate, savings, Popular, and when purchased credits expire', async () => {
    const { user } = renderButton();
    await user.click(screen.getByRole('button', { name: 'Buy Credits' }));
    const dialog = await screen.findByRole('dialog', { name: 'Buy credits' });
    const options = within(dialog).getAllByRole('radio');
    expect(options).toHaveLength(4);
    const professional = within(dialog).getByRole('radio', { name: /Professional/ });
    expect(professional).toBeChecked();
    const row = professional.closest('label')!;
    expect(row).toHaveTextContent('Professional');
    expect(row).toHaveTextContent('Popular');
    expect(row).toHaveTextContent('$50');
    expect(row).toHaveTextContent('5,500 credits');
    expect(row).toHaveTextContent('$1 = 110 credits');
    expect(row).toHaveTextContent('Save 10%');
    expect(within(dialog).getByRole('radio', { name: /Starter/ }).closest('label')).toHaveTextContent('$1 = 100 credits');
    expect(within(dialog).getByRole('radio', { name: /Ultimate/ }).closest('label')).toHaveTextContent('58,000 credits');
    expect(within(dialog).getAllByText('Popular')).toHaveLength(1);
    expect(await within(dialog).findByText(/Purchased credits expire with this billing month on Dec 15, 2026/)).toBeInTheDocument();
  });

  it('shows the price, the GST and the total that will be charged before any payment', async () => {
    const { user } = renderButton();
    await user.click(screen.getByRole('button', { name: 'Buy Credits' }));
    const dialog = await screen.findByRole('dialog', { name: 'Buy credits' });
    await user.click(within(dialog).getByRole('radio', { name: /Starter/ }));
    const price = await within(dialog).findByLabelText('Price with tax');
    expect(price).toHaveTextContent('Price$10.00');
    expect(price).toHaveTextContent('CGST 9%$0.90');
    expect(price).toHaveTextContent('SGST 9%$0.90');
    expect(price).toHaveTextContent('Total charged$11.80 USD');
    expect(price).toHaveTextContent('no billing profile yet');
    await user.click(within(dialog).getByRole('radio', { name: /Professional/ }));
    expect(price).toHaveTextContent('Total charged$59.00 USD');
  });

  it('pays in the test-mode Checkout, verifies, and shows the new balance without a reload', async () => {
    const { user } = renderButton();
    await waitFor(() => expect(screen.getByRole('status', { name: 'Balance' })).toHaveTextContent('300'));
    const checkout = await openAndChoose(user, /Starter/);
    expect(within(checkout).getByText('Test mode')).toBeInTheDocument();
    // The order is for the price + GST (no billing profile: CGST 9 % + SGST 9 %).
    expect(within(checkout).getByText('$11.80 USD')).toBeInTheDocument();
    const tabs = within(checkout).getByRole('tablist', { name: 'Payment method' });
    expect(within(tabs).getAllByRole('tab').map((t) => t.textContent)).toEqual(['Card', 'UPI', 'Netbanking', 'Wallet']);
    await user.click(within(tabs).getByRole('tab', { name: 'UPI' }));
    await user.click(within(checkout).getByRole('button', { name: 'Pay (success)' }));

    expect(await screen.findByText('Payment received. 1,000 credits were added to your balance.')).toBeInTheDocument();
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    await waitFor(() => expect(screen.getByRole('status', { name: 'Balance' })).toHaveTextContent('1300'));
  });

  it('says why a failed payment added nothing', async () => {
    const { user } = renderButton();
    const checkout = await openAndChoose(user, /Enterprise/);
    await user.click(within(checkout).getByRole('button', { name: 'Fail payment' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(`Payment failed: ${SANDBOX_FAILURE_MESSAGE} No credits were added.`);
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(screen.getByRole('status', { name: 'Balance' })).toHaveTextContent('300');
  });

  it('closing the Checkout is a cancellation', async () => {
    const { user } = renderButton();
    const checkout = await openAndChoose(user, /Ultimate/);
    await user.click(within(checkout).getByRole('button', { name: 'Close checkout' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Payment cancelled. No credits were added.');
  });

  it('a callback the server cannot verify adds nothing and says so', async () => {
    const { user } = renderButton();
    server.use(
      http.post(`*${billingContract.verifyPurchase.path}`, () =>
        HttpResponse.json({ error: { code: 'INVALID_SIGNATURE', message: 'The payment could not be verified.' } }, { status: 400 }),
      ),
    );
    const checkout = await openAndChoose(user, /Starter/);
    await user.click(within(checkout).getByRole('button', { name: 'Pay (success)' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Payment failed: The payment could not be verified. No credits were added.');
  });

  it('a gateway outage when creating the order says no payment was taken', async () => {
    const { user } = renderButton();
    server.use(
      http.post(`*${billingContract.createPurchase.path}`, () =>
        HttpResponse.json({ error: { code: 'GATEWAY_UNAVAILABLE', message: 'Razorpay is unreachable right now. No payment was taken; please try again in a minute.' } }, { status: 502 }),
      ),
    );
    await user.click(screen.getByRole('button', { name: 'Buy Credits' }));
    await user.click(within(await screen.findByRole('dialog', { name: 'Buy credits' })).getByRole('button', { name: /Continue to payment/ }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Payment failed: Razorpay is unreachable right now. No payment was taken; please try again in a minute. No credits were added.');
  });
});

describe('Buy Credits with live Razorpay Checkout', () => {
  type Options = { key: string; order_id: string; amount: number; handler: (r: unknown) => void; modal: { ondismiss: () => void } };
  let opened: Options | null = null;
  let failedHandler: ((r: { error: { description: string } }) => void) | null = null;
  afterEach(() => {
    delete (window as unknown as { Razorpay?: unknown }).Razorpay;
    opened = null;
  });

  function stubRazorpay(onOpen: (options: Options) => void) {
    (window as unknown as { Razorpay: unknown }).Razorpay = class {
      constructor(private readonly options: Options) {}
      on(_event: string, handler: typeof failedHandler) {
        failedHandler = handler;
      }
      open() {
        opened = this.options;
        onOpen(this.options);
      }
    };
    server.use(
      http.post(`*${billingContract.createPurchase.path}`, () =>
        HttpResponse.json(
          {
            purchaseId: '2f0f3a8e-7a55-4c1e-9a52-3b0d7a1c9e01',
            mode: 'live',
            keyId: 'rzp_live_PublicKeyId',
            orderId: 'order_LiveOrder12345',
            amount: 1_180,
            currency: 'USD',
            name: 'TestKase',
            description: 'Starter: 1,000 credits',
            prefill: { name: 'Olivia Owner', email: 'owner@acme.test' },
            notes: { purchase_id: '2f0f3a8e-7a55-4c1e-9a52-3b0d7a1c9e01' },
            customerId: null,
            saveCard: false,
            tax: { treatment: 'cgst_sgst', netCents: 1_000, lines: [{ name: 'CGST', rateBp: 900, cents: 90 }, { name: 'SGST', rateBp: 900, cents: 90 }], taxCents: 180, totalCents: 1_180, rateBp: 1800, note: null },
          },
          { status: 201 },
        ),
      ),
    );
  }

  it('opens Razorpay with the key id and order, and verifies the handler payload', async () => {
    stubRazorpay((o) =>
      setTimeout(() => o.handler({ razorpay_order_id: o.order_id, razorpay_payment_id: 'pay_LivePayment1234', razorpay_signature: 'a'.repeat(64) }), 0),
    );
    const { user } = renderButton();
    await user.click(screen.getByRole('button', { name: 'Buy Credits' }));
    await user.click(within(await screen.findByRole('dialog', { name: 'Buy credits' })).getByRole('button', { name: /Continue to payment/ }));
    expect(await screen.findByText('Payment received. 1,000 credits were added to your balance.')).toBeInTheDocument();
    expect(opened).toMatchObject({ key: 'rzp_live_PublicKeyId', order_id: 'order_LiveOrder12345', amount: 1_180 });
    expect(screen.queryByText('Test mode')).not.toBeInTheDocument();
  });

  it('a failed attempt followed by closing the modal is reported as a failure', async () => {
    stubRazorpay((o) =>
      setTimeout(() => {
        failedHandler?.({ error: { description: 'Card declined by issuer' } });
        o.modal.ondismiss();
      }, 0),
    );
    const { user } = renderButton();
    await user.click(screen.getByRole('button', { name: 'Buy Credits' }));
    await user.click(within(await screen.findByRole('dialog', { name: 'Buy credits' })).getByRole('button', { name: /Continue to payment/ }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Payment failed: Card declined by issuer. No credits were added.');
  });

  it('says how much of a purchase made in overage paid the overage and how much was added', async () => {
    const { user } = renderButton(-42_500);
    await waitFor(() => expect(screen.getByRole('status', { name: 'Balance' })).toHaveTextContent('-42.5'));
    const checkout = await openAndChoose(user, /Starter/);
    await user.click(within(checkout).getByRole('button', { name: 'Pay (success)' }));
    expect(
      await screen.findByText('Payment received. Of the 1,000 credits, 42.5 paid the overage already used and 957.5 were added to your balance.'),
    ).toBeInTheDocument();
  });
});
