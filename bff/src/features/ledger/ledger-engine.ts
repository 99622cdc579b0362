import { randomUUID } from 'node:crypto';
import { costMc, findModel, type UseCase } from '@ai-credits/shared/catalog';
import type { Reservation } from '@ai-credits/shared/contracts/credits';
import type { MeteredUsage } from '@ai-credits/shared/contracts/metering';
import { crossedThresholds, DEFAULT_BUDGET_ALERT_PERCENTS, DEFAULT_CREDIT_ALERT_PERCENTS } from '@ai-credits/shared/budgets';
import { AI_STOPPED_BELOW_MC } from '@ai-credits/shared/credits-advice';
import { AI_DISABLED_REFUSAL, decideCoverage, unknownModelMessage } from '@ai-credits/shared/ledger-rules';
import { HttpError } from '../../http/http-error';
import { maxBig, minBig, toSafeNumber } from '../../lib/bigint';
import { requestHash } from '../../lib/request-hash';
import type { Crossing } from '../alerts/alerts.service';
import type { Outcome } from './group-commit';
import type * as repo from './ledger.repository';
import type { ReservationStatus } from './ledger.tables';

/**
 * The credit engine's rules, with no I/O (issue 23): given one org's state as its batch read it
 * under the org lock, apply the batch's operations in arrival order and say what each caller
 * gets and what must be written. Every limit a debit meets is checked here (assertCanCover),
 * operation by operation against the running state, so a batch never overdraws: AI switched
 * off, the balance and the overage limit, the project and member budgets (the rule and its
 * words are shared: shared/ledger-rules.ts decideCoverage, shared/budgets.ts checkCoverage).
 * An operation that fails (402, 403, 404, 409, 422) has no effect and stores no idempotency
 * record. ledger.service.ts runs it inside the batch transaction and writes what it returns.
 */

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

/** The owner's settings on the org row: the AI switch and the overage limit. */
export interface OrgSettings {
  aiEnabled: boolean;
  overageLimitMc: bigint;
}
/** Change the owner's settings (absent: unchanged). AI off releases every open reservation. */
export type ConfigureInput = { orgId: string; aiEnabled?: boolean; overageLimitMc?: bigint; idempotencyKey?: undefined };
/** The settings before and after, for the audit log of the feature that asked. */
export interface ConfigureResult {
  from: OrgSettings;
  to: OrgSettings;
  /** The batch's time: when the change took effect. */
  at: Date;
}

export type LedgerOp =
  | { kind: 'reserve'; input: ReserveInput }
  | { kind: 'settle'; input: SettleInput }
  | { kind: 'release'; input: ReleaseInput }
  | { kind: 'record'; input: RecordInput }
  /** The owner's settings, under the same lock and in the same order as every other operation of the org. */
  | { kind: 'configure'; input: ConfigureInput }
  /** Housekeeping: the rollover and the expiry of stale reservations (which every batch of the org does). */
  | { kind: 'sweep'; input: { orgId: string; idempotencyKey?: undefined } };


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
  /** ... and less than a credit of it is left: AI is stopped by it. */
  stopped: boolean;
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


function assertAiEnabled(org: OrgState) {
  if (!org.aiEnabled) throw new HttpError(AI_DISABLED_REFUSAL.status, AI_DISABLED_REFUSAL.code, AI_DISABLED_REFUSAL.message);
}

/**
 * Refuse before any model is called when `cost` does not fit under every limit that applies
 * (docs/product.md "Consumption"; budgets, ADR "budgets and alerts"): the lowest limit wins and the
 * refusal names it. The rule and its words are shared (shared/budgets.ts, ledger-rules.ts).
 */
function assertCanCover(
  org: OrgState,
  held: bigint,
  cost: bigint,
  project: BudgetState | null,
  member: BudgetState | null,
  stops: { org: Set<'balance' | 'overage_limit'>; ownerName: string | null },
  minCost?: bigint,
): bigint {
  const budget = (b: BudgetState | null) => (b ? { leftMc: b.limitMc - b.usedMc, limitMc: b.limitMc, name: b.name } : null);
  const { holdMc, refusal } = decideCoverage({
    availableMc: org.balanceMc - held,
    overageLimitMc: org.overageLimitMc,
    costMc: cost,
    minCostMc: minCost,
    projectBudget: budget(project),
    memberBudget: budget(member),
    ownerName: stops.ownerName,
  });
  const orgStops = stops.org;
  if (!refusal) return holdMc;
  // "AI stopped" only when no AI feature's minimum fits any more (less than a credit of room, as
  // the AI Credits page shows it), not when one oversized request does not fit.
  const stoppedAt = (room: bigint) => room < BigInt(AI_STOPPED_BELOW_MC);
  for (const b of refusal.stoppedBy === 'project_budget' ? [project!] : refusal.stoppedBy === 'member_budget' ? [member!] : []) {
    b.refused = true;
    if (stoppedAt(b.limitMc - b.usedMc)) b.stopped = true;
  }
  if (refusal.stoppedBy === 'balance' && stoppedAt(org.balanceMc - held)) orgStops.add('balance');
  if (refusal.stoppedBy === 'overage_limit' && stoppedAt(org.balanceMc - held + org.overageLimitMc)) orgStops.add('overage_limit');
  throw new HttpError(refusal.status, refusal.code, refusal.message);
}

/** What an operation is, for its idempotency record (the same hash as before batching). */
function describe(op: LedgerOp): { operation: string; request: unknown } {
  if (op.kind === 'reserve') return { operation: 'reserve', request: { ...op.input, estimateMc: op.input.estimateMc.toString(), minEstimateMc: op.input.minEstimateMc?.toString(), idempotencyKey: undefined } };
  if (op.kind === 'settle') return { operation: 'settle', request: { ...op.input, idempotencyKey: undefined, usageKey: undefined } };
  return { operation: op.kind, request: { ...op.input, idempotencyKey: undefined } };
}


export interface BatchInput {
  /** The org as locked; its balance is updated in place as operations consume. */
  org: OrgState;
  now: Date;
  read: repo.BatchState;
  ops: LedgerOp[];
  reservationTtlSeconds: number;
}

export interface BatchResult {
  /** Each operation's own answer, in order. */
  outcomes: Outcome[];
  writes: Omit<repo.BatchWrites, 'orgId' | 'expireStale' | 'org'>;
  /** Alert thresholds this batch crossed (credits of the month, budgets). */
  crossings: Crossing[];
  /** Credits the batch consumed (the balance went down by this much). */
  consumedMc: bigint;
  /** The org's balance or settings changed (the org row must be written). */
  changed: boolean;
}

/** One call added to a batch's rollup row: the batch sums its own calls, since one statement cannot upsert a row twice. */
function addToRollup<R extends { charged_mc: bigint; calls: number }>(rows: Map<string, R>, key: string, row: R): void {
  const summed = rows.get(key);
  if (summed) {
    summed.charged_mc += row.charged_mc;
    summed.calls += row.calls;
  } else {
    rows.set(key, row);
  }
}

export function applyBatch(input: BatchInput): BatchResult {
  const { org, now, read, ops, reservationTtlSeconds } = input;
  let changed = false;
  // Budget use (settled + open reservations this period), kept current op by op like `held`.
  const budgets = new Map<string, BudgetState>(read.budgets.map((b) => [`${b.type}:${b.id}`, { ...b, startMc: b.usedMc, refused: false, stopped: false }]));
  const budgetOf = (type: 'project' | 'user', id: string | null) => (id ? (budgets.get(`${type}:${id}`) ?? null) : null);
  /** Adds `delta` to the budgets a reservation or usage counts against (no user: the project's only). */
  const addToBudgets = (who: { project_id: string | null; user_id: string | null }, delta: bigint) => {
    for (const b of [budgetOf('project', who.project_id), budgetOf('user', who.user_id)]) if (b) b.usedMc += delta;
  };
  const debtAtStart = org.balanceMc < 0n ? -org.balanceMc : 0n;
  let consumedInBatch = 0n;
  let held = read.held;
  // Org-wide limits that refused an operation of this batch ("AI stopped" alerts).
  const orgStops = new Set<'balance' | 'overage_limit'>();
  const stops = { org: orgStops, ownerName: read.ownerName ?? null };
  const grants = read.grants;
  const reservations = new Map(read.reservations.map((r) => [r.id, r]));
  const idempotency = new Map(read.idempotency.map((r) => [r.key, r]));

  const w = {
    newReservations: [] as repo.ReservationRow[],
    closed: new Map<string, repo.ReservationRow>(),
    usages: [] as repo.UsageRow[],
    ledger: [] as repo.LedgerRow[],
    daily: new Map<string, repo.DailyRow>(),
    dailyKeys: new Map<string, repo.DailyKeyRow>(),
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
    const daily: repo.DailyRow = { org_id: org.id, day, use_case: usage.use_case, model: usage.model, user_id: usage.user_id, project_id: usage.project_id, charged_mc: cost, calls: 1 };
    addToRollup(w.daily, JSON.stringify([day, usage.use_case, usage.model, usage.user_id, usage.project_id]), daily);
    // The per-key rollup (ADR 039): only usage that carries an API key.
    if (usage.api_key_id) {
      addToRollup(w.dailyKeys, JSON.stringify([usage.api_key_id, day, usage.use_case, usage.model, usage.user_id, usage.project_id]), { ...daily, api_key_id: usage.api_key_id });
    }
    org.balanceMc -= cost;
    consumedInBatch += cost;
    changed = true;
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
        const holdMc = assertCanCover(org, held, input.estimateMc, budgetOf('project', input.projectId), budgetOf('user', input.userId), stops, input.minEstimateMc);
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
          expires_at: new Date(now.getTime() + reservationTtlSeconds * 1000),
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
      case 'configure': {
        const from: OrgSettings = { aiEnabled: org.aiEnabled, overageLimitMc: org.overageLimitMc };
        const to: OrgSettings = { aiEnabled: op.input.aiEnabled ?? from.aiEnabled, overageLimitMc: op.input.overageLimitMc ?? from.overageLimitMc };
        if (to.overageLimitMc < 0n) throw new HttpError(400, 'VALIDATION_FAILED', 'The overage limit cannot be negative');
        // Off: every open reservation is given back (the batch read all of them: scope `openReservations`).
        if (op.input.aiEnabled === false) for (const r of reservations.values()) if (r.status === 'open') close(r, 'released');
        if (to.aiEnabled !== from.aiEnabled || to.overageLimitMc !== from.overageLimitMc) {
          org.aiEnabled = to.aiEnabled;
          org.overageLimitMc = to.overageLimitMc;
          changed = true;
        }
        return { from, to, at: now } satisfies ConfigureResult;
      }
      case 'record': {
        const input = op.input;
        const model = modelOrThrow(input.model);
        assertAiEnabled(org);
        const cost = costMc(model, input.inputTokens, input.outputTokens);
        assertCanCover(org, held, cost, budgetOf('project', input.projectId), budgetOf('user', input.userId), stops);
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
    // Requests began to be refused by this budget: "AI stopped", once per period (the alert's key).
    if (b.stopped) crossings.push({ subject: `stopped:${subject}`, threshold: 100, usedMc: b.usedMc, totalMc: b.limitMc, refused: true, stopped: b.type === 'project' ? 'project_budget' : 'member_budget' });
  }
  const debtNow = org.balanceMc < 0n ? -org.balanceMc : 0n;
  if (orgStops.has('balance')) crossings.push({ subject: 'stopped:balance', threshold: 100, usedMc: usedBefore + consumedInBatch, totalMc: monthMc, stopped: 'balance' });
  if (orgStops.has('overage_limit')) crossings.push({ subject: 'stopped:overage_limit', threshold: 100, usedMc: debtNow, totalMc: org.overageLimitMc, stopped: 'overage_limit' });
  return {
    outcomes,
    writes: {
      newReservations: w.newReservations,
      closedReservations: [...w.closed.values()].filter((r) => !w.newReservations.includes(r)),
      usages: w.usages,
      grants: [...w.grants].map((g) => ({ id: g.id, remaining_mc: g.remaining })),
      daily: [...w.daily.values()],
      dailyKeys: [...w.dailyKeys.values()],
      ledger: w.ledger,
      idempotency: w.idempotency,
    },
    crossings,
    consumedMc: consumedInBatch,
    changed,
  };
}

/** The catalog model a usage is priced at; a model the catalog does not have is refused (its usage could not be charged). */
export function modelOrThrow(id: string) {
  const model = findModel(id);
  if (!model) throw new HttpError(400, 'UNKNOWN_MODEL', unknownModelMessage(id));
  return model;
}
