import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { EMAIL_MAX_CHARS, PASSWORD_MAX_CHARS } from '@ai-credits/shared/contracts/auth';
import { sessionKeys } from '@/api/session-queries';
import { authMutations } from '@/api/auth-mutations';
import { AuthLayout, useForgetPreviousSession } from '@/components/layouts/auth-layout';
import { Field, FormError } from '@/components/ui/field';

/** Only same-app paths are followed after sign-in (no open redirect). */
export function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/settings/ai-credits';
}

export function LoginPage() {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [searchParams] = useSearchParams();
  const login = useMutation(authMutations.login());
  useForgetPreviousSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    login.mutate(
      { email, password },
      {
        onSuccess: (session) => {
          // A different user may sign in: drop everything cached for the previous one.
          queryClient.clear();
          queryClient.setQueryData(sessionKeys.all, session);
          void navigate(safeNext(searchParams.get('next')), { replace: true });
        },
      },
    );
  };

  return (
    <AuthLayout
      title="Sign in"
      subtitle="Manage AI credits and usage for your organization."
      footer={
        <>
          New to TestKase? <Link to="/signup">Create an organization</Link>
        </>
      }
    >
      <form className="form" onSubmit={onSubmit} noValidate>
        <FormError>{login.error?.message}</FormError>
        <Field id="login-email" label="Email">
          {(control) => <input {...control} type="email" autoComplete="email" maxLength={EMAIL_MAX_CHARS} required value={email} onChange={(e) => setEmail(e.target.value)} />}
        </Field>
        <Field id="login-password" label="Password">
          {(control) => (
            <input {...control} type="password" autoComplete="current-password" maxLength={PASSWORD_MAX_CHARS} required value={password} onChange={(e) => setPassword(e.target.value)} />
          )}
        </Field>
        <p className="field-hint">
          <Link to="/forgot-password">Forgot your password?</Link>
        </p>
        {import.meta.env.MODE === 'mock' ? (
          <p className="field-hint">
            Mock mode: olivia@acme.test (owner), arjun@acme.test (admin) or maya@acme.test (member), password <code>password123</code>.
          </p>
        ) : null}
        <button type="submit" className="button button-primary button-block" disabled={login.isPending}>
          {login.isPending ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </AuthLayout>
  );
}
