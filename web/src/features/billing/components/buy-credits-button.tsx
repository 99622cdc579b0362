import { useMutation, useQuery } from '@tanstack/react-query';
import { lazy, Suspense, useRef, useState } from 'react';
import { MC_PER_CREDIT, splitPurchase, type BundleId } from '@ai-credits/shared/catalog';
import { formatCredits } from '@ai-credits/shared/format';
import { creditsQueries } from '@/api/credits-queries';
import { billingMutations } from '../api/billing-queries';
import { CheckoutResult } from './checkout-result';
import { useCheckout } from './use-checkout';
import './billing.css';

// The button is on the first screen of AI Credits; the dialogs behind it (Radix Dialog and Tabs)
// load when they are first needed (docs/benchmarks.md, "(h) first load").
const BuyCreditsDialog = lazy(() => import('./buy-credits-dialog').then((m) => ({ default: m.BuyCreditsDialog })));
const SandboxCheckout = lazy(() => import('./sandbox-checkout-dialog').then((m) => ({ default: m.SandboxCheckout })));

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
  const [saveCard, setSaveCard] = useState(false);
  // The billing period end, for "purchased credits expire on <date>".
  const summary = useQuery(creditsQueries.summary());
  // The balance when the owner confirmed: a purchase made in overage pays the overage first.
  const [balanceBeforeMc, setBalanceBeforeMc] = useState<number | null>(null);
  const createPurchase = useMutation(billingMutations.createPurchase());
  const checkout = useCheckout('No credits were added.');
  const buttonRef = useRef<HTMLButtonElement>(null);
  // Mounted from the first opening on, so that closing runs Radix's own close.
  const [opened, setOpened] = useState(false);
  if (open && !opened) setOpened(true);

  const confirm = () => {
    setOpen(false);
    setBalanceBeforeMc(summary.data?.balanceMc ?? null);
    void checkout.begin(() => createPurchase.mutateAsync({ bundleId, saveCard }));
  };

  return (
    <div className="billing-buy">
      <button
        ref={buttonRef}
        type="button"
        className="button button-primary"
        disabled={checkout.busy}
        aria-haspopup="dialog"
        aria-expanded={open}
        onClick={() => {
          checkout.reset();
          setOpen(true);
        }}
      >
        Buy Credits
      </button>
      {opened ? (
        <Suspense fallback={null}>
          <BuyCreditsDialog
            open={open}
            onOpenChange={setOpen}
            bundleId={bundleId}
            onBundleChange={setBundleId}
            saveCard={saveCard}
            onSaveCardChange={setSaveCard}
            periodEnd={summary.data?.period.end}
            onConfirm={confirm}
            returnFocusTo={buttonRef}
          />
        </Suspense>
      ) : null}

      {checkout.state.phase === 'sandbox' ? (
        <Suspense fallback={null}>
          <SandboxCheckout checkout={checkout} />
        </Suspense>
      ) : null}

      <CheckoutResult
        state={checkout.state}
        onDismiss={checkout.reset}
        success={({ purchase }) => purchaseResult(purchase.credits, balanceBeforeMc)}
      />
    </div>
  );
}
