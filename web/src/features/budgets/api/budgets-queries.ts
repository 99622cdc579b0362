import { mutationOptions, queryOptions } from '@tanstack/react-query';
import { budgetsContract, type AlertThresholds, type SetBudgetBody } from '@ai-credits/shared/contracts/budgets';
import { orgKeys } from '@/api/org-queries';
import { apiFetch } from '@/lib/api-client';

export const budgetsKeys = {
  all: ['budgets'] as const,
  list: () => [...budgetsKeys.all, 'list'] as const,
  thresholds: () => [...budgetsKeys.all, 'thresholds'] as const,
  notifications: () => ['notifications'] as const,
};

/** How often the bell asks for new notifications (alerts come from usage anyone may cause). */
export const NOTIFICATIONS_POLL_MS = 60_000;

export const budgetsQueries = {
  list: () =>
    queryOptions({
      queryKey: budgetsKeys.list(),
      queryFn: ({ signal }) => apiFetch(budgetsContract.list, { signal }),
    }),
  thresholds: () =>
    queryOptions({
      queryKey: budgetsKeys.thresholds(),
      queryFn: ({ signal }) => apiFetch(budgetsContract.thresholds, { signal }),
    }),
  notifications: () =>
    queryOptions({
      queryKey: budgetsKeys.notifications(),
      queryFn: ({ signal }) => apiFetch(budgetsContract.notifications, { signal }),
      refetchInterval: NOTIFICATIONS_POLL_MS,
    }),
};

export const budgetsMutations = {
  set: () =>
    mutationOptions({
      mutationKey: ['budgets', 'set'],
      mutationFn: (body: SetBudgetBody) => apiFetch(budgetsContract.set, { body }),
      meta: { invalidates: [budgetsKeys.all, orgKeys.auditAll()] },
    }),
  setThresholds: () =>
    mutationOptions({
      mutationKey: ['budgets', 'thresholds'],
      mutationFn: (body: AlertThresholds) => apiFetch(budgetsContract.setThresholds, { body }),
      meta: { invalidates: [budgetsKeys.thresholds(), orgKeys.auditAll()] },
    }),
  markRead: () =>
    mutationOptions({
      mutationKey: ['notifications', 'read'],
      mutationFn: (body: { ids: string[] } | { all: true }) => apiFetch(budgetsContract.markRead, { body }),
      meta: { invalidates: [budgetsKeys.notifications()] },
    }),
};
