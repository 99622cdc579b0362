import { mutationOptions, queryOptions } from '@tanstack/react-query';
import type { BundleId } from '@ai-credits/shared/catalog';
import { billingContract, type AutoTopUpInput, type BillingProfileInput, type CheckoutCallback } from '@ai-credits/shared/contracts/billing';

/** The sandbox's test cards (the second declines every auto top-up). */
export type SandboxCard = 'approves' | 'declines_off_session';
import { creditsKeys } from '@/api/credits-queries';
import { orgKeys } from '@/api/org-queries';
import { apiFetch, apiUrl } from '@/lib/api-client';

export const billingKeys = {
  all: ['billing'] as const,
  history: () => [...billingKeys.all, 'history'] as const,
  profile: () => [...billingKeys.all, 'profile'] as const,
  autoTopUp: () => [...billingKeys.all, 'auto-topup'] as const,
  statements: () => [...billingKeys.all, 'statements'] as const,
};

export const billingQueries = {
  history: () =>
    queryOptions({
      queryKey: billingKeys.history(),
      queryFn: ({ signal }) => apiFetch(billingContract.history, { signal }),
    }),
  autoTopUp: () =>
    queryOptions({
      queryKey: billingKeys.autoTopUp(),
      queryFn: ({ signal }) => apiFetch(billingContract.autoTopUp, { signal }),
    }),
  profile: () =>
    queryOptions({
      queryKey: billingKeys.profile(),
      queryFn: ({ signal }) => apiFetch(billingContract.profile, { signal }),
    }),
  statements: () =>
    queryOptions({
      queryKey: billingKeys.statements(),
      queryFn: ({ signal }) => apiFetch(billingContract.statements, { signal }),
    }),
};

export const billingMutations = {
  setAutoTopUp: () =>
    mutationOptions({
      mutationKey: ['billing', 'set-auto-topup'],
      mutationFn: (body: AutoTopUpInput) => apiFetch(billingContract.setAutoTopUp, { body }),
      meta: { invalidates: [billingKeys.autoTopUp(), orgKeys.auditAll()] },
    }),
  removePaymentMethod: () =>
    mutationOptions({
      mutationKey: ['billing', 'remove-payment-method'],
      mutationFn: () => apiFetch(billingContract.removePaymentMethod),
      meta: { invalidates: [billingKeys.autoTopUp(), orgKeys.auditAll()] },
    }),
  setProfile: () =>
    mutationOptions({
      mutationKey: ['billing', 'set-profile'],
      mutationFn: (body: BillingProfileInput) => apiFetch(billingContract.setProfile, { body }),
      meta: { invalidates: [billingKeys.profile(), orgKeys.auditAll()] },
    }),
  createPurchase: () =>
    mutationOptions({
      mutationKey: ['billing', 'create-purchase'],
      mutationFn: (input: { bundleId: BundleId; saveCard?: boolean }) => apiFetch(billingContract.createPurchase, { body: input }),
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
      mutationFn: (input: { purchaseId: string; outcome: 'success' | 'failure'; method: 'card' | 'upi' | 'netbanking' | 'wallet'; card?: SandboxCard }) =>
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
export const taxInvoiceUrl = (purchaseId: string) => apiUrl(billingContract.taxInvoice, { params: { purchaseId } });
export const statementPdfUrl = (period: string) => apiUrl(billingContract.statementPdf, { params: { period } });
export const statementCsvUrl = (period: string) => apiUrl(billingContract.statementCsv, { params: { period } });
