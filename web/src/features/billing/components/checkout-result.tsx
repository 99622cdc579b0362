import type { CheckoutState } from './use-checkout';

/** What happened to the last payment, in words (success is polite; failure and dismissal are alerts). */
export function CheckoutResult({ state, success }: { state: CheckoutState; success: (s: Extract<CheckoutState, { phase: 'success' }>) => string }) {
  if (state.phase === 'verifying' || state.phase === 'opening') {
    return (
      <p className="billing-result muted" role="status">
        {state.phase === 'opening' ? 'Opening checkout…' : 'Confirming your payment…'}
      </p>
    );
  }
  if (state.phase === 'success') {
    return (
      <p className="billing-result field-success" role="status">
        {success(state)}
      </p>
    );
  }
  if (state.phase === 'failed' || state.phase === 'cancelled') {
    return (
      <p className="billing-result form-error" role="alert">
        {state.message}
      </p>
    );
  }
  return null;
}
