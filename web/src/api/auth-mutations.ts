import { mutationOptions } from '@tanstack/react-query';
import { authContract, type SessionInfo } from '@ai-credits/shared/contracts/auth';
import type { BodyOf } from '@ai-credits/shared/api';
import { apiFetch, setCsrfToken } from '@/lib/api-client';

async function remember(session: Promise<SessionInfo>): Promise<SessionInfo> {
  const value = await session;
  setCsrfToken(value.csrfToken);
  return value;
}

export const authMutations = {
  login: () =>
    mutationOptions({
      mutationKey: ['auth', 'login'],
      mutationFn: (body: BodyOf<typeof authContract.login>) => remember(apiFetch(authContract.login, { body })),
    }),
  /** Signs nobody in: the answer only says to check the inbox (the emailed link signs in). */
  signup: () =>
    mutationOptions({
      mutationKey: ['auth', 'signup'],
      mutationFn: (body: BodyOf<typeof authContract.signup>) => apiFetch(authContract.signup, { body }),
    }),
  logout: () =>
    mutationOptions({
      mutationKey: ['auth', 'logout'],
      mutationFn: async () => {
        try {
          await apiFetch(authContract.logout);
        } finally {
          setCsrfToken(null);
        }
      },
    }),
};
