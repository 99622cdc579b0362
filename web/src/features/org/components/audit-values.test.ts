import { describe, expect, it } from 'vitest';
import { actionLabel, describeAuditValue } from './audit-values';

const names = (id: string) => ({ 'u-1': 'Mia Member' })[id];

// Issue 24: the audit log showed raw identifiers (`invitation.accepted`, `budgetPercents: [90,100]`).
describe('audit log values in words', () => {
  it('labels every action the BFF writes, and reads an unknown one as words', () => {
    expect(actionLabel('invitation.accepted')).toBe('Invitation accepted');
    expect(actionLabel('billing_profile.changed')).toBe('Billing profile changed');
    expect(actionLabel('auto_topup.failed')).toBe('Auto top-up failed');
    expect(actionLabel('something_new.happened')).toBe('Something new happened');
  });

  it('names keys and formats values: percentages, credits, money, on/off, roles, people', () => {
    expect(describeAuditValue({ creditPercents: [50, 75, 90, 100], budgetPercents: [90, 100] }, names)).toBe('Alerts at: 50 %, 75 %, 90 %, 100 %, budget alerts at: 90 %, 100 %');
    expect(describeAuditValue({ limitCredits: 1500 }, names)).toBe('Limit: 1,500 credits');
    expect(describeAuditValue({ enabled: false }, names, 'ai.toggled')).toBe('AI: off');
    expect(describeAuditValue({ enabled: true, thresholdCredits: 100 }, names, 'auto_topup.changed')).toBe('Auto top-up: on, below: 100 credits');
    expect(describeAuditValue({ invitationId: 'i-1', userId: 'u-1', email: 'mia@acme.test', role: 'admin' }, names)).toBe('Member: Mia Member, email: mia@acme.test, role: Admin');
    expect(describeAuditValue({ purchaseId: 'p-1', amountCents: 5000, currency: 'USD', kind: 'bundle', bundleId: 'professional', credits: 5500 }, names)).toBe(
      'Amount: $50.00, currency: USD, bundle: Professional, credits: 5,500',
    );
    expect(describeAuditValue({ source: 'monthly_allowance', amountMc: 300_000 }, names)).toBe('Source: Monthly allowance, amount: 300 credits');
    expect(describeAuditValue(null, names)).toBe('—');
  });
});
