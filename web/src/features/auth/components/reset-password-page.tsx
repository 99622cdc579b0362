import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useLocation } from 'react-router';
import { PASSWORD_MAX_CHARS, PasswordSchema } from '@ai-credits/shared/contracts/auth';
import { Field, FormError } from '@/components/ui/field';
import { AuthLayout } from '@/components/layouts/auth-layout';
import { accountMutations, linkTokenFrom } from '../api/account-queries';

/** `/reset-password#token=...`: the emailed reset link (single use, 1 hour). Every session of the account ends. */
export function ResetPasswordPage() {
  const { hash } = useLocation();
  const token = linkTokenFrom(hash);
  const reset = useMutation(accountMutations.resetPassword());
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (!token || reset.isPending) return;
    if (!PasswordSchema.safeParse(password).success) {
      setError('Choose a password of at least 8 characters.');
      return;
    }
    setError(null);
    reset.mutate({ token, password });
  };

  if (!token) {
    return (
      <AuthLayout title="Reset your password" subtitle="" footer={<Link to="/forgot-password">Ask for a new link</Link>}>
        <FormError>This reset link is incomplete. Open the link from the email again, or copy all of it.</FormError>
      </AuthLayout>
    );
  }
  if (reset.isSuccess) {
    return (
      <AuthLayout title="Password changed" subtitle="" footer={null}>
        <div className="form" role="status">
          <p>Your new password is set. Every device that was signed in to your account has been signed out.</p>
          <Link className="button button-primary button-block" to="/login">
            Sign in
          </Link>
        </div>
      </AuthLayout>
    );
  }
  return (
    <AuthLayout title="Choose a new password" subtitle="The link works once." footer={<Link to="/login">Back to sign in</Link>}>
      <form className="form" onSubmit={onSubmit} noValidate>
        {reset.isError ? (
          <FormError>
            {reset.error.message} <Link to="/forgot-password">Ask for a new link</Link>
          </FormError>
        ) : null}
        <Field id="reset-password" label="New password" error={error} hint="At least 8 characters">
          {(control) => (
            <input {...control} type="password" autoComplete="new-password" maxLength={PASSWORD_MAX_CHARS} required value={password} onChange={(e) => setPassword(e.target.value)} />
          )}
        </Field>
        <button type="submit" className="button button-primary button-block" disabled={reset.isPending}>
          {reset.isPending ? 'Saving…' : 'Set new password'}
        </button>
      </form>
    </AuthLayout>
  );
}
