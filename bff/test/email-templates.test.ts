import { describe, expect, it } from 'vitest';
import { accountExistsEmail, alertDigest, invitationEmail, moreRequestMessage, passwordResetEmail, verifyEmailEmail, type AlertItem } from '../src/features/email/templates';

/** Every email text is in email/templates.ts (ADR 014); these pin the words of the alert, invitation and account emails. */
describe('email templates', () => {
  const resetsAt = new Date('2026-12-01T00:00:00Z');
  const at = '2026-11-20T10:00:00.000Z';
  const mia = (threshold: number, extra: Partial<AlertItem> = {}): AlertItem => ({ kind: 'member', id: 'u-mia', name: 'Mia', threshold, stopped: null, usedMc: '1800', totalMc: '2000', at, ...extra });
  const owner = { id: 'u-olivia', role: 'owner' } as const;
  const admin = { id: 'u-adam', role: 'admin' } as const;

  it('alerts that fire together are one message, most severe first, with the numbers; the email says when in UTC', () => {
    const items = [mia(50), mia(90), { kind: 'credits', id: null, name: null, threshold: 75, stopped: null, usedMc: '975001', totalMc: '1300000', at } satisfies AlertItem, mia(75)];
    const message = alertDigest({ items, reader: owner, ownerName: 'Olivia Owens', resetsAt });
    expect(message).toEqual({
      title: 'Mia has used 90% of their monthly budget (+3 more)',
      body: [
        'Mia has used 90% of their monthly budget (2 of 2 credits, settled and in progress).',
        "75% of this month's credits used (976 of 1,300 credits, allowance and purchases).",
        'Mia has used 75% of their monthly budget (2 of 2 credits, settled and in progress).',
        'Mia has used 50% of their monthly budget (2 of 2 credits, settled and in progress).',
      ].join('\n'),
      link: '/settings/ai-credits?userId=u-mia',
      email: {
        subject: 'TestKase AI credits: Mia has used 90% of their monthly budget (+3 more)',
        text: [
          '- Mia has used 90% of their monthly budget (2 of 2 credits, settled and in progress).',
          "- 75% of this month's credits used (976 of 1,300 credits, allowance and purchases).",
          '- Mia has used 75% of their monthly budget (2 of 2 credits, settled and in progress).',
          '- Mia has used 50% of their monthly budget (2 of 2 credits, settled and in progress).',
          '',
          "Budgets and this month's credits reset on 2026-12-01 00:00 UTC.",
          '',
        ].join('\n'),
      },
    });
  });

  it('"you" when the alert is about the reader: Mia reads her own budget in the second person, the owner reads her name', () => {
    const items = [mia(90), mia(100), mia(100, { stopped: 'member_budget', usedMc: '2000' })];
    const toMia = alertDigest({ items, reader: { id: 'u-mia', role: 'member' }, ownerName: 'Olivia Owens', resetsAt });
    expect(toMia.title).toBe('AI stopped for you: your monthly budget is reached (+2 more)');
    expect(toMia.body.split('\n')).toEqual([
      'AI stopped for you: your monthly budget is reached (2 of 2 credits used, settled and in progress).',
      'You have used 100% of your monthly budget (2 of 2 credits, settled and in progress).',
      'You have used 90% of your monthly budget (2 of 2 credits, settled and in progress).',
      'AI requests stay refused until Olivia Owens (the owner) raises the limit or it resets with the billing month.',
    ]);
    const toOwner = alertDigest({ items, reader: owner, ownerName: 'Olivia Owens', resetsAt });
    expect(toOwner.title).toBe('AI stopped for Mia: member budget reached (+2 more)');
    expect(toOwner.body).toContain('Mia has used 100% of their monthly budget');
    expect(toOwner.body).toContain('AI requests stay refused until you raise the limit');
    expect(alertDigest({ items, reader: admin, ownerName: 'Olivia Owens', resetsAt }).body).toContain('until Olivia Owens (the owner) raises the limit');
  });

  it('AI stopped by the org: out of credits, the overage limit; a project budget', () => {
    const org = (stopped: 'balance' | 'overage_limit'): AlertItem => ({ kind: 'org', id: null, name: null, threshold: 100, stopped, usedMc: '150000', totalMc: '150000', at });
    expect(alertDigest({ items: [org('overage_limit')], reader: admin, ownerName: null, resetsAt }).title).toBe('AI stopped: overage limit reached');
    expect(alertDigest({ items: [org('balance')], reader: admin, ownerName: null, resetsAt }).title).toBe('AI stopped: out of credits');
    const project: AlertItem = { kind: 'project', id: 'p1', name: 'Checkout', threshold: 100, stopped: 'project_budget', usedMc: '50000', totalMc: '50000', at };
    const message = alertDigest({ items: [project], reader: owner, ownerName: 'Olivia', resetsAt });
    expect([message.title, message.link]).toEqual(['AI stopped in project "Checkout": project budget reached', '/settings/ai-credits?projectId=p1']);
  });

  it('"Ask for more": the owner reads "You can", an admin reads the owner\'s name', () => {
    const input = { requesterName: 'Mia', limit: 'member_budget', projectName: null, ownerName: 'Olivia Owens', sentAt: new Date('2026-11-20T10:00:00Z') } as const;
    expect(moreRequestMessage({ ...input, reader: owner })).toEqual({
      title: 'Mia asks for more credits',
      body: "Mia's AI requests are refused: their monthly budget is reached. You can raise the budget in Settings → Budgets.",
      link: '/settings/budgets',
      email: { subject: 'TestKase AI credits: Mia asks for more credits', text: "Mia's AI requests are refused: their monthly budget is reached. You can raise the budget in Settings → Budgets.\n\nAsked on 2026-11-20 10:00 UTC.\n" },
    });
    expect(moreRequestMessage({ ...input, limit: 'credits', reader: admin }).body).toBe(
      "Mia's AI requests are refused: the organization's credits are used up. Olivia Owens (the owner) can buy credits or raise the overage limit in Settings → AI Credits.",
    );
  });

  it('an invitation names the inviter in quotes, the role, the link and its expiry', () => {
    const mail = invitationEmail({ inviterName: 'Olivia', orgName: 'Acme QA', role: 'admin', link: 'https://app.test/invitations/accept#token=t', expiresAt: new Date('2026-12-12T09:30:00Z') });
    expect(mail).toEqual({
      subject: 'Olivia invited you to Acme QA on TestKase',
      text: [
        '"Olivia" invited you to join the organization "Acme QA" on TestKase as an admin.',
        '',
        'Open this link to accept (it works once):',
        'https://app.test/invitations/accept#token=t',
        '',
        'The link expires on 2026-12-12 09:30 UTC.',
        'If you did not expect this invitation, ignore this email: nothing happens until the link is opened and accepted.',
      ].join('\n'),
    });
  });

  it('the account emails: a confirmation link, "you already have an account", a reset link', () => {
    const link = { link: 'https://app.test/verify-email#token=t', expiresAt: new Date('2026-12-06T09:30:00Z') };
    expect(verifyEmailEmail(link)).toEqual({
      subject: 'Confirm your email address for TestKase',
      text: [
        'Someone (we hope you) signed up for TestKase with this email address.',
        '',
        'Open this link to confirm it is yours and sign in (it works once):',
        'https://app.test/verify-email#token=t',
        '',
        'The link expires on 2026-12-06 09:30 UTC.',
        'If you did not sign up, ignore this email: nothing is done with this address until the link is opened.',
      ].join('\n'),
    });
    expect(accountExistsEmail({ publicUrl: 'https://app.test' })).toEqual({
      subject: 'You already have a TestKase account',
      text: [
        'Someone (we hope you) tried to sign up for TestKase with this email address, which already has an account.',
        '',
        'Sign in: https://app.test/login',
        'Forgot your password? Reset it: https://app.test/forgot-password',
        '',
        'If this was not you, ignore this email: nothing was changed.',
      ].join('\n'),
    });
    expect(passwordResetEmail({ link: 'https://app.test/reset-password#token=r', expiresAt: new Date('2026-12-05T10:00:00Z') })).toEqual({
      subject: 'Reset your TestKase password',
      text: [
        'Someone (we hope you) asked to reset the password of the TestKase account of this email address.',
        '',
        'Open this link to choose a new password (it works once):',
        'https://app.test/reset-password#token=r',
        '',
        'The link expires on 2026-12-05 10:00 UTC.',
        'If you did not ask for this, ignore this email: your password stays as it is.',
      ].join('\n'),
    });
  });
});
