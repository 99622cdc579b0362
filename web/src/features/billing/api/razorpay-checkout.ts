import type { CheckoutCallback, CheckoutOptions } from '@ai-credits/shared/contracts/billing';

/** How a Checkout ended: paid (with the signed callback), failed (why), or closed by the user. */
export type CheckoutOutcome = { type: 'paid'; callback: CheckoutCallback } | { type: 'failed'; reason: string } | { type: 'dismissed' };

interface RazorpayInstance {
  open(): void;
  on(event: 'payment.failed', handler: (response: { error?: { description?: string } }) => void): void;
}
type RazorpayConstructor = new (options: Record<string, unknown>) => RazorpayInstance;

const CHECKOUT_SCRIPT = 'https://checkout.razorpay.com/v1/checkout.js';
let scriptLoading: Promise<RazorpayConstructor> | null = null;

function loadCheckoutScript(): Promise<RazorpayConstructor> {
  const existing = (window as unknown as { Razorpay?: RazorpayConstructor }).Razorpay;
  if (existing) return Promise.resolve(existing);
  scriptLoading ??= new Promise<RazorpayConstructor>((resolve, reject) => {
    const script = document.createElement('script');
    script.src = CHECKOUT_SCRIPT;
    script.async = true;
    script.onload = () => {
      const loaded = (window as unknown as { Razorpay?: RazorpayConstructor }).Razorpay;
      if (loaded) resolve(loaded);
      else reject(new Error('Razorpay Checkout did not load'));
    };
    script.onerror = () => {
      scriptLoading = null;
      reject(new Error('Could not load Razorpay Checkout. Check your connection and try again.'));
    };
    document.head.appendChild(script);
  });
  return scriptLoading;
}

/**
 * Live mode: Razorpay's own Checkout (cards, UPI, net banking, wallets, international).
 * A failed attempt keeps the modal open for a retry, so a failure only ends the flow when the
 * customer then closes it.
 */
export async function openRazorpayCheckout(options: CheckoutOptions): Promise<CheckoutOutcome> {
  let Razorpay: RazorpayConstructor;
  try {
    Razorpay = await loadCheckoutScript();
  } catch (error) {
    return { type: 'failed', reason: error instanceof Error ? error.message : 'Could not load Razorpay Checkout.' };
  }
  return new Promise<CheckoutOutcome>((resolve) => {
    let lastFailure: string | null = null;
    const rzp = new Razorpay({
      key: options.keyId,
      order_id: options.orderId,
      amount: options.amount,
      currency: options.currency,
      name: options.name,
      description: options.description,
      prefill: options.prefill,
      notes: options.notes,
      // Saving the card for auto top-up: Razorpay card recurring (ADR 025).
      ...(options.saveCard && options.customerId ? { customer_id: options.customerId, recurring: '1' } : {}),
      handler: (response: CheckoutCallback) =>
        resolve({
          type: 'paid',
          callback: {
            razorpay_order_id: response.razorpay_order_id,
            razorpay_payment_id: response.razorpay_payment_id,
            razorpay_signature: response.razorpay_signature,
          },
        }),
      modal: {
        ondismiss: () => resolve(lastFailure ? { type: 'failed', reason: lastFailure } : { type: 'dismissed' }),
      },
    });
    rzp.on('payment.failed', (response) => {
      lastFailure = response.error?.description ?? 'The payment did not go through.';
    });
    rzp.open();
  });
}
