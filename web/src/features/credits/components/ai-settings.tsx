import { useMutation, useQuery } from '@tanstack/react-query';
import { Switch } from 'radix-ui';
import { useState, type FormEvent } from 'react';
import type { Role } from '@ai-credits/shared/contracts/auth';
import { MC_PER_CREDIT, OVERAGE_CENTS_PER_CREDIT, overagePriceText } from '@ai-credits/shared/catalog';
import { formatCredits, formatUsd } from '@ai-credits/shared/format';
import { OverageLimitBodySchema } from '@ai-credits/shared/contracts/credits';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { FieldNote } from '@/components/ui/field';
import { QuerySection } from '@/components/ui/query-section';
import { creditsQueries } from '@/api/credits-queries';
import { creditsMutations } from '../api/usage-queries';

/** Whole credits -> cents at the catalog's overage price, in integers (docs/product.md: no floats touch money). */
export function overageCostCents(credits: number): number {
  return credits * OVERAGE_CENTS_PER_CREDIT;
}

/** The Enable AI switch and the monthly overage limit: owner-only controls, read-only for everyone else. */
export function AiSettings({ role, orgName }: { role: Role; orgName: string }) {
  const summary = useQuery(creditsQueries.summary());
  const owner = role === 'owner';
  return (
    <QuerySection query={summary} loadingLabel="Loading AI settings" loadingHeight={180} errorTitle="Couldn't load AI settings">
      {(data) => (
        <section className="card settings-card" aria-labelledby="ai-settings-title">
          <h2 id="ai-settings-title" className="section-title">
            AI settings
          </h2>
          <AiToggle enabled={data.aiEnabled} owner={owner} orgName={orgName} />
          <OverageLimit limitMc={data.overage.limitMc} owner={owner} />
        </section>
      )}
    </QuerySection>
  );
}

function AiToggle({ enabled, owner, orgName }: { enabled: boolean; owner: boolean; orgName: string }) {
  const mutation = useMutation(creditsMutations.setAiEnabled());
  const [confirmOff, setConfirmOff] = useState(false);

  const change = (next: boolean) => {
    if (!next) {
      setConfirmOff(true);
      return;
    }
    mutation.mutate(true);
  };

  return (
    <div className="setting-row">
      <div className="setting-text">
        <label htmlFor="enable-ai" className="setting-label">
          Enable AI
        </label>
        <p id="enable-ai-description" className="setting-description">
          Test generation, the AI chat assistant and AI reports for everyone in {orgName}. When off, AI features are hidden for all users and no
          credits are used. Nothing already generated is deleted.
        </p>
        {!owner ? <p className="setting-readonly">Only the organization owner can change this.</p> : null}
        <FieldNote id="enable-ai-error" error={mutation.error?.message} errorAlert />
      </div>
      <div className="setting-control">
        <Switch.Root
          id="enable-ai"
          className="switch"
          checked={enabled}
          disabled={!owner || mutation.isPending}
          onCheckedChange={change}
          aria-describedby={mutation.isError ? 'enable-ai-description enable-ai-error' : 'enable-ai-description'}
        >
          <Switch.Thumb className="switch-thumb" />
        </Switch.Root>
        <span className={`switch-state ${enabled ? 'is-on' : 'is-off'}`} aria-hidden="true">
          {enabled ? 'On' : 'Off'}
        </span>
      </div>
      <ConfirmDialog
        open={confirmOff}
        onOpenChange={setConfirmOff}
        title="Turn off AI for everyone?"
        confirmLabel="Turn off AI"
        tone="danger"
        pending={mutation.isPending}
        onConfirm={() => mutation.mutate(false, { onSettled: () => setConfirmOff(false) })}
      >
        <p>
          Test generation, AI chat and AI reports disappear for every user of {orgName} and in-flight AI requests are cancelled. Content generated
          earlier stays readable. You can turn AI back on at any time.
        </p>
      </ConfirmDialog>
    </div>
  );
}

function OverageLimit({ limitMc, owner }: { limitMc: number; owner: boolean }) {
  const currentCredits = Math.floor(limitMc / MC_PER_CREDIT);
  const mutation = useMutation(creditsMutations.setOverageLimit());
  const [draft, setDraft] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [saved, setSaved] = useState(false);

  const text = draft ?? String(currentCredits);
  // The contract's own bounds (0 to MAX_OVERAGE_LIMIT_CREDITS), so the server is never sent a value it refuses.
  const valid = /^\d+$/.test(text.trim()) && OverageLimitBodySchema.safeParse({ limitCredits: Number(text.trim()) }).success;
  const credits = valid ? Number(text.trim()) : null;

  const save = (value: number) =>
    mutation.mutate(value, {
      onSuccess: () => {
        setDraft(null);
        setSaved(true);
      },
      onSettled: () => setConfirming(false),
    });

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    if (credits === null || credits === currentCredits) return;
    // Raising the limit can cost money: confirm first. Lowering it cannot.
    if (credits > currentCredits) setConfirming(true);
    else save(credits);
  };

  if (!owner) {
    return (
      <div className="setting-row" id="overage-limit">
        <div className="setting-text">
          <p className="setting-label">Monthly overage limit</p>
          <p className="setting-description">
            {currentCredits === 0
              ? 'No overage allowed: AI requests stop when credits run out.'
              : `Up to ${formatCredits(limitMc)} credits beyond the balance each billing month (up to ${formatUsd(overageCostCents(currentCredits))} at ${overagePriceText()}).`}
          </p>
          <p className="setting-readonly">Only the organization owner can change this.</p>
        </div>
      </div>
    );
  }

  return (
    <form className="setting-row" id="overage-limit" onSubmit={onSubmit} noValidate>
      <div className="setting-text">
        <label htmlFor="overage-limit-input" className="setting-label">
          Monthly overage limit
        </label>
        <p id="overage-limit-help" className="setting-description">
          When credits run out, AI keeps working for up to this many extra credits per billing month, billed at {overagePriceText()}. 0 stops AI when
          credits run out.
        </p>
        <p className="setting-cost" aria-live="polite">
          {credits === null
            ? 'Enter a whole number of credits (0 or more).'
            : credits === 0
              ? 'No overage: $0.00 per month at most.'
              : `Up to ${formatUsd(overageCostCents(credits))} per billing month.`}
        </p>
        <FieldNote id="overage-limit-error" error={mutation.error?.message} errorAlert />
        {saved && !mutation.isPending ? (
          <p className="field-success" role="status">
            Overage limit saved.
          </p>
        ) : null}
      </div>
      <div className="setting-control setting-control-form">
        <div className="input-suffix">
          <input
            id="overage-limit-input"
            inputMode="numeric"
            autoComplete="off"
            value={text}
            aria-invalid={credits === null ? true : undefined}
            aria-describedby={mutation.isError ? 'overage-limit-help overage-limit-error' : 'overage-limit-help'}
            onChange={(e) => {
              setSaved(false);
              setDraft(e.target.value);
            }}
          />
          <span aria-hidden="true">credits</span>
        </div>
        <button type="submit" className="button button-secondary" disabled={credits === null || credits === currentCredits || mutation.isPending}>
          Save limit
        </button>
      </div>
      <ConfirmDialog
        open={confirming}
        onOpenChange={setConfirming}
        title={`Allow up to ${formatCredits((credits ?? 0) * MC_PER_CREDIT)} overage credits?`}
        confirmLabel={`Allow up to ${formatUsd(overageCostCents(credits ?? 0))}`}
        pending={mutation.isPending}
        onConfirm={() => credits !== null && save(credits)}
      >
        <p>
          When the balance reaches zero, AI keeps working and your organization is invoiced at {overagePriceText()} when the billing month closes: up to{' '}
          <strong>{formatUsd(overageCostCents(credits ?? 0))}</strong> per billing month (now {formatUsd(overageCostCents(currentCredits))}).
        </p>
      </ConfirmDialog>
    </form>
  );
}
