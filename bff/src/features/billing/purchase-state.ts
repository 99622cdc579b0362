import type { PurchaseStatus } from '@ai-credits/shared/contracts/billing';

/**
 * The one purchase state machine (ADR 005). It only moves forward:
 *   created -> attempted | failed -> paid -> granted
 * A failed purchase may still become paid (a later payment on the same order succeeds), but
 * paid and granted never go back, whatever order the callback, webhooks and sweep arrive in.
 */
const NEXT: Record<PurchaseStatus, readonly PurchaseStatus[]> = {
  created: ['attempted', 'failed', 'paid'],
  attempted: ['failed', 'paid'],
  failed: ['paid'],
  paid: ['granted'],
  granted: [],
};

export function canMove(from: PurchaseStatus, to: PurchaseStatus): boolean {
  return NEXT[from].includes(to);
}

export const isSettled = (status: PurchaseStatus) => status === 'paid' || status === 'granted';
