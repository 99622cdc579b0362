import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { Link, useLocation, useNavigate } from 'react-router';
import { NAME_MAX_CHARS, NAME_TOO_LONG, NameSchema, PASSWORD_MAX_CHARS, PasswordSchema } from '@ai-credits/shared/contracts/auth';
import { InvitationTokenSchema } from '@ai-credits/shared/contracts/org';
import { authMutations } from '@/api/auth-mutations';
import { AuthLayout } from '@/components/layouts/auth-layout';
import { Field, FormError } from '@/components/ui/field';
import { isApiError } from '@/lib/api-client';
import { formatDateTime, timeZoneLabel } from '@/lib/dates';
import { sessionKeys, sessionQueries } from '@/api/session-queries';
import { orgAdminQueries, orgMutations } from '../api/org-admin-queries';

/** The token travels in the URL fragment (`#token=...`): never sent to a server, never in a log. */
function tokenFrom(hash: string): string | null {
  const token = new URLSearchParams(hash.replace(/^#/, '')).get('token');
  return token && InvitationTokenSchema.safeParse(token).success ? token : null;
}

/** What the lookup's refusal means for the person holding the link. */
function lookupProblem(error: unknown): string {
  if (isApiError(error) && error.status === 404) return 'This invitation link is not valid. It may have been replaced by a newer one: open the latest invitation email, or ask for a new invitation.';
  if (isApiError(error) && error.status === 409) return error.message;
  return error instanceof Error ? error.message : 'Something went wrong.';
}

/**
 * `/invitations/accept#token=...`: looks the invitation up, then joins signed in as the invited
 * email, with that account's password, or with a new account (own name and password).
 */
export function AcceptInvitationPage() {
  const { hash } = useLocation();
  const token = tokenFrom(hash);
  if (!token) {
    return (
      <AuthLayout title="Join an organization" subtitle="" footer={<Link to="/login">Sign in</Link>}>
        <FormError>This invitation link is incomplete. Open the link from the invitation email again, or copy all of it.</FormError>
      </AuthLayout>
    );
  }
  return <AcceptInvitation token={token} />;
}

function AcceptInvitation({ token }: { token: string }) {
  // The lookup also says who is signed in, if anyone: a signed-out visitor's browser makes no
  // request that answers 401 (issue 24: /api/auth/session's 401 showed in the console).
  const lookup = useQuery(orgAdminQueries.invitationLookup(token));
  // Signed in: the session (and its CSRF token) is needed to accept or to sign out.
  const session = useQuery({ ...sessionQueries.current(), enabled: Boolean(lookup.data?.signedInAs), retry: false });

  if (lookup.isPending || (lookup.data?.signedInAs && session.isPending)) {
    return (
      <AuthLayout title="Join an organization" subtitle="Checking your invitation…" footer={null}>
        <p role="status" className="muted">
          Loading…
        </p>
      </AuthLayout>
    );
  }
  if (lookup.isError) {
    return (
      <AuthLayout title="This invitation can't be used" subtitle="" footer={<Link to="/login">Go to sign in</Link>}>
        <FormError>{lookupProblem(lookup.error)}</FormError>
      </AuthLayout>
    );
  }
  const invitation = lookup.data;
  const signedIn = invitation.signedInAs;
  return (
    <AuthLayout
      title={`Join ${invitation.orgName}`}
      subtitle={`You are invited as ${invitation.role === 'admin' ? 'an admin' : 'a member'} with ${invitation.email}. The link works until ${formatDateTime(invitation.expiresAt)} ${timeZoneLabel(invitation.expiresAt)}.`}
      footer={
        <>
          Not you? You can ignore this invitation. <Link to="/login">Sign in</Link>
        </>
      }
    >
      {signedIn !== null && signedIn !== invitation.email ? (
        <SignedInAsSomeoneElse token={token} current={signedIn} invited={invitation.email} />
      ) : (
        <AcceptChoice token={token} email={invitation.email} signedIn={signedIn !== null} />
      )}
    </AuthLayout>
  );
}

/**
 * Signed out, the person says whether the address already has an account: the lookup does not
 * tell (it would tell anyone with a link whether an address has an account, issue 20).
 */
function AcceptChoice({ token, email, signedIn }: { token: string; email: string; signedIn: boolean }) {
  const [hasAccount, setHasAccount] = useState(false);
  if (signedIn) return <AcceptForm token={token} email={email} mode="session" />;
  return (
    <>
      <AcceptForm key={hasAccount ? 'password' : 'new'} token={token} email={email} mode={hasAccount ? 'password' : 'new'} />
      <p className="field-hint">
        {hasAccount ? 'New to AI Credits? ' : `Already have an account for ${email}? `}
        <button type="button" className="button-link" onClick={() => setHasAccount(!hasAccount)}>
          {hasAccount ? 'Create an account instead' : 'Sign in with its password instead'}
        </button>
      </p>
    </>
  );
}

function SignedInAsSomeoneElse({ token, current, invited }: { token: string; current: string; invited: string }) {
  const queryClient = useQueryClient();
  const logout = useMutation(authMutations.logout());
  return (
    <div className="form">
      <FormError>
        You are signed in as {current}, but this invitation is for {invited}. Sign out, then accept it as {invited}.
      </FormError>
      <button
        type="button"
        className="button button-primary button-block"
        disabled={logout.isPending}
        onClick={() =>
          logout.mutate(undefined, {
            onSettled: () => {
              queryClient.removeQueries({ queryKey: sessionKeys.all });
              void queryClient.resetQueries({ queryKey: orgAdminQueries.invitationLookup(token).queryKey });
            },
          })
        }
      >
        Sign out
      </button>
    </div>
  );
}

function AcceptForm({ token, email, mode }: { token: string; email: string; mode: 'session' | 'password' | 'new' }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const accept = useMutation(orgMutations.acceptInvitation());
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<{ name?: string; password?: string }>({});
  const id = useId();

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const next: typeof errors = {};
    if (mode === 'new' && !NameSchema.safeParse(name).success) next.name = name.trim() ? NAME_TOO_LONG : 'Enter your name.';
    if (mode === 'new' && !PasswordSchema.safeParse(password).success) next.password = 'Choose a password of at least 8 characters.';
    if (mode === 'password' && !password) next.password = 'Enter your password.';
    setErrors(next);
    if (Object.keys(next).length || accept.isPending) return;
    accept.mutate(
      { token, ...(mode === 'new' ? { name: name.trim() } : {}), ...(mode === 'session' ? {} : { password }) },
      {
        onSuccess: (session) => {
          queryClient.clear();
          queryClient.setQueryData(sessionKeys.all, session);
          void navigate('/settings/ai-credits', { replace: true });
        },
      },
    );
  };

  return (
    <form className="form" onSubmit={onSubmit} noValidate>
      <FormError>{accept.error?.message}</FormError>
      {mode === 'session' ? <p>You are signed in as {email}.</p> : null}
      {mode === 'password' ? (
        <p>
          Enter the password of your account {email} to join. Forgot it? <Link to="/forgot-password">Reset it</Link>.
        </p>
      ) : null}
      {mode === 'new' ? (
        <>
          <Field id={`${id}-email`} label="Email">
            {(control) => <input {...control} type="email" value={email} readOnly autoComplete="username" />}
          </Field>
          <Field id={`${id}-name`} label="Your name" error={errors.name}>
            {(control) => <input {...control} autoComplete="name" value={name} maxLength={NAME_MAX_CHARS} onChange={(e) => setName(e.target.value)} />}
          </Field>
        </>
      ) : null}
      {mode !== 'session' ? (
        <Field id={`${id}-password`} label={mode === 'new' ? 'Choose a password' : 'Password'} error={errors.password}>
          {(control) => (
            <input
              {...control}
              type="password"
              autoComplete={mode === 'new' ? 'new-password' : 'current-password'}
              maxLength={PASSWORD_MAX_CHARS}
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          )}
        </Field>
      ) : null}
      <button type="submit" className="button button-primary button-block" disabled={accept.isPending}>
        {accept.isPending ? 'Joining…' : mode === 'new' ? 'Create account and join' : 'Accept and join'}
      </button>
    </form>
  );
}
