import { useMutation, useQuery } from '@tanstack/react-query';
import { Dialog } from 'radix-ui';
import { useId, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import type { ApiKey } from '@ai-credits/shared/contracts/api-keys';
import { NAME_MAX_CHARS } from '@ai-credits/shared/contracts/auth';
import { formatCredits, withCreditsUnit } from '@ai-credits/shared/format';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { EmptyState } from '@/components/ui/states';
import { PageHeader } from '@/components/ui/page-header';
import { QuerySection } from '@/components/ui/query-section';
import { Field, FormError } from '@/components/ui/field';
import { formatDateTime, timeZoneLabel } from '@/lib/dates';
import { Quickstart } from './quickstart';
import { apiKeysMutations, apiKeysQueries } from '../api/api-keys-queries';

const when = (iso: string | null) => (iso ? `${formatDateTime(iso)} ${timeZoneLabel(iso)}` : 'Never');

/** Settings -> API keys: org keys for the metering API (owner and admin). Shown once, stored hashed, revocable. */
export function ApiKeysPage() {
  const keys = useQuery(apiKeysQueries.list());
  // Its own request: the list shows at once, the sums follow (a failed sum leaves a dash, not an error page).
  const usage = useQuery(apiKeysQueries.usage());
  const usageOf = new Map(usage.data?.keys.map((k) => [k.apiKeyId, k]));
  const periodStart = usage.data ? new Date(usage.data.period.start).toLocaleDateString('en-US', { dateStyle: 'medium', timeZone: 'UTC' }) : null;
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const revoke = useMutation(apiKeysMutations.revoke());

  return (
    <div className="page">
      <PageHeader
        breadcrumb="Settings"
        title="API keys"
        description={
          <>
            Other services of the platform meter their AI calls against your credits with these keys: <code>Authorization: Bearer &lt;key&gt;</code> on{' '}
            <code>/api/v1/metering/*</code> (see <a href="/api/docs">the API reference</a>, <a href="/api/openapi.json">the OpenAPI document</a> and <Link to="/settings/models">models and rates</Link>).
          </>
        }
        actions={<CreateKeyDialog />}
      />
      <section className="card" aria-labelledby="keys-title">
        <h2 id="keys-title" className="section-title">
          Keys
        </h2>
        <QuerySection query={keys} loadingLabel="Loading API keys" errorTitle="Could not load API keys">
          {(data) =>
            data.apiKeys.length === 0 ? (
              <EmptyState title="No API keys yet">Create one for each service that meters AI usage.</EmptyState>
            ) : (
              <div className="table-scroll">
                <table className="table">
                  <thead>
                    <tr>
                      <th scope="col">Name</th>
                      <th scope="col">Key</th>
                      <th scope="col">Created</th>
                      <th scope="col">Last used</th>
                      <th scope="col">{periodStart ? `Usage since ${periodStart}` : 'Usage this period'}</th>
                      <th scope="col">Status</th>
                      <th scope="col">
                        <span className="sr-only">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.apiKeys.map((k) => (
                      <tr key={k.id}>
                        <td>{k.name}</td>
                        <td>
                          <code>{k.prefix}</code>
                        </td>
                        <td>
                          {when(k.createdAt)}
                          {k.createdBy ? <span className="cell-note"> by {k.createdBy.name}</span> : null}
                        </td>
                        <td>{when(k.lastUsedAt)}</td>
                        <td>
                          <KeyUsage usage={usageOf.get(k.id)} />
                        </td>
                        <td>{k.revokedAt ? <span className="badge badge-danger">Revoked {when(k.revokedAt)}</span> : <span className="badge">Active</span>}</td>
                        <td>
                          {!k.revokedAt ? (
                            <button type="button" className="button button-ghost" onClick={() => setRevoking(k)} aria-label={`Revoke ${k.name}`}>
                              Revoke
                            </button>
                          ) : null}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )
          }
        </QuerySection>
      </section>
      {keys.data ? <Quickstart keys={keys.data.apiKeys.filter((k) => !k.revokedAt)} /> : null}
      <ConfirmDialog
        open={revoking !== null}
        onOpenChange={(open) => !open && setRevoking(null)}
        title={`Revoke “${revoking?.name ?? ''}”?`}
        confirmLabel="Revoke key"
        tone="danger"
        pending={revoke.isPending}
        onConfirm={() => revoking && revoke.mutate(revoking.id, { onSuccess: () => setRevoking(null) })}
      >
        <p>Services using this key stop working at once. This cannot be undone.</p>
        <FormError>{revoke.error?.message}</FormError>
      </ConfirmDialog>
    </div>
  );
}

function KeyUsage({ usage }: { usage: { calls: number; chargedMc: number } | undefined }) {
  if (!usage) return <span aria-label="Not known">—</span>;
  return (
    <>
      {withCreditsUnit(formatCredits(usage.chargedMc))}
      <span className="cell-note">
        {' '}
        in {usage.calls.toLocaleString('en-US')} {usage.calls === 1 ? 'call' : 'calls'}
      </span>
    </>
  );
}

function CreateKeyDialog() {
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const create = useMutation(apiKeysMutations.create());
  const [copied, setCopied] = useState(false);
  const nameId = useId();

  const onOpenChange = (next: boolean) => {
    setOpen(next);
    if (!next) {
      // The token is shown once: closing the dialog forgets it.
      create.reset();
      setName('');
      setCopied(false);
    }
  };
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (name.trim()) create.mutate(name.trim());
  };

  return (
    <Dialog.Root open={open} onOpenChange={onOpenChange}>
      <Dialog.Trigger className="button button-primary">Create API key</Dialog.Trigger>
      <Dialog.Portal>
        <Dialog.Overlay className="dialog-overlay" />
        <Dialog.Content className="dialog-content">
          <Dialog.Title className="dialog-title">{create.data ? 'Copy your new API key' : 'Create API key'}</Dialog.Title>
          {create.data ? (
            <>
              <Dialog.Description className="dialog-description">This is the only time the key is shown. Store it in your service’s secret store.</Dialog.Description>
              <code className="secret-token" data-testid="new-api-key">
                {create.data.token}
              </code>
              <div className="dialog-actions">
                <button
                  type="button"
                  className="button button-secondary"
                  onClick={() => void navigator.clipboard?.writeText(create.data.token).then(() => setCopied(true))}
                >
                  {copied ? 'Copied' : 'Copy'}
                </button>
                <Dialog.Close className="button button-primary">Done</Dialog.Close>
              </div>
            </>
          ) : (
            <form className="form" onSubmit={onSubmit} noValidate>
              <Dialog.Description className="dialog-description">Name the service that will use it, e.g. “CI test runner”.</Dialog.Description>
              <Field id={nameId} label="Name">
                {(control) => <input {...control} value={name} maxLength={NAME_MAX_CHARS} onChange={(e) => setName(e.target.value)} />}
              </Field>
              <FormError>{create.error?.message}</FormError>
              <div className="dialog-actions">
                <Dialog.Close className="button button-secondary">Cancel</Dialog.Close>
                <button type="submit" className="button button-primary" disabled={!name.trim() || create.isPending}>
                  {create.isPending ? 'Creating…' : 'Create key'}
                </button>
              </div>
            </form>
          )}
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}
