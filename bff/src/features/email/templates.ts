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
    subject: `${input.inviterName ?? 'Someone'} invited you to ${input.orgName} on ${SELLER.name}`,
    text: [
      `${input.inviterName === null ? 'Someone' : `"${input.inviterName}"`} invited you to join the organization "${input.orgName}" on ${SELLER.name} as ${input.role === 'admin' ? 'an admin' : 'a member'}.`,
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

/** Which limit stopped AI requests ("AI stopped" alerts, "Ask for more"). */
export type StoppedBy = 'member_budget' | 'project_budget' | 'balance' | 'overage_limit';

/**
 * One alert a notification lists (stored with it as JSON, so later alerts merge into it while it
 * is unread, ADR 037): a threshold crossed, or AI requests refused by a limit (`stopped`).
 */
export interface AlertItem {
  kind: 'credits' | 'project' | 'member' | 'org';
  /** The project or member it is about. */
  id: string | null;
  name: string | null;
  threshold: number;
  stopped: StoppedBy | null;
  usedMc: string;
  totalMc: string;
  at: string;
}

/** Who reads a notification or an email: "you" when it is about them (issue 24). */
export interface Reader {
  id: string;
  role: 'owner' | 'admin' | 'member';
}

/** Stopped first, then the highest threshold, then the newest: the most severe leads. */
export function sortAlertItems(items: AlertItem[]): AlertItem[] {
  return [...items].sort((a, b) => Number(b.stopped !== null) - Number(a.stopped !== null) || b.threshold - a.threshold || (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
}

function alertLine(item: AlertItem, reader: Reader): { headline: string; detail: string } {
  const used = `${wholeCredits(BigInt(item.usedMc))} of ${wholeCredits(BigInt(item.totalMc))} credits`;
  const you = item.kind === 'member' && item.id === reader.id;
  const name = item.name ?? (item.kind === 'project' ? 'a project' : 'a member');
  if (item.stopped === 'member_budget') {
    return you ? { headline: 'AI stopped for you: your monthly budget is reached', detail: `${used} used, settled and in progress` } : { headline: `AI stopped for ${name}: member budget reached`, detail: `${used} used, settled and in progress` };
  }
  if (item.stopped === 'project_budget') return { headline: `AI stopped in project "${name}": project budget reached`, detail: `${used} used, settled and in progress` };
  if (item.stopped === 'balance') return { headline: 'AI stopped: out of credits', detail: `${used} of this month used, none left` };
  if (item.stopped === 'overage_limit') return { headline: 'AI stopped: overage limit reached', detail: `${used} of the monthly overage limit used` };
  if (item.kind === 'credits') return { headline: `${item.threshold}% of this month's credits used`, detail: `${used}, allowance and purchases` };
  if (item.kind === 'project') return { headline: `Project "${name}" has used ${item.threshold}% of its monthly budget`, detail: `${used}, settled and in progress` };
  return you
    ? { headline: `You have used ${item.threshold}% of your monthly budget`, detail: `${used}, settled and in progress` }
    : { headline: `${name} has used ${item.threshold}% of their monthly budget`, detail: `${used}, settled and in progress` };
}

function alertLink(item: AlertItem): string {
  if (item.kind === 'member') return `/settings/ai-credits?userId=${item.id}`;
  if (item.kind === 'project') return `/settings/ai-credits?projectId=${item.id}`;
  return '/settings/ai-credits';
}

/**
 * Alerts that fired together, as one in-app notification (title, body, link) and one email for
 * one reader: most severe first, "you" when an alert is about the reader, the owner named (or
 * "you" to the owner) where a limit stops AI. The notification carries no date (the SPA shows
 * `resetsAt` in the reader's zone); the email says when in UTC.
 */
export function alertDigest(input: { items: AlertItem[]; reader: Reader; ownerName: string | null; resetsAt: Date }) {
  const items = sortAlertItems(input.items);
  const lines = items.map((i) => alertLine(i, input.reader));
  const first = lines[0]!;
  const title = lines.length > 1 ? `${first.headline} (+${lines.length - 1} more)` : first.headline;
  const who = input.reader.role === 'owner' ? 'You' : input.ownerName ? `${input.ownerName} (the owner)` : 'The owner';
  const stopped = items.some((i) => i.stopped !== null);
  const closing = stopped ? `AI requests stay refused until ${who === 'You' ? 'you raise' : `${who} raises`} the limit or it resets with the billing month.` : null;
  const body = [...lines.map((l) => `${l.headline} (${l.detail}).`), ...(closing ? [closing] : [])].join('\n');
  const text = [
    ...lines.map((l) => `- ${l.headline} (${l.detail}).`),
    '',
    ...(closing ? [closing] : []),
    `Budgets and this month's credits reset on ${stamp(input.resetsAt.toISOString())}.`,
    '',
  ].join('\n');
  return { title, body, link: alertLink(items[0]!), email: { subject: `${SELLER.name} AI credits: ${title}`, text } };
}

/** "Ask for more": a member's request to the owner and admins, for one reader of them. */
export function moreRequestMessage(input: { requesterName: string; limit: 'member_budget' | 'project_budget' | 'credits'; projectName: string | null; reader: Reader; ownerName: string | null; sentAt: Date }) {
  const who = input.requesterName;
  const what =
    input.limit === 'member_budget' ? 'their monthly budget is reached' : input.limit === 'project_budget' ? `the budget of project "${input.projectName ?? 'a project'}" is reached` : "the organization's credits are used up";
  const can = input.reader.role === 'owner' ? 'You can' : input.ownerName ? `${input.ownerName} (the owner) can` : 'The owner can';
  const action =
    input.limit === 'credits' ? `${can} buy credits or raise the overage limit in Settings → AI Credits.` : `${can} raise the budget in Settings → Budgets.`;
  const title = `${who} asks for more credits`;
  const body = `${who}'s AI requests are refused: ${what}. ${action}`;
  return {
    title,
    body,
    link: input.limit === 'credits' ? '/settings/ai-credits' : '/settings/budgets',
    email: { subject: `${SELLER.name} AI credits: ${title}`, text: `${body}\n\nAsked on ${stamp(input.sentAt.toISOString())}.\n` },
  };
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
    subject: `Confirm your email address for ${SELLER.name}`,
    text: [
      `Someone (we hope you) signed up for ${SELLER.name} with this email address.`,
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
    subject: `You already have a ${SELLER.name} account`,
    text: [
      `Someone (we hope you) tried to sign up for ${SELLER.name} with this email address, which already has an account.`,
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
    subject: `Reset your ${SELLER.name} password`,
    text: [
      `Someone (we hope you) asked to reset the password of the ${SELLER.name} account of this email address.`,
      '',
      'Open this link to choose a new password (it works once):',
      input.link,
      '',
      `The link expires on ${stamp(input.expiresAt.toISOString())}.`,
      'If you did not ask for this, ignore this email: your password stays as it is.',
    ].join('\n'),
  };
}
