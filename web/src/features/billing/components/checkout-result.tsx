import type { ReactNode } from 'react';
import type { CheckoutState } from './use-checkout';

/**
 * What happened to the last payment, in words (success is polite; failure and dismissal are alerts).
 * Shown as a toast pinned to the viewport corner: text appearing next to the Buy Credits button
 * used to widen the page header until the button wrapped to the middle of the page.
 */
export function CheckoutResult({
  state,
  success,
  onDismiss,
}: {
  state: CheckoutState;
  success: (s: Extract<CheckoutState, { phase: 'success' }>) => string;
  onDismiss: () => void;
}) {
  if (state.phase === 'verifying' || state.phase === 'opening') {
    return <Toast role="status" className="muted">{state.phase === 'opening' ? 'Opening checkout…' : 'Confirming your payment…'}</Toast>;
  }
  if (state.phase === 'success') {
    return (
      <Toast role="status" className="field-success" onDismiss={onDismiss}>
        {success(state)}
      </Toast>
    );
  }
  if (state.phase === 'failed' || state.phase === 'cancelled') {
    return (
      <Toast role="alert" className="form-error" onDismiss={onDismiss}>
        {state.message}
      </Toast>
    );
  }
  return null;
}

function Toast({ role, className, children, onDismiss }: { role: 'status' | 'alert'; className: string; children: ReactNode; onDismiss?: () => void }) {
  return (
    <div className="billing-toast">
      <p className={`billing-result ${className}`} role={role}>
        {children}
      </p>
      {onDismiss ? (
        <button type="button" className="button button-ghost billing-toast-close" onClick={onDismiss}>
          Dismiss
        </button>
      ) : null}
    </div>
  );
}
