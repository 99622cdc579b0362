import { describe, expect, it } from 'vitest';
import { accountExistsEmail, alertMessage, invitationEmail, passwordResetEmail, verifyEmailEmail } from '../src/features/email/templates';

/** Every email text is in email/templates.ts (ADR 014); these pin the words of the alert, invitation and account emails. */
describe('email templates', () => {
  it('a project budget alert: the notification and the email say the same, used credits rounded up', () => {
    const message = alertMessage({
      about: { kind: 'project', id: 'p1', name: 'Checkout' },
      threshold: 90,
      usedMc: 90_001n,
      totalMc: 100_000n,
      refused: false,
      resetOn: new Date('2026-12-01T00:00:00Z'),
    });
    expect(message).toEqual({
      title: 'Project "Checkout" is at 90% of its budget',
      body: 'Project "Checkout" has used 91 of 100 credits of its monthly budget (settled and in progress). AI work in it stops at the budget until the owner raises it or the budget resets on 2026-12-01.',
      link: '/settings/ai-credits?projectId=p1',
      email: {
        subject: 'AI Credits: Project "Checkout" is at 90% of its budget',
        text: 'Project "Checkout" has used 91 of 100 credits of its monthly budget (settled and in progress). AI work in it stops at the budget until the owner raises it or the budget resets on 2026-12-01.\n',
      },
    });
  });

  it('a member budget reached with a refusal, and the credits alert', () => {
    const member = alertMessage({ about: { kind: 'member', id: 'u1', name: 'Maya' }, threshold: 100, usedMc: 2_000n, totalMc: 2_000n, refused: true, resetOn: new Date('2026-12-01T00:00:00Z') });
    expect(member.body).toBe(
      'Maya has used 2 of 2 credits of their monthly budget (settled and in progress). An AI request was refused because it would have passed the budget. Further AI work is refused until the owner raises it or the budget resets on 2026-12-01.',
    );
    expect(member.link).toBe('/settings/ai-credits?userId=u1');
    const org = alertMessage({ about: { kind: 'credits' }, threshold: 50, usedMc: 650_000n, totalMc: 1_300_000n, refused: false, resetOn: new Date('2026-12-01T00:00:00Z') });
    expect([org.title, org.body]).toEqual(["50% of this month's credits used", 'The organization has used 650 of 1,300 credits this month (allowance and purchases). Credits reset on 2026-12-01.']);
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
