import { Dialog, Tabs } from 'radix-ui';
import { useState } from 'react';
import type { CheckoutOptions } from '@ai-credits/shared/contracts/billing';
import { formatUsd } from '@ai-credits/shared/format';
import { Field } from '@/components/ui/field';
import type { SandboxCard } from '../api/billing-queries';
import type { PaymentMethod, useCheckout } from './use-checkout';

const METHODS: { id: PaymentMethod; label: string; hint: string }[] = [
  { id: 'card', label: 'Card', hint: 'Test card 4111 1111 1111 1111, any future expiry, any CVV.' },
  { id: 'upi', label: 'UPI', hint: 'Test UPI id success@razorpay.' },
  { id: 'netbanking', label: 'Netbanking', hint: 'Any test bank.' },
  { id: 'wallet', label: 'Wallet', hint: 'Any test wallet.' },
];

/** The test-mode Checkout of a `useCheckout()` flow, shown while that flow is in its sandbox phase. */
export function SandboxCheckout({ checkout }: { checkout: ReturnType<typeof useCheckout> }) {
  if (checkout.state.phase !== 'sandbox') return null;
  return (
    <SandboxCheckoutDialog
      options={checkout.state.options}
      pending={checkout.sandboxPending}
      onPay={(outcome, method, card) => void checkout.paySandbox(outcome, method, card)}
      onDismiss={checkout.dismissSandbox}
    />
  );
}

/**
 * The sandbox gateway's stand-in for Razorpay Checkout (no keys configured): clearly test mode,
 * with success, failure and dismissal (closing the dialog) like Razorpay's test mode.
 */
export function SandboxCheckoutDialog({
  options,
  pending,
  onPay,
  onDismiss,
}: {
  options: CheckoutOptions;
  pending: boolean;
  onPay: (outcome: 'success' | 'failure', method: PaymentMethod, card?: SandboxCard) => void;
  onDismiss: () => void;
}) {
  const [method, setMethod] = useState<PaymentMethod>('card');
  const [card, setCard] = useState<SandboxCard>('approves');
  const saving = options.saveCard && method === 'card';
  return (
    <Dialog.Root
      open
      onOpenChange={(open) => {
        if (!open && !pending) onDismiss();
      }}
    >
      <Dialog.Portal>
        <Dialog.Overlay className="dialog-overlay" />
        <Dialog.Content className="dialog-content billing-checkout" aria-describedby="sandbox-checkout-description">
          <div className="billing-checkout-header">
            <Dialog.Title className="dialog-title">{options.name} Checkout</Dialog.Title>
            <span className="badge billing-test-mode">Test mode</span>
          </div>
          <div id="sandbox-checkout-description" className="dialog-description">
            <p>{options.description}</p>
            <p className="billing-checkout-amount">
              {formatUsd(options.amount)} {options.currency}
            </p>
            {options.tax.taxCents > 0 ? (
              <p className="muted">
                {formatUsd(options.tax.netCents)} + GST {formatUsd(options.tax.taxCents)}
              </p>
            ) : null}
            <p className="muted">
              Sandbox gateway: no real money moves. Order {options.orderId}
              {options.prefill.email ? ` · ${options.prefill.email}` : ''}
            </p>
          </div>
          <Tabs.Root value={method} onValueChange={(v) => setMethod(v as PaymentMethod)} className="billing-tabs">
            <Tabs.List aria-label="Payment method" className="billing-tab-list">
              {METHODS.map((m) => (
                <Tabs.Trigger key={m.id} value={m.id} className="billing-tab">
                  {m.label}
                </Tabs.Trigger>
              ))}
            </Tabs.List>
            {METHODS.map((m) => (
              <Tabs.Content key={m.id} value={m.id} className="billing-tab-panel">
                {m.hint}
              </Tabs.Content>
            ))}
          </Tabs.Root>
          {saving ? (
            <Field id="sandbox-card" label="Card to save for auto top-up">
              {(control) => (
                <select {...control} value={card} onChange={(e) => setCard(e.target.value as SandboxCard)}>
                  <option value="approves">Visa ending 1111 (approves every top-up)</option>
                  <option value="declines_off_session">Visa ending 0002 (declines auto top-ups)</option>
                </select>
              )}
            </Field>
          ) : null}
          <div className="dialog-actions">
            <button type="button" className="button button-danger" disabled={pending} onClick={() => onPay('failure', method, saving ? card : undefined)}>
              Fail payment
            </button>
            <button type="button" className="button button-primary" disabled={pending} onClick={() => onPay('success', method, saving ? card : undefined)}>
              {pending ? 'Processing…' : 'Pay (success)'}
            </button>
          </div>
          <Dialog.Close className="button button-ghost billing-close" aria-label="Close checkout" disabled={pending}>
            ×
          </Dialog.Close>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}
