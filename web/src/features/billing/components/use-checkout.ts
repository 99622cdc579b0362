import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import type { CheckoutOptions, Purchase } from '@ai-credits/shared/contracts/billing';
import { isApiError } from '@/lib/api-client';
import { billingMutations, type SandboxCard } from '../api/billing-queries';
import { openRazorpayCheckout, type CheckoutOutcome } from '../api/razorpay-checkout';

export type PaymentMethod = 'card' | 'upi' | 'netbanking' | 'wallet';

export type CheckoutState =
  | { phase: 'idle' }
  | { phase: 'opening' }
  | { phase: 'sandbox'; options: CheckoutOptions }
  | { phase: 'live'; options: CheckoutOptions }
  | { phase: 'verifying' }
  | { phase: 'success'; purchase: Purchase }
  | { phase: 'failed'; message: string }
  | { phase: 'cancelled'; message: string };

const sentence = (text: string) => (/[.!?]$/.test(text.trim()) ? text.trim() : `${text.trim()}.`);
const messageOf = (error: unknown) => (error instanceof Error ? error.message : 'Something went wrong.');

/**
 * One Checkout flow for bundles and invoices: create the order (server-priced), pay in the
 * sandbox dialog or Razorpay's Checkout, then have the BFF verify the signed callback.
 * `nothingHappened` says what a failure or a dismissal means ("No credits were added.").
 */
export function useCheckout(nothingHappened: string) {
  const [state, setState] = useState<CheckoutState>({ phase: 'idle' });
  const verify = useMutation(billingMutations.verify());
  const sandboxPay = useMutation(billingMutations.sandboxPay());

  async function finish(options: CheckoutOptions, outcome: CheckoutOutcome) {
    if (outcome.type === 'dismissed') {
      setState({ phase: 'cancelled', message: `Payment cancelled. ${nothingHappened}` });
      return;
    }
    if (outcome.type === 'failed') {
      setState({ phase: 'failed', message: `Payment failed: ${sentence(outcome.reason)} ${nothingHappened}` });
      return;
    }
    setState({ phase: 'verifying' });
    try {
      const result = await verify.mutateAsync({ purchaseId: options.purchaseId, callback: outcome.callback });
      setState({ phase: 'success', purchase: result.purchase });
    } catch (error) {
      setState({ phase: 'failed', message: `Payment failed: ${sentence(messageOf(error))} ${nothingHappened}` });
    }
  }

  async function begin(createOrder: () => Promise<CheckoutOptions>) {
    setState({ phase: 'opening' });
    let options: CheckoutOptions;
    try {
      options = await createOrder();
    } catch (error) {
      setState({ phase: 'failed', message: `Payment failed: ${sentence(messageOf(error))} ${nothingHappened}` });
      return;
    }
    if (options.mode === 'sandbox') {
      setState({ phase: 'sandbox', options });
      return;
    }
    setState({ phase: 'live', options });
    await finish(options, await openRazorpayCheckout(options));
  }

  async function paySandbox(outcome: 'success' | 'failure', method: PaymentMethod, card?: SandboxCard) {
    if (state.phase !== 'sandbox') return;
    const { options } = state;
    try {
      const callback = await sandboxPay.mutateAsync({ purchaseId: options.purchaseId, outcome, method, card });
      await finish(options, { type: 'paid', callback });
    } catch (error) {
      const reason = isApiError(error, 'PAYMENT_FAILED') ? error.message : messageOf(error);
      await finish(options, { type: 'failed', reason });
    }
  }

  function dismissSandbox() {
    if (state.phase === 'sandbox') void finish(state.options, { type: 'dismissed' });
  }

  return {
    state,
    begin,
    paySandbox,
    dismissSandbox,
    sandboxPending: sandboxPay.isPending || state.phase === 'verifying',
    busy: state.phase === 'opening' || state.phase === 'live' || state.phase === 'verifying' || state.phase === 'sandbox',
    reset: () => setState({ phase: 'idle' }),
  };
}
