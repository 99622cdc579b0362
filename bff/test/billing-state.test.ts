import { describe, expect, it } from 'vitest';
import { PURCHASE_STATUSES } from '@ai-credits/shared/contracts/billing';
import { canMove } from '../src/features/billing/purchase-state';

describe('purchase state machine', () => {
  it('only moves forward; a failed purchase may still be paid; paid and granted never go back', () => {
    const allowed = PURCHASE_STATUSES.flatMap((from) => PURCHASE_STATUSES.filter((to) => canMove(from, to)).map((to) => `${from}->${to}`));
    expect(allowed).toEqual(['created->attempted', 'created->failed', 'created->paid', 'attempted->failed', 'attempted->paid', 'failed->paid', 'paid->granted']);
  });
});
