import { mutationOptions, queryOptions } from '@tanstack/react-query';
import { apiKeysContract } from '@ai-credits/shared/contracts/api-keys';
import { creditsKeys } from '@/api/credits-queries';
import { apiFetch } from '@/lib/api-client';

export const apiKeysKeys = { all: ['api-keys'] as const };

export const apiKeysQueries = {
  list: () =>
    queryOptions({
      queryKey: apiKeysKeys.all,
      queryFn: ({ signal }) => apiFetch(apiKeysContract.list, { signal }),
    }),
  /** Calls and credits per key this billing period (issue 22). */
  usage: () =>
    queryOptions({
      queryKey: [...apiKeysKeys.all, 'usage'] as const,
      queryFn: ({ signal }) => apiFetch(apiKeysContract.usage, { signal }),
    }),
};

export const apiKeysMutations = {
  create: () =>
    mutationOptions({
      mutationKey: [...apiKeysKeys.all, 'create'],
      mutationFn: (name: string) => apiFetch(apiKeysContract.create, { body: { name } }),
      meta: { invalidates: [apiKeysKeys.all, creditsKeys.apiKeyOptions()] },
    }),
  revoke: () =>
    mutationOptions({
      mutationKey: [...apiKeysKeys.all, 'revoke'],
      mutationFn: (apiKeyId: string) => apiFetch(apiKeysContract.revoke, { params: { apiKeyId } }),
      meta: { invalidates: [apiKeysKeys.all, creditsKeys.apiKeyOptions()] },
    }),
};
