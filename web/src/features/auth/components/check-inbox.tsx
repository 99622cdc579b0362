import { Link } from 'react-router';

/**
 * What sign-up, "forgot password" and "send a new link" answer: the same for every address (no
 * answer tells whether it has an account). In test mode (no SMTP) the email is in the dev mailbox.
 */
export function CheckInbox({ email, devMailbox }: { email: string; devMailbox: boolean }) {
  return (
    <div className="form" role="status">
      <p>
        We sent an email to <strong>{email}</strong> with the next step. Open the link in it: it works once.
      </p>
      <p className="muted">Nothing arrived after a few minutes? Check your spam folder, or try again later.</p>
      {devMailbox ? (
        <p className="field-hint">
          Test mode: no email leaves this server. <Link to={`/dev/mailbox?email=${encodeURIComponent(email)}`}>Open the test mailbox</Link>
        </p>
      ) : null}
    </div>
  );
}
