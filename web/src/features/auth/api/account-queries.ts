import { mutationOptions, queryOptions } from '@tanstack/react-query';
import { authContract, type SessionInfo } from '@ai-credits/shared/contracts/auth';
import type { BodyOf } from '@ai-credits/shared/api';
import { apiFetch, setCsrfToken } from '@/lib/api-client';

/** The account's emailed links (issue 20): confirm an address, reset a password, and the dev mailbox of test mode. */
export const accountQueries = {
  /** Test mode only: the account emails to one address (the server answers 404 when it has no dev mailbox). */
  devMailbox: (email: string) =>
    queryOptions({
      queryKey: ['dev-mailbox', email] as const,
      queryFn: ({ signal }) => apiFetch(authContract.devMailbox, { query: { email }, signal }),
      refetchInterval: 3_000,
    }),
};

export const accountMutations = {
  /** Opens a confirmation link: signed in. */
  verifyEmail: () =>
    mutationOptions({
      mutationKey: ['auth', 'verify-email'],
      mutationFn: async (token: string): Promise<SessionInfo> => {
        const session = await apiFetch(authContract.verifyEmail, { body: { token } });
        setCsrfToken(session.csrfToken);
        return session;
      },
    }),
  resendVerification: () =>
    mutationOptions({
      mutationKey: ['auth', 'resend-verification'],
      mutationFn: (body: BodyOf<typeof authContract.resendVerification>) => apiFetch(authContract.resendVerification, { body }),
    }),
  forgotPassword: () =>
    mutationOptions({
      mutationKey: ['auth', 'forgot-password'],
      mutationFn: (body: BodyOf<typeof authContract.forgotPassword>) => apiFetch(authContract.forgotPassword, { body }),
    }),
  resetPassword: () =>
    mutationOptions({
      mutationKey: ['auth', 'reset-password'],
      mutationFn: (body: BodyOf<typeof authContract.resetPassword>) => apiFetch(authContract.resetPassword, { body }),
    }),
};

/** A link's token travels in the URL fragment (`#token=...`): never sent to a server, never in a log. */
export function linkTokenFrom(hash: string): string | null {
  const token = new URLSearchParams(hash.replace(/^#/, '')).get('token');
  return token && authContract.verifyEmail.body.shape.token.safeParse(token).success ? token : null;
}
