import { useQuery } from '@tanstack/react-query';
import type { OutboxEmail } from '@ai-credits/shared/contracts/org';
import { EmptyState } from '@/components/ui/states';
import { PageHeader } from '@/components/ui/page-header';
import { QuerySection } from '@/components/ui/query-section';
import { formatDateTime } from '@/lib/dates';
import { orgAdminQueries } from '../api/org-admin-queries';
import './org.css';

const KIND_LABEL: Record<string, string> = { invitation: 'Invitation', receipt: 'Receipt', overage_invoice: 'Overage invoice', alert: 'Alert' };

function status(email: OutboxEmail, testMode: boolean): { text: string; tone: string } {
  if (email.sentAt) return { text: `Sent ${formatDateTime(email.sentAt)}`, tone: 'badge badge-success' };
  if (testMode) return { text: 'Kept (test mode)', tone: 'badge' };
  if (email.attempts > 0) return { text: `Not delivered yet (${email.attempts} ${email.attempts === 1 ? 'try' : 'tries'})`, tone: 'badge badge-warning' };
  return { text: 'Queued', tone: 'badge' };
}

/** "2.6 KB" (one decimal; bytes below 1 KB). */
const fileSize = (bytes: number) => (bytes < 1024 ? `${bytes} bytes` : `${(bytes / 1024).toFixed(1)} KB`);

/**
 * Settings -> Sent emails (owner/admin; the BFF refuses others): the organization's emails,
 * newest first, with their text. Without SMTP_URL nothing leaves the server and this page is the
 * mailbox ("test mode", as payments fall back to the sandbox).
 */
export function SentEmailsPage() {
  const emails = useQuery(orgAdminQueries.emails());
  const testMode = emails.data?.mode === 'outbox';
  return (
    <div className="page">
      <PageHeader
        breadcrumb="Settings"
        title={`Sent emails${testMode ? ' (test mode)' : ''}`}
        description="Invitations, receipts, overage invoices and alerts emailed for your organization, newest first."
      />
      {testMode ? (
        <p className="muted" role="note">
          <span className="badge org-test-mode">Test mode</span> No mail server is configured (SMTP_URL), so emails are not delivered: they are kept here instead.
        </p>
      ) : null}
      <section className="card" aria-labelledby="emails-title">
        <h2 id="emails-title" className="section-title">
          Emails
        </h2>
        <QuerySection query={emails} loadingLabel="Loading emails" loadingHeight={200} errorTitle="Couldn't load emails">
          {(data) =>
            data.emails.length === 0 ? (
              <EmptyState title="No emails yet">Invite someone from Members to send the first one.</EmptyState>
            ) : (
              <ol className="org-emails">
                {data.emails.map((e) => {
                  const s = status(e, testMode);
                  return (
                    <li key={e.id} className="org-email">
                      <article aria-labelledby={`email-${e.id}`}>
                        <h3 id={`email-${e.id}`} className="org-email-subject">
                          {e.subject}
                        </h3>
                        <dl className="org-email-meta">
                          <div>
                            <dt>To</dt>
                            <dd>{e.to}</dd>
                          </div>
                          <div>
                            <dt>Kind</dt>
                            <dd>{KIND_LABEL[e.kind] ?? e.kind}</dd>
                          </div>
                          <div>
                            <dt>Written</dt>
                            <dd>{formatDateTime(e.createdAt)}</dd>
                          </div>
                          <div>
                            <dt>Status</dt>
                            <dd>
                              <span className={s.tone}>{s.text}</span>
                            </dd>
                          </div>
                          {e.attachments.length > 0 ? (
                            <div>
                              <dt>Attached</dt>
                              <dd>{e.attachments.map((a) => `${a.filename} (${fileSize(a.sizeBytes)})`).join(', ')}</dd>
                            </div>
                          ) : null}
                        </dl>
                        {e.lastError && !e.sentAt ? <p className="field-error">Last error: {e.lastError}</p> : null}
                        <pre className="org-email-body">{e.text}</pre>
                      </article>
                    </li>
                  );
                })}
              </ol>
            )
          }
        </QuerySection>
      </section>
    </div>
  );
}
