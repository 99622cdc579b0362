import { useMutation } from '@tanstack/react-query';
import { Link } from 'react-router';
import { accountMutations } from '../api/account-queries';

/**
 * Shown to a signed-in user whose address is not confirmed yet: they may look around, but nothing
 * that spends credits or money or sends mail works until they open the emailed link (issue 20).
 */
export function UnverifiedBanner({ email }: { email: string }) {
  const resend = useMutation(accountMutations.resendVerification());
  return (
    <div className="banner banner-warning" role="region" aria-label="Confirm your email">
      <p>
        Confirm your email address: open the link we sent to <strong>{email}</strong>. Until then you can look around, but not use credits, buy or invite.{' '}
        {resend.isSuccess ? (
          <>
            A new link is on its way.
            {resend.data.devMailbox ? (
              <>
                {' '}
                <Link to={`/dev/mailbox?email=${encodeURIComponent(email)}`}>Open the test mailbox</Link>
              </>
            ) : null}
          </>
        ) : (
          <button type="button" className="button-link" disabled={resend.isPending} onClick={() => resend.mutate({ email })}>
            Send a new link
          </button>
        )}
      </p>
      {resend.isError ? <p role="alert">{resend.error.message}</p> : null}
    </div>
  );
}
