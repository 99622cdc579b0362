import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { MONTHLY_ALLOWANCE_MC } from '@ai-credits/shared/catalog';
import { authContract, EMAIL_MAX_CHARS, NAME_MAX_CHARS, PASSWORD_MAX_CHARS } from '@ai-credits/shared/contracts/auth';
import { formatCredits } from '@ai-credits/shared/format';
import { Field, FormError } from '@/components/ui/field';
import { authMutations } from '@/api/auth-mutations';
import { AuthLayout, useForgetPreviousSession } from '@/components/layouts/auth-layout';
import { CheckInbox } from './check-inbox';

type FieldName = 'orgName' | 'name' | 'email' | 'password';
const LABELS: Record<FieldName, string> = { orgName: 'Organization name', name: 'Your name', email: 'Email', password: 'Password' };
/** The contract's limits (shared/contracts/auth.ts): the browser stops typing where the server would refuse. */
const MAX_CHARS: Record<FieldName, number> = { orgName: NAME_MAX_CHARS, name: NAME_MAX_CHARS, email: EMAIL_MAX_CHARS, password: PASSWORD_MAX_CHARS };

export function SignupPage() {
  const signup = useMutation(authMutations.signup());
  const [values, setValues] = useState<Record<FieldName, string>>({ orgName: '', name: '', email: '', password: '' });
  useForgetPreviousSession();
  const [errors, setErrors] = useState<Partial<Record<FieldName, string>>>({});

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    // The same schema the BFF parses the body with.
    const parsed = authContract.signup.body.safeParse(values);
    if (!parsed.success) {
      const next: Partial<Record<FieldName, string>> = {};
      for (const issue of parsed.error.issues) {
        const field = issue.path[0] as FieldName;
        next[field] ??= field === 'email' ? 'Enter a valid email address' : field === 'password' ? 'Use at least 8 characters' : 'Required';
      }
      setErrors(next);
      return;
    }
    setErrors({});
    // Nobody is signed in yet: the emailed link confirms the address and signs in (issue 20).
    signup.mutate(parsed.data);
  };

  const field = (name: FieldName, type: string, autoComplete: string, hint?: string) => (
    <Field id={`signup-${name}`} label={LABELS[name]} error={errors[name]} hint={hint}>
      {(control) => (
        <input
          {...control}
          type={type}
          autoComplete={autoComplete}
          maxLength={MAX_CHARS[name]}
          required
          value={values[name]}
          onChange={(e) => setValues((v) => ({ ...v, [name]: e.target.value }))}
        />
      )}
    </Field>
  );

  if (signup.isSuccess) {
    return (
      <AuthLayout title="Check your inbox" subtitle="Confirm your email address to create your organization." footer={<Link to="/login">Sign in</Link>}>
        <CheckInbox email={signup.variables.email} devMailbox={signup.data.devMailbox} />
      </AuthLayout>
    );
  }

  return (
    <AuthLayout
      title="Create your organization"
      subtitle={`You become its owner. Every new organization starts with ${formatCredits(MONTHLY_ALLOWANCE_MC)} AI credits.`}
      footer={
        <>
          Already have an account? <Link to="/login">Sign in</Link>
        </>
      }
    >
      <form className="form" onSubmit={onSubmit} noValidate>
        <FormError>{signup.error?.message}</FormError>
        {field('orgName', 'text', 'organization')}
        {field('name', 'text', 'name')}
        {field('email', 'email', 'email')}
        {field('password', 'password', 'new-password', 'At least 8 characters')}
        <button type="submit" className="button button-primary button-block" disabled={signup.isPending}>
          {signup.isPending ? 'Creating…' : 'Create organization'}
        </button>
      </form>
    </AuthLayout>
  );
}
