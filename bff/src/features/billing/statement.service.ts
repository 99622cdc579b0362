import { billingPeriodAt, periodBoundary } from '@ai-credits/shared/billing-period';
import { findBundle } from '@ai-credits/shared/catalog';
import type { Statement, StatementCreditLine, StatementList, StatementPeriod } from '@ai-credits/shared/contracts/billing';
import { statementCsv } from '@ai-credits/shared/statement-csv';
import type { Db } from '../../db/db';
import { notFound } from '../../http/http-error';
import { toSafeNumber } from '../../lib/bigint';
import type { Clock } from '../../lib/clock';
import * as directory from '../auth/directory.service';
import type { CreditsService } from '../credits/credits.service';
import type { LedgerService } from '../ledger/ledger.service';
import * as repo from './billing.repository';
import { renderStatementPdf } from './statement-pdf';

/** At most this many periods are listed (three years of months). */
const MAX_PERIODS = 36;

const day = (d: Date) => d.toISOString().slice(0, 10);

/**
 * Monthly statements (ADR 035): one per billing period of the org, every figure read from the
 * ledger (credits' read side, in one snapshot); the purchases' prices and invoice numbers from
 * billing. The open period's statement is "so far".
 */
export function createStatementService(deps: { db: Db; clock: Clock; ledger: Pick<LedgerService, 'ensureCurrentPeriod'>; credits: Pick<CreditsService, 'periodLedger'>; testMode: boolean }) {
  const { db, clock, ledger, credits, testMode } = deps;

  /** Every period from the org's first to the open one, newest first. */
  async function periods(orgId: string): Promise<StatementPeriod[]> {
    const org = await ledger.ensureCurrentPeriod(orgId);
    const current = billingPeriodAt(org.createdAt, org.periodStart).index;
    const list: StatementPeriod[] = [];
    for (let i = current; i >= 0 && list.length < MAX_PERIODS; i--) {
      const start = periodBoundary(org.createdAt, i);
      const end = periodBoundary(org.createdAt, i + 1);
      list.push({ id: day(start), start: start.toISOString(), end: end.toISOString(), current: i === current });
    }
    return list;
  }

  async function creditLines(orgId: string, grants: Awaited<ReturnType<CreditsService['periodLedger']>>['grants']): Promise<StatementCreditLine[]> {
    const purchases = new Map((await repo.findPurchasesByIds(db, orgId, grants.flatMap((g) => (g.purchase_id ? [g.purchase_id] : [])))).map((p) => [p.id, p]));
    return grants.map((g) => {
      const p = g.purchase_id ? purchases.get(g.purchase_id) : undefined;
      const bundle = p?.bundle_id ? findBundle(p.bundle_id) : undefined;
      const credits = toSafeNumber(g.amount_mc / 1000n).toLocaleString('en-US');
      return {
        at: g.created_at.toISOString(),
        kind: g.source === 'adjustment' ? 'adjustment' : p?.source === 'auto_topup' ? 'auto_topup' : 'purchase',
        description: p ? `${bundle?.name ?? 'Credit'} bundle: ${credits} credits` : (g.note ?? `Adjustment: ${credits} credits`),
        mc: toSafeNumber(g.amount_mc),
        purchaseId: g.purchase_id,
        amountCents: p ? toSafeNumber(p.amount_cents) : null,
        taxInvoiceNumber: p?.tax_invoice_number ?? null,
      };
    });
  }

  async function statement(orgId: string, periodId: string): Promise<Statement> {
    const period = (await periods(orgId)).find((p) => p.id === periodId);
    if (!period) throw notFound('Billing period');
    const start = new Date(period.start);
    const end = new Date(period.end);
    const asOf = clock.now();
    const [ledgerPart, invoice, org] = await Promise.all([credits.periodLedger(orgId, start, end), repo.findInvoiceOfPeriod(db, orgId, start), directory.orgName(db, orgId)]);
    return {
      period,
      orgName: org ?? '',
      asOf: asOf.toISOString(),
      openingMc: toSafeNumber(ledgerPart.openingMc),
      allowanceMc: toSafeNumber(ledgerPart.allowanceMc),
      purchasesMc: toSafeNumber(ledgerPart.grantedMc),
      credits: await creditLines(orgId, ledgerPart.grants),
      usageMc: toSafeNumber(ledgerPart.usageMc),
      usageByUseCase: ledgerPart.usageByUseCase.map((u) => ({ useCase: u.useCase, calls: toSafeNumber(u.calls), mc: toSafeNumber(u.mc) })),
      expiredMc: toSafeNumber(ledgerPart.expiredMc),
      overageInvoicedMc: toSafeNumber(ledgerPart.overageInvoicedMc),
      overageInvoice: invoice ? { id: invoice.id, credits: toSafeNumber(invoice.credits), amountCents: toSafeNumber(invoice.amount_cents), status: invoice.status } : null,
      closingMc: toSafeNumber(ledgerPart.closingMc),
    };
  }

  return {
    async list(orgId: string): Promise<StatementList> {
      return { periods: await periods(orgId) };
    },
    statement,
    async pdf(orgId: string, periodId: string): Promise<Buffer> {
      return renderStatementPdf(await statement(orgId, periodId), { testMode });
    },
    async csv(orgId: string, periodId: string): Promise<string> {
      return statementCsv(await statement(orgId, periodId));
    },
  };
}

export type StatementService = ReturnType<typeof createStatementService>;
