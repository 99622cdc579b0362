import { BUNDLES } from '@ai-credits/shared/catalog';
import { formatCredits, formatUsd } from '@ai-credits/shared/format';
import { formatDateTime } from '@/lib/dates';

/** The log's actions in words (issue 24: the filter and rows showed `invitation.accepted`). */
const ACTION_LABELS: Record<string, string> = {
  'ai.toggled': 'AI turned on or off',
  'overage_limit.changed': 'Overage limit changed',
  'member.added': 'Member added',
  'member.role_changed': 'Member role changed',
  'member.removed': 'Member removed',
  'project.created': 'Project created',
  'project.renamed': 'Project renamed',
  'project.archived': 'Project archived',
  'project.restored': 'Project restored',
  'api_key.created': 'API key created',
  'api_key.revoked': 'API key revoked',
  'budget.set': 'Budget set',
  'budget.cleared': 'Budget cleared',
  'alert_thresholds.changed': 'Alert thresholds changed',
  'invitation.created': 'Invitation sent',
  'invitation.revoked': 'Invitation withdrawn',
  'invitation.resent': 'Invitation resent',
  'invitation.accepted': 'Invitation accepted',
  'account.email_verified': 'Email address confirmed',
  'account.password_reset': 'Password reset',
  'account.address_released': 'Unconfirmed account gave up its email address',
  'purchase.paid': 'Credits bought',
  'invoice.paid': 'Overage invoice paid',
  'purchase.refunded': 'Purchase refunded',
  'credits.granted': 'Monthly credits granted',
  'credits.expired': 'Unused credits expired',
  'overage.invoiced': 'Overage invoiced',
  'billing_profile.changed': 'Billing profile changed',
  'auto_topup.changed': 'Auto top-up changed',
  'auto_topup.charged': 'Auto top-up charged',
  'auto_topup.failed': 'Auto top-up failed',
};

/** An action in words; one the list does not know yet reads as a sentence, never as `a_b.c`. */
export function actionLabel(action: string): string {
  return ACTION_LABELS[action] ?? sentence(action.replace(/[._]/g, ' '));
}

type Format = (value: unknown, memberName: (id: string) => string | undefined) => string;

const percents: Format = (v) => (Array.isArray(v) ? v.map((p) => `${String(p)} %`).join(', ') : String(v));
const millicredits: Format = (v) => (typeof v === 'number' ? `${formatCredits(v)} credits` : String(v));
const wholeCredits: Format = (v) => (typeof v === 'number' ? `${formatCredits(v * 1000)} credits` : String(v));
const cents: Format = (v) => (typeof v === 'number' ? formatUsd(v) : String(v));
const onOff: Format = (v) => (v === true ? 'on' : v === false ? 'off' : String(v));
const yesNo: Format = (v) => (v === true ? 'yes' : v === false ? 'no' : String(v));
const person: Format = (v, memberName) => memberName(String(v)) ?? 'former member';
const words: Format = (v) => sentence(String(v).replace(/_/g, ' '));
const bundle: Format = (v) => BUNDLES.find((b) => b.id === v)?.name ?? String(v);

/** Each key the BFF writes: its label and how its value reads. Keys ending in Id are left out (names say more). */
const KEYS: Record<string, { label: string; format?: Format }> = {
  enabled: { label: 'enabled', format: onOff },
  limitCredits: { label: 'limit', format: wholeCredits },
  creditPercents: { label: 'alerts at', format: percents },
  budgetPercents: { label: 'budget alerts at', format: percents },
  amountMc: { label: 'amount', format: millicredits },
  overageMc: { label: 'overage', format: millicredits },
  credits: { label: 'credits', format: (v) => (typeof v === 'number' ? formatCredits(v * 1000) : String(v)) },
  amountCents: { label: 'amount', format: cents },
  thresholdCredits: { label: 'below', format: wholeCredits },
  monthlyCapCents: { label: 'monthly cap', format: cents },
  role: { label: 'role', format: words },
  archived: { label: 'archived', format: yesNo },
  cardRemoved: { label: 'card removed', format: yesNo },
  source: { label: 'source', format: words },
  bundleId: { label: 'bundle', format: bundle },
  invitedBy: { label: 'invited by', format: person },
  createdBy: { label: 'created by', format: person },
  userId: { label: 'member', format: person },
};

/** A from/to value in words: "alerts at: 50 %, 75 %", "limit: 150 credits", "role: Admin"; ids left out. */
export function describeAuditValue(value: unknown, memberName: (id: string) => string | undefined, action = ''): string {
  if (value === null || value === undefined) return '—';
  if (typeof value !== 'object' || Array.isArray(value)) return plain(value);
  const parts = Object.entries(value as Record<string, unknown>)
    .map(([key, v]): string | null => {
      const known = KEYS[key];
      // Ids say nothing to a reader (names do); a purchase's kind is always a bundle.
      if ((!known && /Id$/.test(key)) || key === 'kind') return null;
      if (v === null || v === undefined) return null;
      const label = key === 'enabled' && action === 'ai.toggled' ? 'AI' : key === 'enabled' && action.startsWith('auto_topup.') ? 'auto top-up' : known?.label ?? sentence(key.replace(/([a-z])([A-Z])/g, '$1 $2')).toLowerCase();
      return `${label}: ${known?.format ? known.format(v, memberName) : plain(v)}`;
    })
    .filter((p): p is string => p !== null);
  return parts.length ? sentence(parts.join(', ')) : '—';
}

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d/;
function plain(v: unknown): string {
  if (typeof v === 'string') return ISO.test(v) ? formatDateTime(v) : v;
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'number') return v.toLocaleString('en-US');
  if (Array.isArray(v)) return v.map(plain).join(', ');
  if (v && typeof v === 'object') {
    return Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${k}: ${plain(x)}`)
      .join(', ');
  }
  return String(v);
}

function sentence(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
