import { costMc, findBundle, findModel, MC_PER_CREDIT, type UseCase } from '../../catalog';
import type { Purchase } from '../../contracts/billing';
import type { TestCaseGeneration } from '../../contracts/ai';
import type { UsageRow } from '../../contracts/credits';
import { AI_DISABLED_REFUSAL, coverageRefusal, type Refusal } from '../../ledger-rules';
import { computeTax, DEMO_SELLER, taxInvoiceNumber } from '../../tax';
import { budgetUsedMc, reservedMcOf } from './projections';
import { compareNewestFirst, mockId, nextId, nowIso, type MockStore } from './state';

/** What the handlers do to the org, with the BFF's rules (shared/ledger-rules.ts, catalog.ts). */

/**
 * Charge one finished AI call (an app run or a metering record): a usage row, the balance goes
 * down, the part past zero is overage. The caller checked coverage first (ledger-rules.ts).
 */
export function charge(
  store: MockStore,
  input: { useCase: UseCase; model: string; inputTokens: number; outputTokens: number; projectId: string | null; userId: string | null; apiKeyId: string | null; chargedMc?: number },
): UsageRow {
  const model = findModel(input.model)!;
  const chargedMc = input.chargedMc ?? Number(costMc(model, input.inputTokens, input.outputTokens));
  const overageBefore = Math.max(0, -store.balanceMc);
  store.balanceMc -= chargedMc;
  autoTopUpOnCharge(store, store.balanceMc + chargedMc, store.balanceMc);
  const overageMc = Math.max(0, -store.balanceMc) - overageBefore;
  const user = store.members.find((m) => m.userId === input.userId);
  const project = store.projects.find((p) => p.id === input.projectId);
  const apiKey = store.apiKeys.find((k) => k.id === input.apiKeyId);
  const at = nowIso(store);
  if (apiKey) apiKey.lastUsedAt = at;
  const row: UsageRow = {
    id: nextId(),
    occurredAt: at,
    useCase: input.useCase,
    user: user ? { id: user.userId, name: user.name } : null,
    project: project ? { id: project.id, name: project.name } : null,
    model: model.id,
    inputTokens: input.inputTokens,
    outputTokens: input.outputTokens,
    chargedMc,
    overageMc,
    apiKey: apiKey ? { id: apiKey.id, name: apiKey.name } : null,
    source: apiKey ? 'api' : 'app',
  };
  store.usage.unshift(row);
  store.usage.sort(compareNewestFirst);
  return row;
}

/** The sandbox's off-session decline (the BFF's words, bff sandbox-gateway.ts). */
export const SANDBOX_DECLINE_MESSAGE = 'The card was declined for a payment without the cardholder present (sandbox test card ending 0002).';

/**
 * Auto top-up as the BFF decides it (ADR 025): a charge that takes the balance below the
 * threshold starts one top-up when it is on, not paused and under the monthly cap; the mock
 * charges it at once (the saved card approves, or declines and pauses auto top-up, emailing the owner).
 */
export function autoTopUpOnCharge(store: MockStore, beforeMc: number, afterMc: number) {
  const { settings, paymentMethod } = store.autoTopUp;
  if (!settings?.enabled || settings.pausedAt || !paymentMethod) return;
  const thresholdMc = settings.thresholdCredits * MC_PER_CREDIT;
  if (!(beforeMc >= thresholdMc && afterMc < thresholdMc)) return;
  const bundle = findBundle(settings.bundleId)!;
  const used = store.autoTopUp.topUps.filter((t) => t.status !== 'failed' && t.createdAt >= store.period.start.toISOString());
  const usedCents = used.reduce((sum, t) => sum + t.amountCents, 0);
  if (settings.capKind === 'count' ? used.length + 1 > settings.capValue : usedCents + bundle.priceCents > settings.capValue) return;
  const now = nowIso(store);
  const id = nextId();
  const purchase: Purchase = {
    id,
    kind: 'bundle',
    bundleId: bundle.id,
    bundleName: bundle.name,
    invoiceId: null,
    ...taxedAmounts(store, id, bundle.priceCents),
    taxInvoiceNumber: null,
    currency: 'USD',
    credits: bundle.credits,
    status: store.autoTopUp.cardDeclines ? 'failed' : 'granted',
    source: 'auto_topup',
    refundedCents: 0,
    razorpayOrderId: `order_${purchaseSuffix(store.purchases.length)}`,
    razorpayPaymentId: `pay_${purchaseSuffix(store.purchases.length + 1)}`,
    failureReason: store.autoTopUp.cardDeclines ? SANDBOX_DECLINE_MESSAGE : null,
    createdAt: now,
    paidAt: store.autoTopUp.cardDeclines ? null : now,
    grantedAt: store.autoTopUp.cardDeclines ? null : now,
  };
  if (!store.autoTopUp.cardDeclines) purchase.taxInvoiceNumber = issueTaxInvoice(store, purchase);
  store.purchases.unshift(purchase);
  store.autoTopUp.topUps.unshift({
    id: nextId(),
    status: store.autoTopUp.cardDeclines ? 'failed' : 'succeeded',
    thresholdCredits: settings.thresholdCredits,
    balanceBeforeMc: beforeMc,
    balanceAfterMc: afterMc,
    bundleId: bundle.id,
    amountCents: bundle.priceCents,
    purchaseId: purchase.id,
    failureReason: purchase.failureReason,
    createdAt: now,
  });
  if (store.autoTopUp.cardDeclines) {
    store.autoTopUp.settings = { ...settings, pausedAt: now, pausedReason: SANDBOX_DECLINE_MESSAGE };
    const owner = store.members.find((m) => m.role === 'owner');
    if (owner) {
      store.emails.unshift({ id: nextId(), kind: 'auto_topup_failed', to: owner.email, subject: `Auto top-up failed for ${store.org.name}: it is paused`, text: SANDBOX_DECLINE_MESSAGE, createdAt: now, sentAt: null, attempts: 0, lastError: null, attachments: [] });
    }
  } else store.balanceMc += bundle.credits * MC_PER_CREDIT;
}

const purchaseSuffix = (n: number) => `AutoTopUp${String(n).padStart(5, '0')}`;

/**
 * The amounts of a purchase opened now for `netCents`, with GST as the BFF charges it (shared/tax.ts,
 * the demo seller and the billing profile); the breakdown is kept for Checkout and the tax invoice.
 */
export function taxedAmounts(store: MockStore, purchaseId: string, netCents: number): Pick<Purchase, 'amountCents' | 'netCents' | 'taxCents'> {
  const profile = store.billingProfile;
  const tax = computeTax(netCents, DEMO_SELLER, profile ? { country: profile.country, state: profile.state } : null);
  store.taxes.set(purchaseId, tax);
  return { amountCents: tax.totalCents, netCents, taxCents: tax.taxCents };
}

/** The next number of the gap-free tax invoice sequence, for a paid purchase that charged tax (none twice). */
function issueTaxInvoice(store: MockStore, purchase: Purchase): string | null {
  if (purchase.taxInvoiceNumber || !store.taxes.has(purchase.id)) return purchase.taxInvoiceNumber;
  store.lastTaxInvoice += 1;
  return taxInvoiceNumber(store.lastTaxInvoice);
}

/** A verified payment: a bundle adds its credits, an invoice is marked paid (and leaves the banner). */
export function completePurchase(store: MockStore, purchaseId: string, paymentId: string): Purchase {
  const index = store.purchases.findIndex((p) => p.id === purchaseId);
  const now = nowIso(store);
  const before = store.purchases[index]!;
  const status = before.kind === 'bundle' ? 'granted' : 'paid';
  const purchase: Purchase = { ...before, status, razorpayPaymentId: paymentId, failureReason: null, paidAt: now, grantedAt: status === 'granted' ? now : null, taxInvoiceNumber: issueTaxInvoice(store, before) };
  store.purchases[index] = purchase;
  if (purchase.kind === 'bundle') store.balanceMc += purchase.credits * MC_PER_CREDIT;
  if (purchase.invoiceId) {
    const i = store.invoices.findIndex((inv) => inv.id === purchase.invoiceId);
    if (i >= 0) store.invoices[i] = { ...store.invoices[i]!, status: 'paid', paidAt: now, purchaseId: purchase.id, razorpayOrderId: purchase.razorpayOrderId, razorpayPaymentId: paymentId };
  }
  // Money moved: in the audit log, as the BFF writes it (issue 20).
  const buyer = store.members.find((m) => m.userId === store.userId);
  // The receipt, with the tax invoice PDF attached (the BFF's test-mode mailbox; ADR 035).
  if (buyer) {
    const number = purchase.taxInvoiceNumber;
    store.emails.unshift({
      id: nextId(),
      kind: 'receipt',
      to: buyer.email,
      subject: `Your TestKase AI Credits receipt for ${purchase.bundleName ?? 'an overage invoice'}`,
      text: `Thank you: your payment of $${(purchase.amountCents / 100).toFixed(2)} USD was received.${number ? `\n\nThe GST tax invoice ${number} is attached (PDF).` : ''}`,
      createdAt: now,
      sentAt: null,
      attempts: 0,
      lastError: null,
      attachments: number ? [{ filename: `tax-invoice-${number}.pdf`, contentType: 'application/pdf', sizeBytes: 2_700 }] : [],
    });
  }
  const money = { purchaseId: purchase.id, amountCents: purchase.amountCents, currency: purchase.currency, razorpayPaymentId: paymentId };
  store.audit.unshift({
    id: nextId(),
    at: now,
    actor: buyer ? { id: buyer.userId, name: buyer.name } : null,
    action: purchase.kind === 'bundle' ? 'purchase.paid' : 'invoice.paid',
    from: null,
    to: purchase.kind === 'bundle' ? { ...money, kind: 'bundle', bundleId: purchase.bundleId, credits: purchase.credits } : { ...money, invoiceId: purchase.invoiceId },
  });
  return purchase;
}

/**
 * The ledger's refusal for a call costing `costMc` on `projectId` for `userId` (AI off, balance,
 * overage limit, budgets: shared/ledger-rules.ts), or null when it may run.
 */
export function refusalFor(store: MockStore, costMc: number, who: { projectId?: string | null; userId?: string | null } = {}, minCostMc?: number): Refusal | null {
  if (!store.org.aiEnabled) return AI_DISABLED_REFUSAL;
  const room = (type: 'project' | 'user', id: string | null | undefined) => {
    const budget = id ? store.budgets.find((b) => b.subjectType === type && b.subjectId === id) : undefined;
    if (!budget) return null;
    const name = type === 'project' ? (store.projects.find((p) => p.id === id)?.name ?? null) : (store.members.find((m) => m.userId === id)?.name ?? null);
    return { leftMc: BigInt(budget.limitMc - budgetUsedMc(store, type, id!)), limitMc: BigInt(budget.limitMc), name };
  };
  return coverageRefusal({
    availableMc: BigInt(store.balanceMc - reservedMcOf(store)),
    overageLimitMc: BigInt(store.overageLimitMc),
    costMc: BigInt(costMc),
    minCostMc: minCostMc === undefined ? undefined : BigInt(minCostMc),
    ownerName: store.members.find((m) => m.role === 'owner')?.name ?? null,
    projectBudget: room('project', who.projectId),
    memberBudget: room('user', who.userId),
  });
}

/**
 * A refusal that leaves less than a credit under its limit stops AI: the BFF's "AI stopped" alert
 * (ADR 037), once per limit and billing period. The mock keeps the signed-in user's notifications
 * only, so it adds the alert as that reader reads it when they are the owner or an admin (or the
 * member whose budget it is).
 */
export function noteAiStopped(store: MockStore, refusal: Refusal, who: { projectId?: string | null; userId?: string | null }): void {
  const stoppedBy = (refusal as Refusal & { stoppedBy?: string }).stoppedBy;
  if (!stoppedBy) return;
  const available = store.balanceMc - reservedMcOf(store);
  const left = (type: 'project' | 'user', id: string | null | undefined) => {
    const budget = id ? store.budgets.find((b) => b.subjectType === type && b.subjectId === id) : undefined;
    return budget ? budget.limitMc - budgetUsedMc(store, type, id!) : Infinity;
  };
  const room = stoppedBy === 'project_budget' ? left('project', who.projectId) : stoppedBy === 'member_budget' ? left('user', who.userId) : stoppedBy === 'balance' ? available : available + store.overageLimitMc;
  if (room >= MC_PER_CREDIT) return;
  const subject = stoppedBy === 'project_budget' ? `project:${who.projectId}` : stoppedBy === 'member_budget' ? `user:${who.userId}` : stoppedBy;
  const key = `stopped:${subject}:${store.period.start.toISOString()}`;
  if (store.stoppedAlerts.has(key)) return;
  store.stoppedAlerts.add(key);
  const reader = store.members.find((m) => m.userId === store.userId);
  const aboutReader = stoppedBy === 'member_budget' && who.userId === store.userId;
  if (!reader || (reader.role === 'member' && !aboutReader)) return;
  const memberName = store.members.find((m) => m.userId === who.userId)?.name ?? 'a member';
  const title =
    stoppedBy === 'project_budget'
      ? `AI stopped in project "${store.projects.find((p) => p.id === who.projectId)?.name ?? 'a project'}": project budget reached`
      : stoppedBy === 'member_budget'
        ? aboutReader
          ? 'AI stopped for you: your monthly budget is reached'
          : `AI stopped for ${memberName}: member budget reached`
        : stoppedBy === 'balance'
          ? 'AI stopped: out of credits'
          : 'AI stopped: overage limit reached';
  const link = stoppedBy === 'project_budget' ? `/settings/ai-credits?projectId=${who.projectId}` : stoppedBy === 'member_budget' ? `/settings/ai-credits?userId=${who.userId}` : '/settings/ai-credits';
  store.notifications.unshift({ id: nextId(), kind: 'alert', title, body: `${title}.`, link, resetsAt: store.period.end.toISOString(), createdAt: nowIso(store), readAt: null });
}

export function testCasesFor(requirement: string, projectId: string, generationId: string, at: string): TestCaseGeneration['testCases'] {
  const sentences = requirement
    .split(/(?<=[.!?])\s+|\n+/)
    .map((s) => s.trim().replace(/[.!?]+$/, ''))
    .filter((s) => s.split(/\s+/).length >= 3)
    .slice(0, 6);
  const cases = (sentences.length ? sentences : [requirement.trim()]).map((s) => ({
    area: /pay|cart|checkout|order|coupon/i.test(s) ? 'Checkout & payments' : /password|log ?in|sign/i.test(s) ? 'Authentication' : 'Core flow',
    title: `Verify ${s.charAt(0).toLowerCase()}${s.slice(1)}`,
    preconditions: 'A user is signed in with access to the feature',
    steps: ['Open the feature', `Perform the flow: ${s.charAt(0).toLowerCase()}${s.slice(1)}`, 'Check the result on screen and after a reload'],
    expectedResult: `${s}.`,
  }));
  cases.push({
    area: 'Error handling',
    title: 'Invalid or missing input is rejected',
    preconditions: 'A user is signed in with access to the feature',
    steps: ['Leave required fields empty or enter malformed values', 'Submit'],
    expectedResult: 'Each invalid field shows an error; nothing is saved',
  });
  return cases.map((c, i) => ({ ...c, id: mockId(0x7e, parseInt(generationId.slice(-4), 16) * 100 + i), projectId, generationId, createdAt: at }));
}
