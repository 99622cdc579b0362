import { Dialog } from 'radix-ui';
import type { RefObject } from 'react';
import { BUNDLES, type BundleId } from '@ai-credits/shared/catalog';
import { formatUsd } from '@ai-credits/shared/format';
import { formatBoundary } from '@/lib/dates';
import { BuyRecommendation } from './buy-recommendation';

/** The bundle picker behind the Buy Credits button (loaded when the button is first used). */
export function BuyCreditsDialog({
  open,
  onOpenChange,
  bundleId,
  onBundleChange,
  saveCard,
  onSaveCardChange,
  periodEnd,
  onConfirm,
  returnFocusTo,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  bundleId: BundleId;
  onBundleChange: (id: BundleId) => void;
  /** "Save this card for auto top-up": the owner's consent to a saved card (ADR 025). */
  saveCard: boolean;
  onSaveCardChange: (save: boolean) => void;
  /** End of the billing period, when the summary has loaded. */
  periodEnd: string | undefined;
  onConfirm: () => void;
  /** The button that opened the dialog (no Radix Trigger: it is on the page before this loads). */
  returnFocusTo: RefObject<HTMLButtonElement | null>;
}) {
  const bundle = BUNDLES.find((b) => b.id === bundleId) ?? BUNDLES[0]!;
  return (
    <Dialog.Root open={open} onOpenChange={onOpenChange}>
      <Dialog.Portal>
        <Dialog.Overlay className="dialog-overlay" />
        <Dialog.Content
          className="dialog-content billing-dialog"
          aria-describedby="buy-credits-description"
          onCloseAutoFocus={(event) => {
            event.preventDefault();
            returnFocusTo.current?.focus();
          }}
        >
          <Dialog.Title className="dialog-title">Buy credits</Dialog.Title>
          <p id="buy-credits-description" className="dialog-description">
            Pick a credit bundle. Prices in USD; payment through Razorpay (cards, UPI, net banking, wallets, international).
          </p>
          <fieldset className="billing-bundles">
            <legend className="sr-only">Credit bundle</legend>
            {BUNDLES.map((b) => (
              <label key={b.id} className={`billing-bundle${b.id === bundleId ? ' is-selected' : ''}`}>
                <input type="radio" name="bundle" value={b.id} checked={b.id === bundleId} onChange={() => onBundleChange(b.id)} />
                <span className="billing-bundle-name">
                  {b.name}
                  {b.popular ? <span className="badge billing-popular">Popular</span> : null}
                </span>
                <span className="billing-bundle-price">{formatUsd(b.priceCents).replace(/\.00$/, '')}</span>
                <span className="billing-bundle-credits">{b.credits.toLocaleString('en-US')} credits</span>
                <span className="billing-bundle-rate">$1 = {b.creditsPerDollar} credits</span>
                <span className="billing-bundle-savings">{b.savingsPercent ? `Save ${b.savingsPercent}%` : '—'}</span>
              </label>
            ))}
          </fieldset>
          <BuyRecommendation bundleId={bundleId} onBundleChange={onBundleChange} />
          <p className="billing-expiry-note">
            {periodEnd
              ? `Purchased credits expire with this billing month on ${formatBoundary(periodEnd)}.`
              : 'Purchased credits expire with this billing month.'}
          </p>
          <label className="billing-save-card">
            <input type="checkbox" checked={saveCard} onChange={(e) => onSaveCardChange(e.target.checked)} /> Save this card for auto top-up (charged only when you turn auto top-up on)
          </label>
          <div className="dialog-actions">
            <Dialog.Close className="button button-secondary">Cancel</Dialog.Close>
            <button type="button" className="button button-primary" onClick={onConfirm}>
              Continue to payment: {formatUsd(bundle.priceCents)}
            </button>
          </div>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}
