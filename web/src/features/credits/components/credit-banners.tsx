import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import type { Role } from '@ai-credits/shared/contracts/auth';
import { overagePriceText, overageRuleText } from '@ai-credits/shared/catalog';
import { aiCreditState } from '@ai-credits/shared/credits-advice';
import { formatCredits, formatCreditsAvailable, formatCreditsUsed, formatUsd, withCreditsUnit } from '@ai-credits/shared/format';
import { Banner } from '@/components/ui/banner';
import { creditsQueries } from '@/api/credits-queries';

interface CreditBannersProps {
  role: Role;
  /** The Buy Credits entry (owner only), composed by the route. */
  buyAction?: ReactNode;
}

/** Low balance, overage, unpaid invoices and AI-off, each telling the owner what to do and others whom to ask. */
export function CreditBanners({ role, buyAction }: CreditBannersProps) {
  const { data: s } = useQuery(creditsQueries.summary());
  if (!s) return null;
  const owner = role === 'owner';
  const askOwner = 'Ask your organization owner';
  const banners: ReactNode[] = [];

  if (!s.aiEnabled) {
    banners.push(
      <Banner key="ai-off" tone="info" title={owner ? 'AI is turned off for your organization' : 'Your organization owner turned AI off'}>
        {owner
          ? 'AI features are hidden for everyone and no credits are used. Turn AI back on with the Enable AI switch below.'
          : 'AI features are hidden until the owner turns them back on. Usage history and charts stay available, and nothing generated earlier was deleted.'}
      </Banner>,
    );
  }

  if (s.unpaidInvoices.count > 0) {
    const what = `${s.unpaidInvoices.count} unpaid overage invoice${s.unpaidInvoices.count === 1 ? '' : 's'} (${formatUsd(s.unpaidInvoices.amountCents)})`;
    banners.push(
      <Banner
        key="invoice"
        tone="danger"
        title={`Your organization has ${what}`}
        actions={
          owner ? (
            <Link className="button button-primary" to="/settings/billing">
              Pay invoice
            </Link>
          ) : null
        }
      >
        {owner ? 'Pay it in Plans & Billing.' : `${askOwner} to pay it in Plans & Billing.`}
      </Banner>,
    );
  }

  const overageAllowed = s.overage.limitMc > 0;
  // The engine's view (shared/credits-advice.ts): under the least any request needs, AI is stopped.
  const state = aiCreditState(s);
  const limitReached = state.kind === 'stopped';
  const raiseLimit = owner ? (
    <a className="button button-secondary" href="#overage-limit">
      Raise the limit
    </a>
  ) : null;

  if (limitReached) {
    banners.push(
      <Banner
        key="exhausted"
        tone="danger"
        title={overageAllowed ? 'AI stopped: overage limit reached' : 'AI stopped: out of credits'}
        actions={
          owner ? (
            <>
              {buyAction}
              {raiseLimit}
            </>
          ) : null
        }
      >
        {overageAllowed
          ? `Your organization used ${formatCreditsUsed(s.overage.usedMc)} of its ${formatCredits(s.overage.limitMc)}-credit overage limit (${overageRuleText(BigInt(s.overage.usedMc))}); what is left is too little for any AI request, so every one is refused.`
          : 'Your organization has used all its credits and overage is not allowed, so every AI request is refused.'}{' '}
        {owner ? 'Buy credits, or raise the overage limit to keep AI working.' : `${askOwner} to buy credits or raise the overage limit.`}
      </Banner>,
    );
  } else if (s.balanceMc < 0) {
    banners.push(
      <Banner key="overage" tone="warning" title={`In overage: ${withCreditsUnit(formatCreditsUsed(s.overage.usedMc))} beyond your balance`} actions={owner ? <>{buyAction}{raiseLimit}</> : null}>
        {`At ${overagePriceText()}, ${overageRuleText(BigInt(s.overage.usedMc))} so far, of a ${formatCredits(s.overage.limitMc)}-credit limit (${formatUsd(s.overage.limitCents)}). It is invoiced when the billing month closes; credits bought now pay it first. `}
        {owner ? 'Buy credits to stop overage charges, or raise the limit.' : `${askOwner} to buy credits.`}
      </Banner>,
    );
  } else if (s.lowBalance) {
    banners.push(
      <Banner key="low" tone="warning" title={`Low balance: ${withCreditsUnit(formatCreditsAvailable(s.availableMc))} left`} actions={owner ? buyAction : null}>
        {owner
          ? overageAllowed
            ? 'Buy credits to avoid overage charges.'
            : 'Buy credits, or allow overage, so AI keeps working when credits run out.'
          : `${askOwner} to buy credits.`}
      </Banner>,
    );
  }

  if (banners.length === 0) return null;
  return <div className="banners">{banners}</div>;
}
