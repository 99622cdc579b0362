import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { sql, type Transaction } from 'kysely';
import { ownerOf, queueEmail } from '../email/email.service';
import { overageInvoiceEmail } from '../email/templates';
import { findModel, MONTHLY_ALLOWANCE_MC, costMc, overageInvoiceFor, type UseCase } from '@ai-credits/shared/catalog';
import type { Reservation } from '@ai-credits/shared/contracts/credits';
import type { MeteredUsage } from '@ai-credits/shared/contracts/metering';
import { crossedThresholds, DEFAULT_BUDGET_ALERT_PERCENTS, DEFAULT_CREDIT_ALERT_PERCENTS } from '@ai-credits/shared/budgets';
import type { Database } from '../../db/database';
import type { ReservationStatus } from './ledger.tables';
import type { Db } from '../../db/db';
import { HttpError, notFound } from '../../http/http-error';
import { maxBig, minBig, toSafeNumber } from '../../lib/bigint';
import type { Clock } from '../../lib/clock';
import { requestHash } from '../../lib/request-hash';
import { billingPeriodAt } from '@ai-credits/shared/billing-period';
import { AI_DISABLED_REFUSAL, decideCoverage } from '@ai-credits/shared/ledger-rules';
import { fireAlerts, type Crossing } from '../alerts/alerts.service';
import { recordAudit } from '../audit/audit.service';
import { AfterApplyFailed, createGroupCommit, type AfterApply, type Outcome } from './group-commit';
import * as repo from './ledger.repository';
import { isStaleConnection, isStatementRefused } from '../../db/db-errors';

/**
 * The credit engine. Every write to an org's credits runs in one transaction that holds the
 * org row lock (SELECT ... FOR NO KEY UPDATE) and first settles a pending period rollover; so any
 * number of BFF instances serialise per org in PostgreSQL, and nothing depends on a cron.
 *
 * Invariants (checked by tests):
 *   organizations.balance_mc = sum(ledger_entries.amount_mc)
 *   balance = sum(remaining of unexpired grants) - overage debt, where debt > 0 only when every grant is spent
 *   spendable now = balance - held by open reservations + (overage limit)
 */
export interface LedgerDeps {
  db: Db;
  clock: Clock;
  reservationTtlSeconds: number;
  /** Group-commit batches of this instance at once (LEDGER_MAX_BATCHES); 2 when absent. */
  maxBatches?: number;
  /** Single-org batches at once waiting for an org held elsewhere (LEDGER_MAX_LOCK_WAITERS); 4 when absent. */
  maxLockWaiters?: number;
  /** Batch size and lock wait of every group-commit batch (lib/metrics.ts). */
  metrics?: { recordLedgerBatch(size: number, lockWaitMs: number): void };
  /**
   * Called in the batch's transaction, under the org lock, after an org's operations consumed
   * credits and before commit (billing's auto top-up decides a threshold crossing here, ADR 025).
   * It must only write rows (never call out): it holds the org's lock. Its error fails the batch.
   */
  onBalanceChange?: (trx: Transaction<Database>, changes: { orgId: string; beforeMc: bigint; afterMc: bigint }[]) => Promise<void>;
}

export interface BalanceDto {
  balanceMc: number;
  availableMc: number;
}

export interface MeteringContext {
  orgId: string;
  userId: string | null;
  projectId: string | null;
  apiKeyId: string | null;
  source: 'app' | 'api';
}

/** `minEstimateMc`: the least the call can run with; the hold is then `estimateMc` capped at the room left (shared/ledger-rules.ts decideCoverage). */
export type ReserveInput = MeteringContext & { useCase: UseCase; model: string; estimateMc: bigint; minEstimateMc?: bigint; idempotencyKey?: string };
export interface SettleInput {
  orgId: string;
  reservationId: string;
  inputTokens: number;
  outputTokens: number;
  /** A repeat with this key returns the first result (ledger idempotency record). */
  idempotencyKey?: string;
  /** Only recorded on the usage row, for callers that keep their own idempotency (the AI features). */
  usageKey?: string;
}
export type ReleaseInput = { orgId: string; reservationId: string; idempotencyKey?: string };
export type RecordInput = MeteringContext & { useCase: UseCase; model: string; inputTokens: number; outputTokens: number; idempotencyKey?: string };
export interface ReserveResult {
  reservation: Reservation;
  balance: BalanceDto;
}
export interface SettleResult {
  usage: MeteredUsage;
  balance: BalanceDto;
}
export type ReleaseResult = ReserveResult;

type LedgerOp =
  | { kind: 'reserve'; input: ReserveInput }
  | { kind: 'settle'; input: SettleInput }
  | { kind: 'release'; input: ReleaseInput }
  | { kind: 'record'; input: RecordInput }
  /** Housekeeping: the rollover and the expiry of stale reservations (which every batch of the org does). */
  | { kind: 'sweep'; input: { orgId: string; idempotencyKey?: undefined } };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type BatchState = repo.BatchState;

/** An organization's account as the ledger and the features that read it see it (never its row). */
export interface OrgState {
  id: string;
  createdAt: Date;
  periodStart: Date;
  periodEnd: Date;
  balanceMc: bigint;
  aiEnabled: boolean;
  overageLimitMc: bigint;
}

const toOrgState = (row: repo.LockedOrgRow): OrgState => ({
  id: row.id,
  createdAt: row.created_at,
  periodStart: row.period_start,
  periodEnd: row.period_end,
  balanceMc: BigInt(row.balance_mc),
  aiEnabled: row.ai_enabled,
  overageLimitMc: BigInt(row.overage_limit_mc),
});

/** A budget a batch meters against: its limit and this period's use (settled + open reservations). */
interface BudgetState {
  type: 'project' | 'user';
  id: string;
  name: string | null;
  limitMc: bigint;
  usedMc: bigint;
  /** Use when the batch started (alerts compare the two). */
  startMc: bigint;
  /** An operation of this batch was refused by this budget. */
  refused: boolean;
}

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

type UsageFields = Omit<repo.UsageRow, 'id' | 'org_id' | 'charged_mc' | 'overage_mc' | 'allocations' | 'occurred_at'>;

/**
 * The one usage-row builder of settle and record: who called (the reservation's caller, or the
 * record's), the model's rates at the time of the call, the tokens, and what it settles.
 */
function usageRow(
  who: Pick<UsageFields, 'user_id' | 'project_id' | 'api_key_id' | 'source' | 'use_case'>,
  model: NonNullable<ReturnType<typeof findModel>>,
  tokens: { inputTokens: number; outputTokens: number },
  refs: Pick<UsageFields, 'reservation_id' | 'idempotency_key'>,
): UsageFields {
  return {
    user_id: who.user_id,
    project_id: who.project_id,
    api_key_id: who.api_key_id,
    source: who.source,
    use_case: who.use_case,
    model: model.id,
    rate_version: model.rateVersion,
    input_mc_per_1k: model.inputMcPer1k,
    output_mc_per_1k: model.outputMcPer1k,
    input_tokens: tokens.inputTokens,
    output_tokens: tokens.outputTokens,
    ...refs,
  };
}

function toReservationDto(r: { id: string; status: Reservation['status']; estimate_mc: bigint; expires_at: Date; use_case: string; model: string }): Reservation {
  return {
    id: r.id,
    status: r.status,
    estimateMc: toSafeNumber(r.estimate_mc),
    expiresAt: r.expires_at.toISOString(),
    useCase: r.use_case as UseCase,
    model: r.model,
  };
}

export function createLedgerService(deps: LedgerDeps) {
  const { db, clock } = deps;

  async function grantAllowance(ctx: LockedOrg) {
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
  async function rollOver(ctx: LockedOrg) {
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
      const invoice = await repo.insertOverageInvoice(trx, {
        org_id: org.id,
        period_start: org.periodStart,
        period_end: org.periodEnd,
        overage_mc: debt,
        credits,
        amount_cents: amountCents,
        created_at: closedAt,
      });
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

  /** `locked`: the org row as read after the caller took the lock itself, and the time it used. */
  async function lockedIn<T>(
    trx: Transaction<Database>,
    orgId: string,
    fn: (ctx: LockedOrg) => Promise<T>,
    locked?: { row: repo.LockedOrgRow; now: Date },
  ): Promise<T> {
    const row = locked?.row ?? (await repo.lockOrg(trx, orgId));
    const ctx = new LockedOrg(trx, toOrgState(row), locked?.now ?? clock.now());
    await rollOver(ctx);
    const result = await fn(ctx);
    if (ctx.dirty) {
      await repo.updateOrg(trx, orgId, {
        balance_mc: ctx.org.balanceMc,
        period_start: ctx.org.periodStart,
        period_end: ctx.org.periodEnd,
        ai_enabled: ctx.org.aiEnabled,
        overage_limit_mc: ctx.org.overageLimitMc,
      });
    }
    return result;
  }

  function withOrgLock<T>(orgId: string, fn: (ctx: LockedOrg) => Promise<T>): Promise<T> {
    return db.transaction().execute((trx) => lockedIn(trx, orgId, fn));
  }

  function assertAiEnabled(org: OrgState) {
    if (!org.aiEnabled) throw new HttpError(AI_DISABLED_REFUSAL.status, AI_DISABLED_REFUSAL.code, AI_DISABLED_REFUSAL.message);
  }

  /**
   * Refuse before any model is called when `cost` does not fit under every limit that applies
   * (docs/product.md "Consumption"; budgets, ADR "budgets and alerts"): the lowest limit wins and the
   * refusal names it. The rule and its words are shared (shared/budgets.ts, ledger-rules.ts).
   */
  function assertCanCover(org: OrgState, held: bigint, cost: bigint, project: BudgetState | null = null, member: BudgetState | null = null, minCost?: bigint): bigint {
    const budget = (b: BudgetState | null) => (b ? { leftMc: b.limitMc - b.usedMc, limitMc: b.limitMc, name: b.name } : null);
    const { holdMc, refusal } = decideCoverage({ availableMc: org.balanceMc - held, overageLimitMc: org.overageLimitMc, costMc: cost, minCostMc: minCost, projectBudget: budget(project), memberBudget: budget(member) });
    if (!refusal) return holdMc;
    if (refusal.stoppedBy === 'project_budget') project!.refused = true;
    if (refusal.stoppedBy === 'member_budget') member!.refused = true;
    throw new HttpError(refusal.status, refusal.code, refusal.message);
  }

  /** What an operation is, for its idempotency record (the same hash as before batching). */
  function describe(op: LedgerOp): { operation: string; request: unknown } {
    if (op.kind === 'reserve') return { operation: 'reserve', request: { ...op.input, estimateMc: op.input.estimateMc.toString(), minEstimateMc: op.input.minEstimateMc?.toString(), idempotencyKey: undefined } };
    if (op.kind === 'settle') return { operation: 'settle', request: { ...op.input, idempotencyKey: undefined, usageKey: undefined } };
    return { operation: op.kind, request: { ...op.input, idempotencyKey: undefined } };
  }

  /**
   * Apply a batch of one org's operations under its row lock, in arrival order. One statement
   * reads what the batch needs; each operation is then checked and applied in memory against
   * the running state (so coverage is checked operation by operation and a batch never
   * overdraws); the writes are added to `options.writes` when the caller sends them (in one
   * statement with those of the batch's other orgs, and its commit), else sent now.
   * An operation that fails (402, 404, 409, 422) has no effect and stores no idempotency record.
   */
  async function applyOps(ctx: LockedOrg, ops: LedgerOp[], options: { preRead?: BatchState; writes?: repo.BatchWrites[] } = {}): Promise<Outcome[]> {
    const { trx, org, now } = ctx;
    const orgDirtyBefore = ctx.dirty;
    // Read before the rollover ran in this transaction: stale, read again (for the new period).
    const read = options.preRead && !orgDirtyBefore ? options.preRead : await readFor(trx, org.id, now, ops, org.periodStart);
    // Budget use (settled + open reservations this period), kept current op by op like `held`.
    const budgets = new Map<string, BudgetState>(read.budgets.map((b) => [`${b.type}:${b.id}`, { ...b, startMc: b.usedMc, refused: false }]));
    const budgetOf = (type: 'project' | 'user', id: string | null) => (id ? (budgets.get(`${type}:${id}`) ?? null) : null);
    /** Adds `delta` to the budgets a reservation or usage counts against (no user: the project's only). */
    const addToBudgets = (who: { project_id: string | null; user_id: string | null }, delta: bigint) => {
      for (const b of [budgetOf('project', who.project_id), budgetOf('user', who.user_id)]) if (b) b.usedMc += delta;
    };
    const debtAtStart = org.balanceMc < 0n ? -org.balanceMc : 0n;
    let consumedInBatch = 0n;
    let held = read.held;
    const grants = read.grants;
    const reservations = new Map(read.reservations.map((r) => [r.id, r]));
    const idempotency = new Map(read.idempotency.map((r) => [r.key, r]));

    const w = {
      newReservations: [] as repo.ReservationRow[],
      closed: new Map<string, repo.ReservationRow>(),
      usages: [] as repo.UsageRow[],
      ledger: [] as repo.LedgerRow[],
      daily: new Map<string, repo.DailyRow>(),
      idempotency: [] as repo.IdempotencyRow[],
      grants: new Set<(typeof grants)[number]>(),
    };
    const balance = (): BalanceDto => ({ balanceMc: toSafeNumber(org.balanceMc), availableMc: toSafeNumber(org.balanceMc - held) });

    /** Draw `cost` from grants in consumption order; what the grants cannot cover is overage. */
    function consume(cost: bigint, usage: UsageFields): MeteredUsage {
      let left = cost;
      const allocations: { grantId: string; mc: string }[] = [];
      for (const grant of grants) {
        if (left === 0n) break;
        if (grant.remaining === 0n) continue;
        const take = minBig(left, grant.remaining);
        grant.remaining -= take;
        w.grants.add(grant);
        allocations.push({ grantId: grant.id, mc: take.toString() });
        left -= take;
      }
      const id = randomUUID();
      w.usages.push({ ...usage, id, org_id: org.id, occurred_at: now, charged_mc: cost, overage_mc: left, allocations: JSON.stringify(allocations) });
      const day = now.toISOString().slice(0, 10);
      const rollupKey = JSON.stringify([day, usage.use_case, usage.model, usage.user_id, usage.project_id]);
      const rollup = w.daily.get(rollupKey);
      if (rollup) {
        rollup.charged_mc += cost;
        rollup.calls += 1;
      } else {
        w.daily.set(rollupKey, { org_id: org.id, day, use_case: usage.use_case, model: usage.model, user_id: usage.user_id, project_id: usage.project_id, charged_mc: cost, calls: 1 });
      }
      org.balanceMc -= cost;
      consumedInBatch += cost;
      ctx.dirty = true;
      w.ledger.push({ org_id: org.id, entry_type: 'consume', amount_mc: -cost, balance_after_mc: org.balanceMc, grant_id: null, usage_id: id, invoice_id: null, created_at: now });
      return {
        id,
        useCase: usage.use_case as UseCase,
        model: usage.model,
        inputTokens: usage.input_tokens,
        outputTokens: usage.output_tokens,
        chargedMc: toSafeNumber(cost),
        overageMc: toSafeNumber(left),
        occurredAt: now.toISOString(),
      };
    }

    function close(r: repo.ReservationRow, status: ReservationStatus, usageId: string | null = null) {
      if (r.status === 'open' && r.expires_at > now) {
        held -= r.estimate_mc;
        addToBudgets(r, -r.estimate_mc);
      }
      r.status = status;
      r.closed_at = now;
      r.usage_id = usageId;
      w.closed.set(r.id, r);
    }

    function reservationOrThrow(id: string) {
      const r = reservations.get(id);
      if (!r) throw new HttpError(404, 'NOT_FOUND', 'Reservation not found');
      return r;
    }

    function apply(op: LedgerOp): unknown {
      switch (op.kind) {
        case 'reserve': {
          const input = op.input;
          assertAiEnabled(org);
          const holdMc = assertCanCover(org, held, input.estimateMc, budgetOf('project', input.projectId), budgetOf('user', input.userId), input.minEstimateMc);
          const row: repo.ReservationRow = {
            org_id: org.id,
            id: randomUUID(),
            status: 'open',
            user_id: input.userId,
            project_id: input.projectId,
            api_key_id: input.apiKeyId,
            source: input.source,
            use_case: input.useCase,
            model: input.model,
            estimate_mc: holdMc,
            usage_id: null,
            created_at: now,
            expires_at: new Date(now.getTime() + deps.reservationTtlSeconds * 1000),
            closed_at: null,
          };
          w.newReservations.push(row);
          reservations.set(row.id, row);
          held += row.estimate_mc;
          addToBudgets(row, row.estimate_mc);
          return { reservation: toReservationDto(row), balance: balance() } satisfies ReserveResult;
        }
        case 'settle': {
          const input = op.input;
          const r = reservationOrThrow(input.reservationId);
          // Past its expiry a reservation holds nothing any more (ADR 001); the sweep marks it.
          if (r.status === 'open' && r.expires_at <= now) throw new HttpError(409, 'RESERVATION_EXPIRED', 'The reservation expired and its credits were given back');
          if (r.status !== 'open') throw new HttpError(409, 'RESERVATION_NOT_OPEN', `The reservation is already ${r.status}`);
          const model = modelOrThrow(r.model);
          const cost = costMc(model, input.inputTokens, input.outputTokens);
          if (cost > r.estimate_mc) throw new HttpError(409, 'SETTLE_EXCEEDS_RESERVATION', 'The usage costs more than was reserved; reserve a larger estimate');
          const usage = consume(cost, usageRow(r, model, input, { reservation_id: r.id, idempotency_key: input.usageKey ?? input.idempotencyKey ?? null }));
          close(r, 'settled', usage.id);
          addToBudgets(r, cost);
          return { usage, balance: balance() } satisfies SettleResult;
        }
        case 'release': {
          const r = reservationOrThrow(op.input.reservationId);
          if (r.status === 'settled') throw new HttpError(409, 'RESERVATION_NOT_OPEN', 'The reservation is already settled');
          if (r.status === 'open') close(r, 'released');
          return { reservation: toReservationDto(r), balance: balance() } satisfies ReleaseResult;
        }
        case 'sweep':
          return null;
        case 'record': {
          const input = op.input;
          const model = modelOrThrow(input.model);
          assertAiEnabled(org);
          const cost = costMc(model, input.inputTokens, input.outputTokens);
          assertCanCover(org, held, cost, budgetOf('project', input.projectId), budgetOf('user', input.userId));
          addToBudgets({ project_id: input.projectId, user_id: input.userId }, cost);
          const who = { user_id: input.userId, project_id: input.projectId, api_key_id: input.apiKeyId, source: input.source, use_case: input.useCase };
          const usage = consume(cost, usageRow(who, model, input, { reservation_id: null, idempotency_key: input.idempotencyKey ?? null }));
          return { usage, balance: balance() } satisfies SettleResult;
        }
      }
    }

    const outcomes: Outcome[] = ops.map((op) => {
      try {
        const key = op.input.idempotencyKey;
        if (!key) return { ok: true, value: apply(op), replay: false };
        // Same key, same request: the first result, no second effect. Same key, other request: 422.
        const { operation, request } = describe(op);
        const hash = requestHash({ operation, request });
        const prior = idempotency.get(key);
        if (prior) {
          if (prior.operation !== operation || prior.request_hash !== hash) {
            throw new HttpError(422, 'IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used for a different request');
          }
          return { ok: true, value: structuredClone(prior.response), replay: true };
        }
        const value = apply(op);
        idempotency.set(key, { key, operation, request_hash: hash, response: value });
        w.idempotency.push({ org_id: org.id, key, operation, request_hash: hash, status_code: 200, response: value, created_at: now });
        return { ok: true, value, replay: false };
      } catch (error) {
        // Checks run before any state changes, so a refused operation leaves nothing behind.
        return { ok: false, error };
      }
    });

    // Alerts: thresholds this batch crossed, written with the usage (ADR "budgets and alerts").
    const crossings: Crossing[] = [];
    const monthMc = read.month.grantedMc;
    const usedBefore = read.month.grantedMc - read.month.remainingMc + debtAtStart;
    for (const threshold of crossedThresholds(read.alertSettings?.credit ?? DEFAULT_CREDIT_ALERT_PERCENTS, monthMc, usedBefore, usedBefore + consumedInBatch)) {
      crossings.push({ subject: 'credits', threshold, usedMc: usedBefore + consumedInBatch, totalMc: monthMc });
    }
    for (const [subject, b] of budgets) {
      // A refusal by this budget means it is reached: its thresholds up to 100 % fire.
      const after = b.refused ? maxBig(b.usedMc, b.limitMc) : b.usedMc;
      for (const threshold of crossedThresholds(read.alertSettings?.budget ?? DEFAULT_BUDGET_ALERT_PERCENTS, b.limitMc, b.startMc, after)) {
        crossings.push({ subject, threshold, usedMc: b.usedMc, totalMc: b.limitMc, refused: b.refused });
      }
    }
    // Before the writes: those go out with `commit` in one message when nothing else is to be written.
    if (crossings.length) await fireAlerts(trx, org.id, org.periodStart, org.periodEnd, now, crossings);
    if (consumedInBatch > 0n && deps.onBalanceChange) await deps.onBalanceChange(trx, [{ orgId: org.id, beforeMc: org.balanceMc + consumedInBatch, afterMc: org.balanceMc }]);

    // The org row: written here with everything else, unless a rollover already made lockedIn write it.
    const writeOrg = !orgDirtyBefore && ctx.dirty;
    const writes: repo.BatchWrites = {
      orgId: org.id,
      // Every batch closes the org's reservations past their expiry (ADR 020): no reservation stays open past it.
      expireStale: true,
      newReservations: w.newReservations,
      closedReservations: [...w.closed.values()].filter((r) => !w.newReservations.includes(r)),
      usages: w.usages,
      grants: [...w.grants].map((g) => ({ id: g.id, remaining_mc: g.remaining })),
      daily: [...w.daily.values()],
      ledger: w.ledger,
      idempotency: w.idempotency,
      balanceMc: writeOrg ? org.balanceMc : null,
    };
    if (options.writes) options.writes.push(writes);
    else await repo.writeBatch(trx, now, [writes], { commit: false });
    if (writeOrg) ctx.dirty = false;
    return outcomes;
  }

  /** What a batch of one org's operations reads (periodStart: null while the org row is not read yet). */
  function scopeFor(orgId: string, ops: LedgerOp[], periodStart: Date | null = null): repo.BatchScope {
    const metered = ops.flatMap((o) => (o.kind === 'reserve' || o.kind === 'record' ? [o.input] : []));
    return {
      orgId,
      keys: [...new Set(ops.flatMap((o) => (o.input.idempotencyKey ? [o.input.idempotencyKey] : [])))],
      reservationIds: [...new Set(ops.flatMap((o) => ((o.kind === 'settle' || o.kind === 'release') && UUID.test(o.input.reservationId) ? [o.input.reservationId] : [])))],
      periodStart,
      projectIds: [...new Set(metered.flatMap((i) => (i.projectId ? [i.projectId] : [])))],
      userIds: [...new Set(metered.flatMap((i) => (i.userId ? [i.userId] : [])))],
    };
  }

  async function readFor(trx: Transaction<Database>, orgId: string, now: Date, ops: LedgerOp[], periodStart: Date) {
    const read = (await repo.readBatchStates(trx, now, [scopeFor(orgId, ops, periodStart)])).get(orgId);
    if (!read) throw notFound('Organization');
    return read;
  }

  /** One operation inside the caller's transaction (no batching): its error rolls the caller back. */
  async function applyOne<T>(trx: Transaction<Database>, orgId: string, op: LedgerOp): Promise<T> {
    const [outcome] = await lockedIn(trx, orgId, (ctx) => applyOps(ctx, [op]));
    if (!outcome!.ok) throw outcome!.error;
    return outcome!.value as T;
  }

  const testing: { beforeCommit?: (trx: Transaction<Database>, batchSize: number) => Promise<void>; waiting(orgId: string): number } = {
    waiting: (orgId) => batcher.waiting(orgId),
  };

  const shuttingDown = () => new HttpError(503, 'SHUTTING_DOWN', 'This instance is shutting down; nothing of this call was recorded. Please retry', 1);

  const batcher = createGroupCommit<LedgerOp>({
    maxBatch: 500,
    maxBatches: deps.maxBatches ?? 2,
    maxWaiters: deps.maxLockWaiters ?? 4,
    retryUntaken: isStaleConnection,
    isolate: isStatementRefused,
    stoppedError: shuttingDown,
    /**
     * Four round trips a batch, whatever its size and however many orgs it holds: `begin`; the
     * row locks (in id order, SKIP LOCKED or waiting: group-commit.ts); one read of every org's
     * state; the writes of every org and `commit` in one message. With an afterApply hook (or the
     * test hook) the commit is a message of its own, after them.
     *
     * Transaction hygiene (ADR 020): `begin` is a statement of its own, so the transaction is
     * known to be open before anything in it can fail, and any failure rolls it back; a
     * connection that cannot roll back (it died) is destroyed by the pool (db.ts), never reused.
     */
    run: (orgIds, mode, take) =>
      db.connection().execute(async (conn) => {
        const trx = conn as unknown as Transaction<Database>;
        await sql`begin`.execute(conn);
        let open = true;
        try {
          const lockStart = performance.now();
          const locked = await repo.lockOrgs(conn, orgIds, mode);
          // Taken only now that this transaction holds the locks: everything queued for these orgs so far.
          const items = take(locked);
          deps.metrics?.recordLedgerBatch(items.length, performance.now() - lockStart);
          if (!items.length) return [];
          const byOrg = Map.groupBy(items.map((item, index) => ({ item, index })), ({ item }) => item.key);
          const now = clock.now();
          const reads = await repo.readBatchStates(
            trx,
            now,
            [...byOrg].map(([orgId, entries]) => scopeFor(orgId, entries.map(({ item }) => item.op))),
          );
          const outcomes: Outcome[] = new Array(items.length);
          const writes: repo.BatchWrites[] = [];
          for (const [orgId, entries] of byOrg) {
            const preRead = reads.get(orgId);
            if (!preRead?.org) {
              for (const { index } of entries) outcomes[index] = { ok: false, error: notFound('Organization') };
              continue;
            }
            const orgOutcomes = await lockedIn(trx, orgId, (ctx) => applyOps(ctx, entries.map(({ item }) => item.op), { preRead, writes }), { row: preRead.org, now });
            entries.forEach(({ index }, k) => (outcomes[index] = orgOutcomes[k]!));
          }
          const separateCommit = items.some((i) => i.afterApply) || testing.beforeCommit !== undefined;
          if (!separateCommit && batcher.stopped) throw shuttingDown();
          await repo.writeBatch(trx, now, writes, { commit: !separateCommit });
          if (!separateCommit) {
            open = false;
            return outcomes;
          }
          for (const [i, item] of items.entries()) {
            const outcome = outcomes[i]!;
            if (!item.afterApply || !outcome.ok || outcome.replay) continue;
            try {
              await item.afterApply(trx, outcome.value);
            } catch (error) {
              throw new AfterApplyFailed(i, error);
            }
          }
          await testing.beforeCommit?.(trx, items.length);
          // Past the shutdown deadline the callers' connections are cut: nothing may commit unseen.
          if (batcher.stopped) throw shuttingDown();
          await sql`commit`.execute(conn);
          open = false;
          return outcomes;
        } finally {
          // Whatever failed (the lock statement included), the transaction ends here; a dead
          // connection cannot roll back, and the pool destroys it (PostgreSQL already has).
          if (open) await sql`rollback`.execute(conn).catch(() => undefined);
        }
      }),
  });

  /** Queue one operation for its org's next batch (an id that is no UUID is no org). */
  function submit<T>(op: LedgerOp, afterApply?: AfterApply<T>): Promise<T> {
    if (!UUID.test(op.input.orgId)) return Promise.reject(notFound('Organization'));
    return batcher.submit<T>(op.input.orgId.toLowerCase(), op, afterApply);
  }

  return {
    withOrgLock,
    lockedIn,

    /** Called in the sign-up transaction, after the org row exists: the first 300 credits. */
    openAccount(trx: Transaction<Database>, orgId: string) {
      return lockedIn(trx, orgId, (ctx) => grantAllowance(ctx));
    },

    /**
     * Reads call this: the first read of a new period settles the rollover (cheap when nothing is
     * due). Returns the org row as of the current period.
     */
    async ensureCurrentPeriod(orgId: string): Promise<OrgState> {
      const org = await repo.findOrg(db, orgId);
      if (!org) throw new HttpError(404, 'NOT_FOUND', 'Organization not found');
      if (clock.now() < org.period_end) return toOrgState(org);
      await withOrgLock(orgId, async () => undefined);
      const rolled = await repo.findOrg(db, orgId);
      if (!rolled) throw new HttpError(404, 'NOT_FOUND', 'Organization not found');
      return toOrgState(rolled);
    },

    /**
     * Grant purchased (or adjustment) credits inside the caller's transaction, exactly once per
     * purchase id (unique index). Purchased credits first cover overage already used this month,
     * and expire with the billing month. Returns granted=false when this purchase was granted before.
     */
    grantInTransaction(
      trx: Transaction<Database>,
      orgId: string,
      grant: { source: 'purchase' | 'adjustment'; amountMc: bigint; purchaseId?: string | null; note?: string | null },
    ): Promise<{ granted: boolean; grantId: string | null; balanceMc: number }> {
      if (grant.amountMc <= 0n) throw new HttpError(400, 'VALIDATION_FAILED', 'A grant must be positive');
      return lockedIn(trx, orgId, async (ctx) => {
        const debt = ctx.org.balanceMc < 0n ? -ctx.org.balanceMc : 0n;
        const inserted = await repo.insertGrant(trx, {
          org_id: orgId,
          source: grant.source,
          amount_mc: grant.amountMc,
          remaining_mc: grant.amountMc - minBig(grant.amountMc, debt),
          starts_at: ctx.now,
          expires_at: ctx.org.periodEnd,
          period_start: ctx.org.periodStart,
          purchase_id: grant.purchaseId ?? null,
          note: grant.note ?? null,
          created_at: ctx.now,
        });
        if (!inserted) return { granted: false, grantId: null, balanceMc: toSafeNumber(ctx.org.balanceMc) };
        await ctx.append('grant', grant.amountMc, ctx.now, { grantId: inserted.id });
        return { granted: true, grantId: inserted.id, balanceMc: toSafeNumber(ctx.org.balanceMc) };
      });
    },

    /** Phase 1 of an AI call: hold an estimate, refused up front when AI is off or it cannot be covered. */
    reserve(input: ReserveInput) {
      if (input.estimateMc <= 0n) throw new HttpError(400, 'VALIDATION_FAILED', 'estimate must be positive');
      modelOrThrow(input.model);
      return submit<ReserveResult>({ kind: 'reserve', input });
    },

    /**
     * Phase 2: charge the real token counts at the model's rate (never more than was reserved).
     * `afterApply` runs in the same transaction as the charge (e.g. to store what was paid for):
     * if it throws, this settle fails and charges nothing, the rest of its batch is unaffected.
     */
    settle(input: SettleInput, options: { afterApply?: AfterApply<SettleResult> } = {}) {
      return submit<SettleResult>({ kind: 'settle', input }, options.afterApply);
    },

    /**
     * Phase 2 plus whatever the charge paid for, committed together: `andThen` runs in the
     * settle's batch transaction, after the charge (an AI answer's content, the click's
     * idempotency record). If it throws, this settle is undone with it and the caller gets the
     * error: nobody is charged for an answer that was not saved (the rest of the batch commits).
     */
    async settleAnd<R>(input: SettleInput, andThen: (trx: Transaction<Database>, settled: SettleResult) => Promise<R>): Promise<R> {
      let out: { value: R } | undefined;
      await submit<SettleResult>({ kind: 'settle', input }, async (trx, settled) => {
        out = { value: await andThen(trx, settled) };
      });
      // afterApply is skipped only for a replayed idempotency key, which settleAnd's callers never send.
      if (!out) throw new Error('settleAnd: the settle was a replay, so nothing ran after it');
      return out.value;
    },

    /** Settle inside the caller's transaction (not batched): the caller commits or rolls back both. */
    settleInTransaction(trx: Transaction<Database>, input: SettleInput) {
      return applyOne<SettleResult>(trx, input.orgId, { kind: 'settle', input });
    },

    /** Give a reservation back (model failed or timed out): nothing is charged. */
    release(input: ReleaseInput) {
      return submit<ReleaseResult>({ kind: 'release', input });
    },

    /** One-shot metering of a finished call (no reservation): refused when it cannot be covered. */
    record(input: RecordInput) {
      modelOrThrow(input.model);
      return submit<SettleResult>({ kind: 'record', input });
    },

    /** Test seam: how many operations of an org wait for the next batch, and a hook before each batch commits. */
    batching: testing,

    /** Owner switch. Off: every open reservation is released; every AI call is refused. */
    setAiEnabled(orgId: string, actorUserId: string, enabled: boolean) {
      return withOrgLock(orgId, async (ctx) => {
        const from = ctx.org.aiEnabled;
        if (!enabled) await repo.releaseOpenReservations(ctx.trx, orgId, ctx.now);
        if (from !== enabled) {
          ctx.org.aiEnabled = enabled;
          ctx.dirty = true;
          await recordAudit(ctx.trx, { orgId, actorUserId, action: 'ai.toggled', from: { enabled: from }, to: { enabled }, at: ctx.now });
        }
      });
    },

    setOverageLimit(orgId: string, actorUserId: string, limitMc: bigint) {
      return withOrgLock(orgId, async (ctx) => {
        const from = ctx.org.overageLimitMc;
        if (from !== limitMc) {
          ctx.org.overageLimitMc = limitMc;
          ctx.dirty = true;
          await recordAudit(ctx.trx, {
            orgId: orgId,
            actorUserId: actorUserId,
            action: 'overage_limit.changed',
            from: { limitCredits: toSafeNumber(from / 1000n) },
            to: { limitCredits: toSafeNumber(limitMc / 1000n) },
            at: ctx.now,
          });
        }
      });
    },

    /** Credits held by the org's open reservations at `at` (reserved, not yet settled or released). */
    heldMc(orgId: string, at: Date): Promise<bigint> {
      return repo.heldByOpenReservations(db, orgId, at);
    },

    /**
     * Background sweep (every instance, ADR 020): for every org whose period ended or that has an
     * open reservation past its expiry, settle the rollover and mark those reservations expired,
     * through the org's batches (so under its lock, never waiting on an org held elsewhere for
     * longer than lock_timeout, and exactly once however many instances sweep). Returns how many
     * orgs it visited.
     */
    async sweep(limit = 100) {
      const due = await repo.orgsWithHousekeepingDue(db, clock.now(), limit);
      const results = await Promise.allSettled(due.map((orgId) => submit<null>({ kind: 'sweep', input: { orgId } })));
      const failed = results.find((r) => r.status === 'rejected');
      if (failed && due.length === results.filter((r) => r.status === 'rejected').length) throw failed.reason;
      return due.length;
    },

    /** Shutdown deadline: nothing queued or uncommitted commits from now on (group-commit.ts stop). */
    stop() {
      batcher.stop();
    },
  };
}

export type LedgerService = ReturnType<typeof createLedgerService>;

/** The catalog model a usage is priced at; a model the catalog does not have is refused (its usage could not be charged). */
export function modelOrThrow(id: string) {
  const model = findModel(id);
  if (!model) throw new HttpError(400, 'UNKNOWN_MODEL', `Unknown model "${id}"; see the model catalog`);
  return model;
}
