import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { BILLING_PROFILE_MAX_CHARS, BillingProfileInputSchema, type BillingProfile, type BillingProfileInput } from '@ai-credits/shared/contracts/billing';
import { describeZodError } from '@ai-credits/shared/errors';
import { GST_STATES } from '@ai-credits/shared/tax';
import { Field, FormError } from '@/components/ui/field';
import { QuerySection } from '@/components/ui/query-section';
import { billingMutations, billingQueries } from '../api/billing-queries';

const EMPTY: BillingProfileInput = { legalName: '', addressLine1: '', addressLine2: null, city: '', postalCode: '', country: 'IN', state: null, taxId: null, invoiceEmail: '' };

/** The contract's limits: the browser stops typing where the server would refuse. */
const MAX_CHARS: Partial<Record<keyof BillingProfileInput, number>> = BILLING_PROFILE_MAX_CHARS;

function toInput(p: BillingProfile | null): BillingProfileInput {
  if (!p) return EMPTY;
  const { updatedAt: _updatedAt, ...input } = p;
  return input;
}

/** Plans & Billing: the buyer on tax invoices (owner edits; admins read). */
export function BillingProfileCard({ owner }: { owner: boolean }) {
  const profile = useQuery(billingQueries.profile());
  // Held here, not in the form: a save changes `updatedAt`, which remounts the form with the saved values.
  const [saved, setSaved] = useState(false);
  return (
    <QuerySection query={profile} loadingLabel="Loading the billing profile" loadingHeight={120} errorTitle="Couldn't load the billing profile">
      {({ profile: current, seller }) => (
        <section className="card" aria-labelledby="billing-profile-title">
          <h2 id="billing-profile-title" className="section-title">
            Billing profile
          </h2>
          <p className="section-subtitle">
            The buyer on your tax invoices. Seller: {seller.legalName}, GSTIN {seller.gstin}.
          </p>
          {owner ? (
            <ProfileForm key={current?.updatedAt ?? 'new'} current={toInput(current)} saved={saved} setSaved={setSaved} />
          ) : current ? (
            <dl className="billing-profile-list">
              <dt>Legal name</dt>
              <dd>{current.legalName}</dd>
              <dt>Address</dt>
              <dd>{[current.addressLine1, current.addressLine2, `${current.city} ${current.postalCode}`, current.state && (current.country === 'IN' ? GST_STATES[current.state] : current.state), current.country].filter(Boolean).join(', ')}</dd>
              <dt>Tax ID</dt>
              <dd>{current.taxId ?? '—'}</dd>
              <dt>Invoices to</dt>
              <dd>{current.invoiceEmail}</dd>
            </dl>
          ) : (
            <p className="muted">Not set yet; the owner sets it.</p>
          )}
        </section>
      )}
    </QuerySection>
  );
}

function ProfileForm({ current, saved, setSaved }: { current: BillingProfileInput; saved: boolean; setSaved: (saved: boolean) => void }) {
  const mutation = useMutation(billingMutations.setProfile());
  const [form, setForm] = useState(current);
  const [error, setError] = useState<string | null>(null);
  const india = form.country === 'IN';
  const set = (field: keyof BillingProfileInput) => (e: { target: { value: string } }) => {
    setSaved(false);
    const value = e.target.value;
    setForm((f) => ({ ...f, [field]: field === 'country' || field === 'taxId' ? value.toUpperCase() : value }));
  };
  const orNull = (v: string | null) => (v && v.trim() ? v.trim() : null);

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const body = { ...form, addressLine2: orNull(form.addressLine2), state: orNull(form.state), taxId: orNull(form.taxId) };
    const parsed = BillingProfileInputSchema.safeParse(body);
    setError(parsed.success ? null : describeZodError(parsed.error));
    if (!parsed.success) return;
    mutation.mutate(parsed.data, { onSuccess: () => setSaved(true) });
  };

  const field = (id: keyof BillingProfileInput, label: string, extra: { type?: string; autoComplete?: string } = {}) => (
    <Field id={`billing-${id}`} label={label}>
      {(control) => <input {...control} value={form[id] ?? ''} maxLength={MAX_CHARS[id]} onChange={set(id)} {...extra} />}
    </Field>
  );

  return (
    <form className="billing-profile-form" onSubmit={onSubmit} noValidate>
      {field('legalName', 'Legal name', { autoComplete: 'organization' })}
      {field('addressLine1', 'Address', { autoComplete: 'address-line1' })}
      {field('addressLine2', 'Address line 2 (optional)', { autoComplete: 'address-line2' })}
      {field('city', 'City', { autoComplete: 'address-level2' })}
      {field('postalCode', 'Postal code', { autoComplete: 'postal-code' })}
      {field('country', 'Country (two letters, e.g. IN)', { autoComplete: 'country' })}
      {india ? (
        <Field id="billing-state" label="State">
          {(control) => (
            <select {...control} value={form.state ?? ''} onChange={set('state')}>
              <option value="">Choose a state</option>
              {Object.entries(GST_STATES).map(([code, name]) => (
                <option key={code} value={code}>
                  {name} ({code})
                </option>
              ))}
            </select>
          )}
        </Field>
      ) : (
        field('state', 'State or region (optional)')
      )}
      {field('taxId', india ? 'GSTIN (optional)' : 'Tax ID (optional)')}
      {field('invoiceEmail', 'Email for invoices', { type: 'email', autoComplete: 'email' })}
      <FormError inline>{error || mutation.error?.message}</FormError>
      {saved ? (
        <p className="field-success" role="status">
          Billing profile saved.
        </p>
      ) : null}
      <div>
        <button type="submit" className="button button-primary" disabled={mutation.isPending}>
          Save billing profile
        </button>
      </div>
    </form>
  );
}
