import { overageRuleText, SELLER } from '@ai-credits/shared/catalog';
import type { GatewayMode, Purchase } from '@ai-credits/shared/contracts/billing';
import { formatCredits, formatUsd } from '@ai-credits/shared/format';
import { receiptNumber } from '../billing/receipt';

// Plain-text emails. Amounts come from the catalog's rules and the shared formatters, never
// written out here, so an email says what the app and the receipt page say.

const day = (d: Date) => d.toISOString().slice(0, 10);
const stamp = (iso: string | null) => (iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : '-');
const SANDBOX_NOTE = 'Test mode (sandbox): no real money was charged.';

export function receiptEmail(input: { orgName: string; purchase: Purchase; invoicePeriod: { start: Date; end: Date } | null; mode: GatewayMode }) {
  const p = input.purchase;
  const item =
    p.kind === 'bundle'
      ? `${p.bundleName ?? 'Credit'} bundle: ${p.credits.toLocaleString('en-US')} credits (they expire with the billing month)`
      : `Overage invoice${input.invoicePeriod ? ` for ${day(input.invoicePeriod.start)} to ${day(input.invoicePeriod.end)}` : ''}`;
  const number = receiptNumber(p);
  return {
    subject: `Your ${SELLER.name} AI Credits receipt ${number}`,
    text: [
      `Thank you: your payment of ${formatUsd(p.amountCents)} ${p.currency} was received${p.kind === 'bundle' ? ' and the credits are in your balance' : ''}.`,
      ...(input.mode === 'sandbox' ? ['', SANDBOX_NOTE] : []),
      '',
      `Receipt number: ${number}`,
      `Seller: ${SELLER.name} (${SELLER.product})`,
      `Billed to: ${input.orgName}`,
      `Date paid: ${stamp(p.paidAt)}`,
      `Item: ${item}`,
      `Amount: ${formatUsd(p.amountCents)} ${p.currency}`,
      `Razorpay order: ${p.razorpayOrderId ?? '-'}`,
      `Razorpay payment: ${p.razorpayPaymentId ?? '-'}`,
      '',
      ...(p.taxInvoiceNumber ? [`The GST tax invoice ${p.taxInvoiceNumber} is attached (PDF).`] : []),
      'The printable receipt is in the app under Plans & Billing.',
    ].join('\n'),
  };
}

export function overageInvoiceEmail(input: { orgName: string; periodStart: Date; periodEnd: Date; overageMc: bigint; amountCents: bigint }) {
  return {
    subject: `Overage invoice for ${input.orgName}: ${formatUsd(input.amountCents)} for ${day(input.periodStart)} to ${day(input.periodEnd)}`,
    text: [
      `The billing month ${day(input.periodStart)} to ${day(input.periodEnd)} of ${input.orgName} closed with ${formatCredits(input.overageMc)} credits used beyond the balance.`,
      '',
      `Overage is ${overageRuleText(input.overageMc)}.`,
      `Amount due: ${formatUsd(input.amountCents)} USD.`,
      '',
      'The owner pays it in the app under Plans & Billing. A new month of credits has been granted.',
    ].join('\n'),
  };
}

/**
 * An invitation. Names are quoted (and one line: SingleLineTextSchema, oneLine): what a name says
 * reads as a name, not as our words. `link` starts with the configured public URL (issue 20).
 */
export function invitationEmail(input: { inviterName: string | null; orgName: string; role: 'admin' | 'member'; link: string; expiresAt: Date }) {
  return {
    subject: `${input.inviterName ?? 'Someone'} invited you to ${input.orgName} on AI Credits`,
    text: [
      `${input.inviterName === null ? 'Someone' : `"${input.inviterName}"`} invited you to join the organization "${input.orgName}" on AI Credits as ${input.role === 'admin' ? 'an admin' : 'a member'}.`,
      '',
      'Open this link to accept (it works once):',
      input.link,
      '',
      `The link expires on ${stamp(input.expiresAt.toISOString())}.`,
      'If you did not expect this invitation, ignore this email: nothing happens until the link is opened and accepted.',
    ].join('\n'),
  };
}

/** Whole credits; what was used is rounded up (never understated), the total is whole already. */
const wholeCredits = (mc: bigint) => ((mc + 999n) / 1000n).toLocaleString('en-US');

/** What an alert is about: the org's credits, a project's budget or a member's budget. */
export type AlertAbout = { kind: 'credits' } | { kind: 'project'; id: string; name: string } | { kind: 'member'; id: string; name: string };

/**
 * A threshold crossing, as the in-app notification (title, body, link) and the email sent to
 * each recipient (subject `AI Credits: <title>`, the body as text).
 */
/** `toSubject`: the member the alert is about reads it, in the second person (issue 24). */
export function alertMessage(input: { about: AlertAbout; threshold: number; usedMc: bigint; totalMc: bigint; refused: boolean; resetOn: Date; toSubject?: boolean }) {
  const { about, threshold } = input;
  const used = `${wholeCredits(input.usedMc)} of ${wholeCredits(input.totalMc)} credits`;
  const resetOn = day(input.resetOn);
  const refusal = input.refused ? ' An AI request was refused because it would have passed the budget.' : '';
  let title: string;
  let body: string;
  let link: string;
  if (about.kind === 'credits') {
    title = `${threshold}% of this month's credits used`;
    body = `The organization has used ${used} this month (allowance and purchases). Credits reset on ${resetOn}.`;
    link = '/settings/ai-credits';
  } else if (about.kind === 'project') {
    title = `Project "${about.name}" is at ${threshold}% of its budget`;
    body = `Project "${about.name}" has used ${used} of its monthly budget (settled and in progress).${refusal} ${threshold >= 100 ? 'Further AI work in it is refused' : 'AI work in it stops at the budget'} until the owner raises it or the budget resets on ${resetOn}.`;
    link = `/settings/ai-credits?projectId=${about.id}`;
  } else if (input.toSubject) {
    title = `You are at ${threshold}% of your budget`;
    body = `You have used ${used} of your monthly budget (settled and in progress).${refusal} ${threshold >= 100 ? 'Further AI work is refused' : 'AI work stops at the budget'} until the owner raises it or the budget resets on ${resetOn}.`;
    link = `/settings/ai-credits?userId=${about.id}`;
  } else {
    title = `${about.name} is at ${threshold}% of their budget`;
    body = `${about.name} has used ${used} of their monthly budget (settled and in progress).${refusal} ${threshold >= 100 ? 'Further AI work is refused' : 'AI work stops at the budget'} until the owner raises it or the budget resets on ${resetOn}.`;
    link = `/settings/ai-credits?userId=${about.id}`;
  }
  return { title, body, link, email: { subject: `AI Credits: ${title}`, text: `${body}\n` } };
}
export function autoTopUpFailedEmail(input: { orgName: string; reason: string; mode: GatewayMode }) {
  return {
    subject: `Auto top-up failed for ${input.orgName}: it is paused`,
    text: [
      `An automatic top-up of ${input.orgName}'s AI credits could not be charged to the saved card:`,
      '',
      `  ${input.reason}`,
      ...(input.mode === 'sandbox' ? ['', SANDBOX_NOTE] : []),
      '',
      'Auto top-up is paused, so it will not try again on its own. To resume it, open Plans & Billing,',
      'save a working card (buy a bundle with "Save this card for auto top-up") or check the card, then save the auto top-up settings.',
    ].join('\n'),
  };
}

/** A link of an account email (accounts.service issueLink): single use, in the URL fragment. */
interface AccountLink {
  link: string;
  expiresAt: Date;
}

/** Sign-up: confirm the address (ADR 028). */
export function verifyEmailEmail(input: AccountLink) {
  return {
    subject: 'Confirm your email address for AI Credits',
    text: [
      'Someone (we hope you) signed up for AI Credits with this email address.',
      '',
      'Open this link to confirm it is yours and sign in (it works once):',
      input.link,
      '',
      `The link expires on ${stamp(input.expiresAt.toISOString())}.`,
      'If you did not sign up, ignore this email: nothing is done with this address until the link is opened.',
    ].join('\n'),
  };
}

/** A sign-up with an address whose account is verified already: nothing is created, the holder is told. */
export function accountExistsEmail(input: { publicUrl: string }) {
  return {
    subject: 'You already have an AI Credits account',
    text: [
      'Someone (we hope you) tried to sign up for AI Credits with this email address, which already has an account.',
      '',
      `Sign in: ${input.publicUrl}/login`,
      `Forgot your password? Reset it: ${input.publicUrl}/forgot-password`,
      '',
      'If this was not you, ignore this email: nothing was changed.',
    ].join('\n'),
  };
}

export function passwordResetEmail(input: AccountLink) {
  return {
    subject: 'Reset your AI Credits password',
    text: [
      'Someone (we hope you) asked to reset the password of the AI Credits account of this email address.',
      '',
      'Open this link to choose a new password (it works once):',
      input.link,
      '',
      `The link expires on ${stamp(input.expiresAt.toISOString())}.`,
      'If you did not ask for this, ignore this email: your password stays as it is.',
    ].join('\n'),
  };
}
