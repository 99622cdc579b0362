import { MutationCache, QueryCache, QueryClient, type QueryKey } from '@tanstack/react-query';
import { isApiError } from './api-client';

declare module '@tanstack/react-query' {
  interface Register {
    mutationMeta: {
      /** Query keys (prefixes) to invalidate after the mutation succeeds — the one place invalidation happens. */
      invalidates?: readonly QueryKey[];
    };
  }
}

export interface QueryClientOptions {
  /** Called when a query answers 401: the session is gone, go to the login page. */
  onUnauthenticated?: () => void;
  /** Tests turn retries off so that error states show at once. */
  retry?: boolean;
}

export function createQueryClient({ onUnauthenticated, retry = true }: QueryClientOptions = {}): QueryClient {
  const queryClient: QueryClient = new QueryClient({
    queryCache: new QueryCache({
      onError: (error) => {
        if (isApiError(error) && error.status === 401) onUnauthenticated?.();
      },
    }),
    mutationCache: new MutationCache({
      onSuccess: async (_data, _variables, _context, mutation) => {
        const keys = mutation.meta?.invalidates ?? [];
        await Promise.all(keys.map((queryKey) => queryClient.invalidateQueries({ queryKey })));
      },
    }),
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        retry: retry
          ? (failureCount, error) => !(isApiError(error) && error.status >= 400 && error.status < 500) && failureCount < 2
          : false,
        refetchOnWindowFocus: true,
      },
      mutations: { retry: false },
    },
  });
  return queryClient;
}
