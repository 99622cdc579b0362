import type { Transaction } from 'kysely';
import { billingPeriodAt } from '@ai-credits/shared/billing-period';
import { MONTHLY_ALLOWANCE_MC, overageInvoiceFor } from '@ai-credits/shared/catalog';
import type { Database } from '../../db/database';
import { toSafeNumber } from '../../lib/bigint';
import { recordAudit } from '../audit/audit.service';
import { openOverageInvoice } from '../billing/billing.service';
import { ownerOf, queueEmail } from '../email/email.service';
import { overageInvoiceEmail } from '../email/templates';
import type { BalanceDto, OrgState } from './ledger-engine';
import * as repo from './ledger.repository';

/**
 * The billing month's turn (docs/product.md "No rollover"), run under the org lock by every
 * ledger transaction of an org before anything else: unused grants expire, overage is invoiced
 * (and the owner emailed once), the new month's 300 credits are granted. Also the org's state
 * inside its locked transaction (LockedOrg), which the ledger's writers share.
 */

/** The state of one org inside its locked transaction. */
export class LockedOrg {
  dirty = false;
  constructor(
    readonly trx: Transaction<Database>,
    readonly org: OrgState,
    readonly now: Date,
  ) {}

  async append(type: 'grant' | 'consume' | 'expire' | 'overage_invoiced', amountMc: bigint, at: Date, refs: { grantId?: string; usageId?: string; invoiceId?: string } = {}) {
    this.org.balanceMc += amountMc;
    this.dirty = true;
    await repo.appendLedgerEntry(this.trx, {
      org_id: this.org.id,
      entry_type: type,
      amount_mc: amountMc,
      balance_after_mc: this.org.balanceMc,
      grant_id: refs.grantId ?? null,
      usage_id: refs.usageId ?? null,
      invoice_id: refs.invoiceId ?? null,
      created_at: at,
    });
  }

  async held(): Promise<bigint> {
    return repo.heldByOpenReservations(this.trx, this.org.id, this.now);
  }

  async balance(): Promise<BalanceDto> {
    const held = await this.held();
    return { balanceMc: toSafeNumber(this.org.balanceMc), availableMc: toSafeNumber(this.org.balanceMc - held) };
  }
}

export async function grantAllowance(ctx: LockedOrg) {
  const { org } = ctx;
  const inserted = await repo.insertGrant(ctx.trx, {
    org_id: org.id,
    source: 'monthly_allowance',
    amount_mc: BigInt(MONTHLY_ALLOWANCE_MC),
    remaining_mc: BigInt(MONTHLY_ALLOWANCE_MC),
    starts_at: org.periodStart,
    expires_at: org.periodEnd,
    period_start: org.periodStart,
    purchase_id: null,
    note: null,
    created_at: org.periodStart,
  });
  if (inserted) {
    await ctx.append('grant', BigInt(MONTHLY_ALLOWANCE_MC), org.periodStart, { grantId: inserted.id });
    // Money moved: in the audit log too (issue 20).
    const period = { periodStart: org.periodStart.toISOString(), periodEnd: org.periodEnd.toISOString() };
    await recordAudit(ctx.trx, { orgId: org.id, actorUserId: null, action: 'credits.granted', from: null, to: { source: 'monthly_allowance', amountMc: MONTHLY_ALLOWANCE_MC, ...period }, at: org.periodStart });
  }
}

/** docs/product.md "No rollover": at a new billing month every grant expires, overage is invoiced, 300 credits are granted. */
export async function rollOver(ctx: LockedOrg) {
  const { org, trx, now } = ctx;
  if (now < org.periodEnd) return;
  const closedAt = org.periodEnd;
  let expiredMc = 0n;
  for (const grant of await repo.grantsToExpire(trx, org.id, now)) {
    await repo.setGrantRemaining(trx, org.id, grant.id, 0n);
    await ctx.append('expire', -grant.remaining_mc, closedAt, { grantId: grant.id });
    expiredMc += grant.remaining_mc;
  }
  const closed = { periodStart: org.periodStart.toISOString(), periodEnd: org.periodEnd.toISOString() };
  if (expiredMc > 0n) await recordAudit(trx, { orgId: org.id, actorUserId: null, action: 'credits.expired', from: null, to: { amountMc: toSafeNumber(expiredMc), ...closed }, at: closedAt });
  if (org.balanceMc < 0n) {
    const debt = -org.balanceMc;
    const { credits, amountCents } = overageInvoiceFor(debt);
    // Billing's invoice, in this transaction: the invoice and its ledger entry commit together.
    const invoice = await openOverageInvoice(trx, { orgId: org.id, periodStart: org.periodStart, periodEnd: org.periodEnd, overageMc: debt, credits, amountCents, at: closedAt });
    await ctx.append('overage_invoiced', debt, closedAt, { invoiceId: invoice?.id });
    if (invoice) await recordAudit(trx, { orgId: org.id, actorUserId: null, action: 'overage.invoiced', from: null, to: { invoiceId: invoice.id, overageMc: toSafeNumber(debt), credits: toSafeNumber(credits), amountCents: toSafeNumber(amountCents), ...closed }, at: closedAt });
    // Once per invoice: the (org, period) invoice row is new only in the rollover that closes the month.
    if (invoice) {
      const owner = await ownerOf(trx, org.id);
      if (owner) {
        const message = overageInvoiceEmail({ orgName: owner.orgName, periodStart: org.periodStart, periodEnd: org.periodEnd, overageMc: debt, amountCents });
        await queueEmail(trx, { orgId: org.id, kind: 'overage_invoice', to: owner.email, ...message }, now);
      }
    }
  }
  const period = billingPeriodAt(org.createdAt, now);
  org.periodStart = period.start;
  org.periodEnd = period.end;
  ctx.dirty = true;
  await grantAllowance(ctx);
}
