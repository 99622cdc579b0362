import { useMutation, useQuery, useSuspenseQuery } from '@tanstack/react-query';
import { overagePriceText } from '@ai-credits/shared/catalog';
import type { Invoice, Purchase } from '@ai-credits/shared/contracts/billing';
import { formatUsd } from '@ai-credits/shared/format';
import { EmptyState } from '@/components/ui/states';
import { PageHeader } from '@/components/ui/page-header';
import { QuerySection } from '@/components/ui/query-section';
import { formatDate, formatDateTime, timeZoneLabel } from '@/lib/dates';
import { sessionQueries } from '@/api/session-queries';
import { billingMutations, billingQueries, receiptUrl, taxInvoiceUrl } from '../api/billing-queries';
import { AutoTopUpCard } from './auto-topup-card';
import { BillingProfileCard } from './billing-profile-card';
import { BuyCreditsButton } from './buy-credits-button';
import { CheckoutResult } from './checkout-result';
import { SandboxCheckout } from './sandbox-checkout-dialog';
import { PlanCard } from './plan-card';
import { StatementsCard } from './statements-card';
import { useCheckout } from './use-checkout';
import './billing.css';

const PURCHASE_STATUS: Record<Purchase['status'], string> = {
  created: 'Not paid',
  attempted: 'Payment pending',
  failed: 'Failed',
  paid: 'Paid',
  granted: 'Paid, credits added',
};

function statusLabel(p: Purchase): string {
  const base = p.kind === 'invoice' && p.status === 'paid' ? 'Paid' : PURCHASE_STATUS[p.status];
  return p.refundedCents > 0 ? `${base} (${formatUsd(p.refundedCents)} refunded)` : base;
}

const isPaid = (status: Purchase['status']) => status === 'paid' || status === 'granted';

function RazorpayIds({ orderId, paymentId }: { orderId: string | null; paymentId: string | null }) {
  if (!orderId && !paymentId) return <span className="muted">—</span>;
  return (
    <span className="billing-ids">
      {orderId ?? '—'}
      <br />
      {paymentId ?? <span className="muted">no payment yet</span>}
    </span>
  );
}

function ReceiptLink({ purchaseId }: { purchaseId: string }) {
  return (
    <a href={receiptUrl(purchaseId)} target="_blank" rel="noopener noreferrer">
      Receipt
    </a>
  );
}

/** The GST tax invoice as a PDF (built by the BFF; owner or admin), named by its number. */
function TaxInvoiceLink({ purchaseId, number }: { purchaseId: string; number: string }) {
  return (
    <a href={taxInvoiceUrl(purchaseId)} download={`tax-invoice-${number}.pdf`} className="billing-tax-invoice-link">
      Tax invoice {number} (PDF)
    </a>
  );
}

/** Settings -> Plans & Billing: every purchase and overage invoice, with Razorpay ids and receipts. */
export function PlansBillingPage() {
  const { data: session } = useSuspenseQuery(sessionQueries.current());
  const owner = session.role === 'owner';
  const history = useQuery({ ...billingQueries.history(), enabled: session.role !== 'member' });

  return (
    <div className="page">
      <PageHeader
        breadcrumb="Settings"
        title="Plans & Billing"
        titleId="plans-billing-title"
        description={
          <>
            Credit bundle purchases and overage invoices of {session.org.name}, paid through Razorpay.
          </>
        }
        actions={owner ? <BuyCreditsButton /> : null}
      />
      {session.role === 'member' ? (
        <EmptyState title="Only the owner and admins see payments">Ask your organization owner for receipts.</EmptyState>
      ) : (
        <QuerySection query={history} loadingLabel="Loading payments" loadingHeight={200} errorTitle="Couldn't load payments">
          {(data) => (
            <>
              {data.mode === 'sandbox' ? (
                <p className="muted" role="note">
                  Test mode: payments go through the local sandbox gateway; no real money is charged.
                </p>
              ) : null}
              <PlanCard />
              <AutoTopUpCard owner={owner} />
              <BillingProfileCard owner={owner} />
              <InvoicesTable invoices={data.invoices} owner={owner} />
              <PurchasesTable purchases={data.purchases} />
              <StatementsCard />
            </>
          )}
        </QuerySection>
      )}
    </div>
  );
}

function PurchasesTable({ purchases }: { purchases: Purchase[] }) {
  return (
    <section className="card" aria-labelledby="purchases-title">
      <h2 id="purchases-title" className="section-title">
        Purchases
      </h2>
      {purchases.length === 0 ? (
        <EmptyState title="No purchases yet">Credit bundles you buy appear here with their receipts.</EmptyState>
      ) : (
        <div className="table-scroll">
          <table className="table" aria-labelledby="purchases-title">
            <thead>
              <tr>
                <th scope="col">Date ({timeZoneLabel()})</th>
                <th scope="col">Bundle</th>
                <th scope="col" className="num">
                  Amount
                </th>
                <th scope="col" className="num">
                  Credits
                </th>
                <th scope="col">Status</th>
                <th scope="col">Receipt</th>
                <th scope="col">Razorpay order / payment</th>
              </tr>
            </thead>
            <tbody>
              {purchases.map((p) => (
                <tr key={p.id}>
                  <td className="nowrap">{formatDateTime(p.paidAt ?? p.createdAt)}</td>
                  <td>{p.kind === 'bundle' ? `${p.source === 'auto_topup' ? 'Auto top-up: ' : ''}${p.bundleName ?? p.bundleId}` : 'Overage invoice'}</td>
                  <td className="num">{formatUsd(p.amountCents)}</td>
                  <td className="num">{p.credits.toLocaleString('en-US')}</td>
                  <td className="billing-status-cell">
                    {statusLabel(p)}
                    {p.status === 'failed' && p.failureReason ? <span className="cell-note">{p.failureReason}</span> : null}
                  </td>
                  <td className="billing-docs-cell">
                    {isPaid(p.status) ? <ReceiptLink purchaseId={p.id} /> : <span className="muted">—</span>}
                    {isPaid(p.status) && p.taxInvoiceNumber ? <TaxInvoiceLink purchaseId={p.id} number={p.taxInvoiceNumber} /> : null}
                  </td>
                  <td className="billing-ids-cell">
                    <RazorpayIds orderId={p.razorpayOrderId} paymentId={p.razorpayPaymentId} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function InvoicesTable({ invoices, owner }: { invoices: Invoice[]; owner: boolean }) {
  const payInvoice = useMutation(billingMutations.payInvoice());
  const checkout = useCheckout('The invoice is still open.');

  return (
    <section className="card" aria-labelledby="invoices-title">
      <h2 id="invoices-title" className="section-title">
        Overage invoices
      </h2>
      <CheckoutResult state={checkout.state} onDismiss={checkout.reset} success={() => 'Payment received. The invoice is paid.'} />
      <SandboxCheckout checkout={checkout} />
      {invoices.length === 0 ? (
        <EmptyState title="No overage invoices">A month that ends with overage is invoiced here at {overagePriceText()}.</EmptyState>
      ) : (
        <div className="table-scroll">
          <table className="table" aria-labelledby="invoices-title">
            <thead>
              <tr>
                <th scope="col">Billing month</th>
                <th scope="col" className="num">
                  Overage credits
                </th>
                <th scope="col" className="num">
                  Amount
                </th>
                <th scope="col">Status</th>
                <th scope="col">Razorpay order / payment</th>
                <th scope="col">Action</th>
              </tr>
            </thead>
            <tbody>
              {invoices.map((i) => (
                <tr key={i.id}>
                  <td className="nowrap">
                    {formatDate(i.periodStart)} – {formatDate(i.periodEnd)}
                  </td>
                  <td className="num">{i.credits.toLocaleString('en-US')}</td>
                  <td className="num">{formatUsd(i.amountCents)}</td>
                  <td>{i.status === 'paid' ? `Paid${i.paidAt ? ` ${formatDate(i.paidAt)}` : ''}` : 'Open'}</td>
                  <td className="billing-ids-cell">
                    <RazorpayIds orderId={i.razorpayOrderId} paymentId={i.razorpayPaymentId} />
                  </td>
                  <td>
                    {i.status === 'paid' && i.purchaseId ? (
                      <ReceiptLink purchaseId={i.purchaseId} />
                    ) : owner ? (
                      <button
                        type="button"
                        className="button button-primary"
                        disabled={checkout.busy}
                        onClick={() => void checkout.begin(() => payInvoice.mutateAsync(i.id))}
                      >
                        Pay invoice
                      </button>
                    ) : (
                      <span className="muted">The owner pays invoices</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
