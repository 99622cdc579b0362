import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { EMAIL_MAX_CHARS, EmailSchema } from '@ai-credits/shared/contracts/auth';
import { Field, FormError } from '@/components/ui/field';
import { AuthLayout } from '@/components/layouts/auth-layout';
import { accountMutations } from '../api/account-queries';
import { CheckInbox } from './check-inbox';

/** `/forgot-password`: a reset link by email (the same answer for every address). */
export function ForgotPasswordPage() {
  const forgot = useMutation(accountMutations.forgotPassword());
  const [email, setEmail] = useState('');
  const [error, setError] = useState<string | null>(null);

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const parsed = EmailSchema.safeParse(email.trim());
    if (!parsed.success) {
      setError('Enter a valid email address');
      return;
    }
    setError(null);
    forgot.mutate({ email: parsed.data });
  };

  return (
    <AuthLayout title="Reset your password" subtitle="We email you a link to choose a new password." footer={<Link to="/login">Back to sign in</Link>}>
      {forgot.isSuccess ? (
        <CheckInbox email={forgot.variables.email} devMailbox={forgot.data.devMailbox} />
      ) : (
        <form className="form" onSubmit={onSubmit} noValidate>
          <FormError>{forgot.error?.message}</FormError>
          <Field id="forgot-email" label="Email" error={error}>
            {(control) => <input {...control} type="email" autoComplete="email" maxLength={EMAIL_MAX_CHARS} required value={email} onChange={(e) => setEmail(e.target.value)} />}
          </Field>
          <button type="submit" className="button button-primary button-block" disabled={forgot.isPending}>
            {forgot.isPending ? 'Sending…' : 'Email me a reset link'}
          </button>
        </form>
      )}
    </AuthLayout>
  );
}
