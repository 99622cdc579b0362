import { mutationOptions, queryOptions } from '@tanstack/react-query';
import type { BundleId } from '@ai-credits/shared/catalog';
import { billingContract, type BillingProfileInput, type CheckoutCallback } from '@ai-credits/shared/contracts/billing';
import { creditsKeys } from '@/api/credits-queries';
import { orgKeys } from '@/api/org-queries';
import { apiFetch, apiUrl } from '@/lib/api-client';

export const billingKeys = {
  all: ['billing'] as const,
  history: () => [...billingKeys.all, 'history'] as const,
  profile: () => [...billingKeys.all, 'profile'] as const,
};

export const billingQueries = {
  history: () =>
    queryOptions({
      queryKey: billingKeys.history(),
      queryFn: ({ signal }) => apiFetch(billingContract.history, { signal }),
    }),
  profile: () =>
    queryOptions({
      queryKey: billingKeys.profile(),
      queryFn: ({ signal }) => apiFetch(billingContract.profile, { signal }),
    }),
};

export const billingMutations = {
  setProfile: () =>
    mutationOptions({
      mutationKey: ['billing', 'set-profile'],
      mutationFn: (body: BillingProfileInput) => apiFetch(billingContract.setProfile, { body }),
      meta: { invalidates: [billingKeys.profile(), orgKeys.auditAll()] },
    }),
  createPurchase: () =>
    mutationOptions({
      mutationKey: ['billing', 'create-purchase'],
      mutationFn: (bundleId: BundleId) => apiFetch(billingContract.createPurchase, { body: { bundleId } }),
      meta: { invalidates: [billingKeys.all] },
    }),
  payInvoice: () =>
    mutationOptions({
      mutationKey: ['billing', 'pay-invoice'],
      mutationFn: (invoiceId: string) => apiFetch(billingContract.payInvoice, { params: { invoiceId } }),
      meta: { invalidates: [billingKeys.all] },
    }),
  sandboxPay: () =>
    mutationOptions({
      mutationKey: ['billing', 'sandbox-pay'],
      mutationFn: (input: { purchaseId: string; outcome: 'success' | 'failure'; method: 'card' | 'upi' | 'netbanking' | 'wallet' }) =>
        apiFetch(billingContract.sandboxPay, { body: input }),
      meta: { invalidates: [billingKeys.all] },
    }),
  verify: () =>
    mutationOptions({
      mutationKey: ['billing', 'verify'],
      mutationFn: (input: { purchaseId: string; callback: CheckoutCallback }) =>
        apiFetch(billingContract.verifyPurchase, { params: { purchaseId: input.purchaseId }, body: input.callback }),
      // The new balance (every ['credits', ...] read) shows without a reload.
      meta: { invalidates: [creditsKeys.all, billingKeys.all] },
    }),
};

export const receiptUrl = (purchaseId: string) => apiUrl(billingContract.receipt, { params: { purchaseId } });
