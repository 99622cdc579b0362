import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { BUNDLES, findBundle } from '@ai-credits/shared/catalog';
import { AutoTopUpInputSchema, type AutoTopUpInput, type AutoTopUpState } from '@ai-credits/shared/contracts/billing';
import { describeZodError } from '@ai-credits/shared/errors';
import { formatUsd } from '@ai-credits/shared/format';
import { Field, FormError } from '@/components/ui/field';
import { QuerySection } from '@/components/ui/query-section';
import { formatDateTime } from '@/lib/dates';
import { creditsKeys } from '@/api/credits-queries';
import { billingKeys, billingMutations, billingQueries } from '../api/billing-queries';

const DEFAULTS: AutoTopUpInput = { enabled: true, thresholdCredits: 100, bundleId: 'starter', capKind: 'count', capValue: 3 };
const STATUS: Record<AutoTopUpState['topUps'][number]['status'], string> = { pending: 'Starting', charging: 'Charging', succeeded: 'Credits added', failed: 'Failed' };

/** Plans & Billing: the saved card and auto top-up (owner edits; admins read). Refreshes while a top-up is under way. */
export function AutoTopUpCard({ owner }: { owner: boolean }) {
  const state = useQuery({
    ...billingQueries.autoTopUp(),
    refetchInterval: (q) => (q.state.data?.topUps.some((t) => t.status === 'pending' || t.status === 'charging') ? 2_000 : 15_000),
  });
  const remove = useMutation(billingMutations.removePaymentMethod());
  // Held here, not in the form: a save changes `updatedAt`, which remounts the form with the saved values.
  const [saved, setSaved] = useState(false);
  useRefreshWhenATopUpLands(state.data?.topUps);
  return (
    <QuerySection query={state} loadingLabel="Loading auto top-up" loadingHeight={120} errorTitle="Couldn't load auto top-up">
      {({ settings, paymentMethod, usedThisPeriod, topUps }) => (
        <section className="card" aria-labelledby="auto-topup-title">
          <h2 id="auto-topup-title" className="section-title">
            Auto top-up
          </h2>
          {settings?.pausedAt ? (
            <div className="banner banner-danger" role="alert">
              Auto top-up is paused: {settings.pausedReason}{' '}
              {owner ? 'Save a working card (buy a bundle with "Save this card for auto top-up") and save the settings to resume.' : 'The owner can resume it.'}
            </div>
          ) : null}
          <p className="section-subtitle">
            When the balance drops below the threshold, the bundle is bought with the saved card, at most up to the monthly cap. This month:{' '}
            {usedThisPeriod.count} top-up{usedThisPeriod.count === 1 ? '' : 's'}, {formatUsd(usedThisPeriod.amountCents)} before GST (the cap counts bundle prices; Purchases shows each total charged).
          </p>
          <p>
            Saved card:{' '}
            {paymentMethod ? (
              <>
                {paymentMethod.brand} ending {paymentMethod.last4}
                {paymentMethod.expMonth && paymentMethod.expYear ? `, expires ${String(paymentMethod.expMonth).padStart(2, '0')}/${paymentMethod.expYear}` : ''}{' '}
                {owner ? (
                  <button type="button" className="button button-secondary" disabled={remove.isPending} onClick={() => remove.mutate()}>
                    Remove card
                  </button>
                ) : null}
              </>
            ) : (
              <span className="muted">none (tick "Save this card for auto top-up" when you buy credits)</span>
            )}
          </p>
          {owner ? (
            <AutoTopUpForm key={settings?.updatedAt ?? 'new'} saved={saved} setSaved={setSaved} current={settings ? { enabled: settings.enabled, thresholdCredits: settings.thresholdCredits, bundleId: settings.bundleId, capKind: settings.capKind, capValue: settings.capValue } : DEFAULTS} />
          ) : settings ? (
            <p>
              {settings.enabled ? 'On' : 'Off'}: below {settings.thresholdCredits.toLocaleString('en-US')} credits, buy {findBundle(settings.bundleId)?.name}; at most{' '}
              {settings.capKind === 'count' ? `${settings.capValue} top-ups` : formatUsd(settings.capValue)} a month.
            </p>
          ) : null}
          {topUps.length ? (
            <ul className="billing-topups" aria-label="Recent top-ups">
              {topUps.map((t) => (
                <li key={t.id}>
                  {formatDateTime(t.createdAt)}: {findBundle(t.bundleId)?.name} ({formatUsd(t.amountCents)} before GST), {STATUS[t.status]}
                  {t.failureReason ? `: ${t.failureReason}` : ''}
                </li>
              ))}
            </ul>
          ) : null}
        </section>
      )}
    </QuerySection>
  );
}

/** A top-up that lands (started by metering, elsewhere) shows in the purchases and the balance without a reload. */
function useRefreshWhenATopUpLands(topUps: AutoTopUpState['topUps'] | undefined) {
  const queryClient = useQueryClient();
  const landed = topUps?.filter((t) => t.status === 'succeeded').map((t) => t.id).join(',');
  const seen = useRef<string | undefined>(undefined);
  useEffect(() => {
    if (landed === undefined) return;
    if (seen.current !== undefined && seen.current !== landed) {
      void queryClient.invalidateQueries({ queryKey: billingKeys.history() });
      void queryClient.invalidateQueries({ queryKey: creditsKeys.summary() });
    }
    seen.current = landed;
  }, [landed, queryClient]);
}

function AutoTopUpForm({ current, saved, setSaved }: { current: AutoTopUpInput; saved: boolean; setSaved: (saved: boolean) => void }) {
  const mutation = useMutation(billingMutations.setAutoTopUp());
  const [form, setForm] = useState({ ...current, thresholdCredits: String(current.thresholdCredits), capValue: String(current.capKind === 'amount' ? current.capValue / 100 : current.capValue) });
  const [error, setError] = useState<string | null>(null);

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    const capNumber = Number(form.capValue);
    const body = { ...form, thresholdCredits: Number(form.thresholdCredits), capValue: form.capKind === 'amount' ? Math.round(capNumber * 100) : capNumber };
    const parsed = AutoTopUpInputSchema.safeParse(body);
    setError(parsed.success ? null : describeZodError(parsed.error));
    if (parsed.success) mutation.mutate(parsed.data, { onSuccess: () => setSaved(true) });
  };

  return (
    <form className="billing-profile-form" onSubmit={onSubmit} noValidate>
      <label className="billing-save-card">
        <input type="checkbox" checked={form.enabled} onChange={(e) => setForm((f) => ({ ...f, enabled: e.target.checked }))} /> Auto top-up on
      </label>
      <Field id="topup-threshold" label="When the balance drops below (credits)">
        {(control) => <input {...control} inputMode="numeric" value={form.thresholdCredits} onChange={(e) => setForm((f) => ({ ...f, thresholdCredits: e.target.value }))} />}
      </Field>
      <Field id="topup-bundle" label="Buy">
        {(control) => (
          <select {...control} value={form.bundleId} onChange={(e) => setForm((f) => ({ ...f, bundleId: e.target.value as AutoTopUpInput['bundleId'] }))}>
            {BUNDLES.map((b) => (
              <option key={b.id} value={b.id}>
                {b.name}: {b.credits.toLocaleString('en-US')} credits for {formatUsd(b.priceCents)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field id="topup-cap-kind" label="Monthly cap">
        {(control) => (
          <select {...control} value={form.capKind} onChange={(e) => setForm((f) => ({ ...f, capKind: e.target.value as AutoTopUpInput['capKind'] }))}>
            <option value="count">Number of top-ups</option>
            <option value="amount">Amount (USD)</option>
          </select>
        )}
      </Field>
      <Field id="topup-cap-value" label={form.capKind === 'count' ? 'Top-ups per month' : 'USD per month'}>
        {(control) => <input {...control} inputMode="decimal" value={form.capValue} onChange={(e) => setForm((f) => ({ ...f, capValue: e.target.value }))} />}
      </Field>
      <FormError inline>{error || mutation.error?.message}</FormError>
      {saved ? (
        <p className="field-success" role="status">
          Auto top-up saved.
        </p>
      ) : null}
      <div>
        <button type="submit" className="button button-primary" disabled={mutation.isPending}>
          Save auto top-up
        </button>
      </div>
    </form>
  );
}
