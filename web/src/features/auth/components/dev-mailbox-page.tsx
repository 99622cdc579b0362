import { useQuery } from '@tanstack/react-query';
import { Fragment } from 'react';
import { Link, useSearchParams } from 'react-router';
import { AuthLayout } from '@/components/layouts/auth-layout';
import { QuerySection } from '@/components/ui/query-section';
import { isApiError } from '@/lib/api-client';
import { formatDateTime, timeZoneLabel } from '@/lib/dates';
import { accountQueries } from '../api/account-queries';
import { FormError } from '@/components/ui/field';

/** Lines of an email, with its links clickable (the emails are plain text). */
function EmailText({ text }: { text: string }) {
  return (
    <p className="email-text">
      {text.split('\n').map((line, i) => (
        <Fragment key={i}>
          {/^https?:\/\/\S+$/.test(line) ? <a href={line}>{line}</a> : line}
          <br />
        </Fragment>
      ))}
    </p>
  );
}

/**
 * `/dev/mailbox?email=...`: test mode only (no SMTP, DEV_MAILBOX; never in production). The
 * account emails to one address, so a sign-up or a password reset can be finished without mail.
 */
export function DevMailboxPage() {
  const [params] = useSearchParams();
  const email = params.get('email') ?? '';
  const box = useQuery({ ...accountQueries.devMailbox(email), enabled: email !== '', retry: false });

  return (
    <AuthLayout title="Test mailbox" subtitle={`Account emails to ${email || '…'} (test mode: nothing leaves this server).`} footer={<Link to="/login">Sign in</Link>}>
      {!email ? (
        <FormError>No address given.</FormError>
      ) : (
        <QuerySection
          query={box}
          loadingLabel="Loading the emails"
          loadingHeight={48}
          errorTitle="Could not open the test mailbox"
          errorMessage={(error) => (isApiError(error) && error.status === 404 ? 'This server has no test mailbox: its emails are delivered.' : error.message)}
        >
          {({ emails }) =>
            emails.length === 0 ? (
              <p role="status" className="muted">
                No emails to this address yet.
              </p>
            ) : (
              <ul className="mailbox" aria-label="Emails">
                {emails.map((mail) => (
                  <li key={mail.id}>
                    <article aria-label={mail.subject}>
                      <h2>{mail.subject}</h2>
                      <p className="muted">
                        {formatDateTime(mail.createdAt)} {timeZoneLabel(mail.createdAt)}
                      </p>
                      <EmailText text={mail.text} />
                    </article>
                  </li>
                ))}
              </ul>
            )
          }
        </QuerySection>
      )}
    </AuthLayout>
  );
}
