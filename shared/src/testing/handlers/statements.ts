import { http, HttpResponse, type HttpHandler } from 'msw';
import { billingPeriodAt, periodBoundary } from '../../billing-period';
import { findBundle, MONTHLY_ALLOWANCE_MC } from '../../catalog';
import { billingContract, type Statement, type StatementPeriod } from '../../contracts/billing';
import { formatCredits, formatUsd } from '../../format';
import { statementCsv, useCaseLabel } from '../../statement-csv';
import { textPdf } from '../pdf';
import { apiError, json, requireSession, url, validationFailed } from '../http';
import { nowIso, type MockStore } from '../store/state';

const MAX_PERIODS = 36;

/** The org's billing periods, newest first (the BFF's list: from the first period to the open one). */
function periodsOf(store: MockStore): StatementPeriod[] {
  const anchor = new Date(store.org.createdAt);
  const current = billingPeriodAt(anchor, store.period.start).index;
  const list: StatementPeriod[] = [];
  for (let i = current; i >= 0 && list.length < MAX_PERIODS; i--) {
    const start = periodBoundary(anchor, i);
    list.push({ id: start.toISOString().slice(0, 10), start: start.toISOString(), end: periodBoundary(anchor, i + 1).toISOString(), current: i === current });
  }
  return list;
}

/**
 * The mock has no ledger: a statement is built from its usage rows, granted purchases and
 * invoices with the BFF's rule (ADR 035). The open period closes at the balance (its opening is
 * what makes the rule add up); a closed one closes at 0 (everything expired or was invoiced).
 */
function statementOf(store: MockStore, period: StatementPeriod): Statement {
  const within = (iso: string | null) => iso !== null && iso >= period.start && iso < period.end;
  const usage = store.usage.filter((u) => within(u.occurredAt));
  const byUseCase = new Map<string, { calls: number; mc: number }>();
  for (const u of usage) {
    const entry = byUseCase.get(u.useCase) ?? { calls: 0, mc: 0 };
    byUseCase.set(u.useCase, { calls: entry.calls + 1, mc: entry.mc + u.chargedMc });
  }
  const credits = store.purchases
    .filter((p) => p.kind === 'bundle' && p.status === 'granted' && within(p.grantedAt))
    .sort((a, b) => a.grantedAt!.localeCompare(b.grantedAt!))
    .map((p) => ({
      at: p.grantedAt!,
      kind: p.source === 'auto_topup' ? ('auto_topup' as const) : ('purchase' as const),
      description: `${findBundle(p.bundleId ?? '')?.name ?? 'Credit'} bundle: ${p.credits.toLocaleString('en-US')} credits`,
      mc: p.credits * 1000,
      purchaseId: p.id,
      amountCents: p.amountCents,
      taxInvoiceNumber: p.taxInvoiceNumber,
    }));
  const purchasesMc = credits.reduce((a, c) => a + c.mc, 0);
  const usageMc = usage.reduce((a, u) => a + u.chargedMc, 0);
  const invoice = store.invoices.find((i) => i.periodStart === period.start);
  const overageInvoicedMc = period.current ? 0 : (invoice?.overageMc ?? 0);
  const allowanceMc = MONTHLY_ALLOWANCE_MC;
  const closingMc = period.current ? store.balanceMc : 0;
  const openingMc = period.current ? closingMc - allowanceMc - purchasesMc + usageMc : 0;
  const expiredMc = openingMc + allowanceMc + purchasesMc - usageMc + overageInvoicedMc - closingMc;
  return {
    period,
    orgName: store.org.name,
    asOf: nowIso(store),
    openingMc,
    allowanceMc,
    purchasesMc,
    credits,
    usageMc,
    usageByUseCase: [...byUseCase].sort(([a], [b]) => a.localeCompare(b)).map(([useCase, u]) => ({ useCase, ...u })),
    expiredMc,
    overageInvoicedMc,
    overageInvoice: invoice && !period.current ? { id: invoice.id, credits: invoice.credits, amountCents: invoice.amountCents, status: invoice.status } : null,
    closingMc,
  };
}

/** Monthly statements: the list, the JSON, the PDF (a small hand-built one) and the CSV (shared/statement-csv.ts). */
export function statementHandlers(store: MockStore): HttpHandler[] {
  const find = (request: Request, endpoint: typeof billingContract.statement | typeof billingContract.statementPdf | typeof billingContract.statementCsv, params: Record<string, unknown>): Response | Statement => {
    const denied = requireSession(store, request, endpoint);
    if (denied) return denied;
    const parsed = endpoint.params.safeParse({ period: params.period });
    if (!parsed.success) return validationFailed(parsed.error);
    const period = periodsOf(store).find((p) => p.id === parsed.data.period);
    return period ? statementOf(store, period) : apiError(404, 'NOT_FOUND', 'Billing period not found');
  };
  return [
    http.get(url(billingContract.statements), ({ request }) => requireSession(store, request, billingContract.statements) ?? json(billingContract.statements, { periods: periodsOf(store) })),
    http.get(url(billingContract.statement), ({ request, params }) => {
      const s = find(request, billingContract.statement, params);
      return s instanceof Response ? s : json(billingContract.statement, s);
    }),
    http.get(url(billingContract.statementPdf), ({ request, params }) => {
      const s = find(request, billingContract.statementPdf, params);
      if (s instanceof Response) return s;
      const pdf = textPdf('AI Credits statement', [
        'Test mode (sandbox): no real money was charged.',
        `Organization: ${s.orgName}`,
        `Billing period: ${s.period.start.slice(0, 10)} to ${s.period.end.slice(0, 10)} (UTC)${s.period.current ? ', so far' : ''}`,
        `Opening balance ${formatCredits(s.openingMc)} credits`,
        `Monthly allowance ${formatCredits(s.allowanceMc)} credits`,
        ...s.credits.map((c) => `${c.description} ${formatCredits(c.mc)} credits${c.amountCents === null ? '' : `, ${formatUsd(c.amountCents)} USD`}`),
        ...s.usageByUseCase.map((u) => `Usage: ${useCaseLabel(u.useCase)} (${u.calls}) -${formatCredits(u.mc)} credits`),
        `Usage total -${formatCredits(s.usageMc)} credits`,
        `Expired at the reset -${formatCredits(s.expiredMc)} credits`,
        `Overage invoiced ${formatCredits(s.overageInvoicedMc)} credits`,
        `${s.period.current ? 'Closing balance (so far)' : 'Closing balance'} ${formatCredits(s.closingMc)} credits`,
        'All times are UTC.',
      ]);
      return new HttpResponse(pdf, { headers: { 'content-type': 'application/pdf' } });
    }),
    http.get(url(billingContract.statementCsv), ({ request, params }) => {
      const s = find(request, billingContract.statementCsv, params);
      if (s instanceof Response) return s;
      return new HttpResponse(statementCsv(s), { headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="statement-${s.period.id}.csv"` } });
    }),
  ];
}
