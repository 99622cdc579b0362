import { useQuery } from '@tanstack/react-query';
import { Dialog } from 'radix-ui';
import type { RefObject } from 'react';
import { BUNDLES, type BundleId } from '@ai-credits/shared/catalog';
import { formatUsd } from '@ai-credits/shared/format';
import { computeTax, GST_STATES, type TaxBreakdown } from '@ai-credits/shared/tax';
import { formatBoundary } from '@/lib/dates';
import { BuyRecommendation } from './buy-recommendation';
import { billingQueries } from '../api/billing-queries';

/** Why this tax: the place of supply in words (the same rule the BFF charges by, shared/tax.ts). */
function taxReason(tax: TaxBreakdown, state: string | null): string {
  if (tax.treatment === 'export') return 'No GST: export of services (billing address outside India).';
  const where = state ? (GST_STATES[state] ?? state) : null;
  if (tax.treatment === 'igst') return `IGST 18%: billing address in ${where ?? 'another state'}, the seller is in another state.`;
  return where ? `CGST 9% + SGST 9%: billing address in ${where}, the seller's state.` : 'CGST 9% + SGST 9%: no billing profile yet, so the place of supply is the seller’s state. Add your GSTIN under Plans & Billing.';
}

/** Price, GST and the total Checkout will charge, before anything is paid (PRODUCT.md: the price shown includes the tax line). */
function PriceWithTax({ priceCents }: { priceCents: number }) {
  const billing = useQuery(billingQueries.profile());
  if (!billing.data) return <p className="billing-tax-summary">{billing.isError ? 'Could not load your billing profile: the tax is shown in Checkout before you pay.' : 'Working out the tax…'}</p>;
  const { profile, seller } = billing.data;
  const tax = computeTax(priceCents, seller, profile ? { country: profile.country, state: profile.state } : null);
  return (
    // The group holds the figures and why this tax (a <dl> may hold only its dt/dd groups: axe).
    <div role="group" aria-label="Price with tax">
      <dl className="billing-tax-summary">
        <div>
          <dt>Price</dt>
          <dd>{formatUsd(tax.netCents)}</dd>
        </div>
        {tax.lines.map((line) => (
          <div key={line.name}>
            <dt>
              {line.name} {line.rateBp / 100}%
            </dt>
            <dd>{formatUsd(line.cents)}</dd>
          </div>
        ))}
        {tax.lines.length === 0 ? (
          <div>
            <dt>GST</dt>
            <dd>{formatUsd(0)}</dd>
          </div>
        ) : null}
        <div className="billing-tax-total">
          <dt>Total charged</dt>
          <dd>{formatUsd(tax.totalCents)} USD</dd>
        </div>
      </dl>
      <p className="billing-tax-reason">{taxReason(tax, profile?.state ?? null)}</p>
    </div>
  );
}

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
          <PriceWithTax priceCents={bundle.priceCents} />
          <label className="billing-save-card">
            <input type="checkbox" checked={saveCard} onChange={(e) => onSaveCardChange(e.target.checked)} /> Save this card for auto top-up (charged only when you turn auto top-up on)
          </label>
          <div className="dialog-actions">
            <Dialog.Close className="button button-secondary">Cancel</Dialog.Close>
            <button type="button" className="button button-primary" onClick={onConfirm}>
              Continue to payment
            </button>
          </div>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}
