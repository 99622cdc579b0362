import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { Link, useLocation, useNavigate } from 'react-router';
import { sessionKeys } from '@/api/session-queries';
import { AuthLayout } from '@/components/layouts/auth-layout';
import { accountMutations, linkTokenFrom } from '../api/account-queries';
import { FormError } from '@/components/ui/field';

/** `/verify-email#token=...`: the emailed confirmation link. Opening it confirms the address and signs in. */
export function VerifyEmailPage() {
  const { hash } = useLocation();
  const token = linkTokenFrom(hash);
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const verify = useMutation(accountMutations.verifyEmail());
  // The link works once: one request, even when an effect runs twice (React's StrictMode).
  const sent = useRef(false);

  useEffect(() => {
    if (!token || sent.current) return;
    sent.current = true;
    verify.mutate(token, {
      onSuccess: (session) => {
        queryClient.clear();
        queryClient.setQueryData(sessionKeys.all, session);
        void navigate('/settings/ai-credits', { replace: true });
      },
    });
  }, [token, verify, queryClient, navigate]);

  if (!token) {
    return (
      <AuthLayout title="Confirm your email" subtitle="" footer={<Link to="/login">Sign in</Link>}>
        <FormError>This confirmation link is incomplete. Open the link from the email again, or copy all of it.</FormError>
      </AuthLayout>
    );
  }
  if (verify.isError) {
    return (
      <AuthLayout
        title="This link can't be used"
        subtitle=""
        footer={
          <>
            <Link to="/login">Sign in</Link> · <Link to="/signup">Sign up again</Link>
          </>
        }
      >
        <FormError>{verify.error.message}</FormError>
      </AuthLayout>
    );
  }
  return (
    <AuthLayout title="Confirm your email" subtitle="Confirming your address…" footer={null}>
      <p role="status" className="muted">
        One moment…
      </p>
    </AuthLayout>
  );
}
