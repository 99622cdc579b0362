import { useMutation, useQuery } from '@tanstack/react-query';
import { Dialog } from 'radix-ui';
import { useState } from 'react';
import { BUNDLES, MC_PER_CREDIT, splitPurchase, type BundleId } from '@ai-credits/shared/catalog';
import { formatCredits, formatUsd } from '@ai-credits/shared/format';
import { creditsQueries } from '@/api/credits-queries';
import { formatDate } from '@/lib/dates';
import { billingMutations } from '../api/billing-queries';
import { CheckoutResult } from './checkout-result';
import { SandboxCheckout } from './sandbox-checkout-dialog';
import { useCheckout } from './use-checkout';
import './billing.css';

/** "Payment received. Of the 1,000 credits, 42.5 paid the overage already used and 957.5 were added to your balance." */
export function purchaseResult(credits: number, balanceBeforeMc: number | null): string {
  const purchaseMc = BigInt(credits) * BigInt(MC_PER_CREDIT);
  const { paysOverageMc, addedMc } = splitPurchase(purchaseMc, BigInt(balanceBeforeMc ?? 0));
  if (paysOverageMc === 0n) return `Payment received. ${credits.toLocaleString('en-US')} credits were added to your balance.`;
  return `Payment received. Of the ${credits.toLocaleString('en-US')} credits, ${formatCredits(paysOverageMc)} paid the overage already used and ${formatCredits(addedMc)} were added to your balance.`;
}

/**
 * Settings -> AI Credits -> Buy Credits -> pick a bundle -> Checkout (docs/product.md "Buying credits").
 * The owner only sees this; the BFF refuses everyone else and prices the order itself.
 */
export function BuyCreditsButton() {
  const [open, setOpen] = useState(false);
  const [bundleId, setBundleId] = useState<BundleId>('professional');
  // The billing period end, for "purchased credits expire on <date>".
  const summary = useQuery(creditsQueries.summary());
  // The balance when the owner confirmed: a purchase made in overage pays the overage first.
  const [balanceBeforeMc, setBalanceBeforeMc] = useState<number | null>(null);
  const createPurchase = useMutation(billingMutations.createPurchase());
  const checkout = useCheckout('No credits were added.');
  const bundle = BUNDLES.find((b) => b.id === bundleId) ?? BUNDLES[0]!;

  const confirm = () => {
    setOpen(false);
    setBalanceBeforeMc(summary.data?.balanceMc ?? null);
    void checkout.begin(() => createPurchase.mutateAsync(bundleId));
  };

  return (
    <div className="billing-buy">
      <Dialog.Root
        open={open}
        onOpenChange={(next) => {
          setOpen(next);
          if (next) checkout.reset();
        }}
      >
        <Dialog.Trigger className="button button-primary" disabled={checkout.busy}>
          Buy Credits
        </Dialog.Trigger>
        <Dialog.Portal>
          <Dialog.Overlay className="dialog-overlay" />
          <Dialog.Content className="dialog-content billing-dialog" aria-describedby="buy-credits-description">
            <Dialog.Title className="dialog-title">Buy credits</Dialog.Title>
            <p id="buy-credits-description" className="dialog-description">
              Pick a credit bundle. Prices in USD; payment through Razorpay (cards, UPI, net banking, wallets, international).
            </p>
            <fieldset className="billing-bundles">
              <legend className="sr-only">Credit bundle</legend>
              {BUNDLES.map((b) => (
                <label key={b.id} className={`billing-bundle${b.id === bundleId ? ' is-selected' : ''}`}>
                  <input type="radio" name="bundle" value={b.id} checked={b.id === bundleId} onChange={() => setBundleId(b.id)} />
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
            <p className="billing-expiry-note">
              {summary.data
                ? `Purchased credits expire with this billing month on ${formatDate(summary.data.period.end)} (UTC).`
                : 'Purchased credits expire with this billing month.'}
            </p>
            <div className="dialog-actions">
              <Dialog.Close className="button button-secondary">Cancel</Dialog.Close>
              <button type="button" className="button button-primary" onClick={confirm}>
                Continue to payment: {formatUsd(bundle.priceCents)}
              </button>
            </div>
          </Dialog.Content>
        </Dialog.Portal>
      </Dialog.Root>

      <SandboxCheckout checkout={checkout} />

      <CheckoutResult
        state={checkout.state}
        onDismiss={checkout.reset}
        success={({ purchase }) => purchaseResult(purchase.credits, balanceBeforeMc)}
      />
    </div>
  );
}
