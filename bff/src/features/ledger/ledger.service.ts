import { createHash } from 'node:crypto';
import type { Transaction } from 'kysely';
import { findModel, MONTHLY_ALLOWANCE_MC, costMc, overageInvoiceFor, type UseCase } from '@ai-credits/shared/catalog';
import type { Reservation } from '@ai-credits/shared/contracts/credits';
import type { Database } from '../../db/database';
import type { Db } from '../../db/db';
import { HttpError } from '../../http/http-error';
import { maxBig, minBig, toSafeNumber } from '../../lib/bigint';
import type { Clock } from '../../lib/clock';
import { billingPeriodAt } from './billing-period';
import * as repo from './ledger.repository';

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
}

export interface BalanceDto {
  balanceMc: number;
  availableMc: number;
}

export interface UsageDto {
  id: string;
  useCase: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  chargedMc: number;
  overageMc: number;
  occurredAt: string;
}

export interface MeteringContext {
  orgId: string;
  userId: string | null;
  projectId: string | null;
  apiKeyId: string | null;
  source: 'app' | 'api';
}

interface OrgState {
  id: string;
  createdAt: Date;
  periodStart: Date;
  periodEnd: Date;
  balanceMc: bigint;
  aiEnabled: boolean;
  overageLimitMc: bigint;
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

export interface Settled {
  usage: UsageDto;
  balance: BalanceDto;
}

const requestHash = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex');

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
    if (inserted) await ctx.append('grant', BigInt(MONTHLY_ALLOWANCE_MC), org.periodStart, { grantId: inserted.id });
  }

  /** PRODUCT.md "No rollover": at a new billing month every grant expires, overage is invoiced, 300 credits are granted. */
  async function rollOver(ctx: LockedOrg) {
    const { org, trx, now } = ctx;
    if (now < org.periodEnd) return;
    const closedAt = org.periodEnd;
    for (const grant of await repo.grantsToExpire(trx, org.id, now)) {
      await repo.setGrantRemaining(trx, org.id, grant.id, 0n);
      await ctx.append('expire', -grant.remaining_mc, closedAt, { grantId: grant.id });
    }
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
    }
    const period = billingPeriodAt(org.createdAt, now);
    org.periodStart = period.start;
    org.periodEnd = period.end;
    ctx.dirty = true;
    await grantAllowance(ctx);
  }

  async function lockedIn<T>(trx: Transaction<Database>, orgId: string, fn: (ctx: LockedOrg) => Promise<T>): Promise<T> {
    const row = await repo.lockOrg(trx, orgId);
    const ctx = new LockedOrg(
      trx,
      {
        id: row.id,
        createdAt: row.created_at,
        periodStart: row.period_start,
        periodEnd: row.period_end,
        balanceMc: BigInt(row.balance_mc),
        aiEnabled: row.ai_enabled,
        overageLimitMc: BigInt(row.overage_limit_mc),
      },
      clock.now(),
    );
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

  /** Same key, same request: the first result, no second effect. Same key, other request: 422. */
  async function idempotent<T>(ctx: LockedOrg, key: string | undefined, operation: string, request: unknown, run: () => Promise<T>): Promise<T> {
    if (!key) return run();
    const hash = requestHash({ operation, request });
    const existing = await repo.findIdempotencyRecord(ctx.trx, ctx.org.id, key);
    if (existing) {
      if (existing.operation !== operation || existing.request_hash !== hash) {
        throw new HttpError(422, 'IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used for a different request');
      }
      return existing.response as T;
    }
    const result = await run();
    await repo.saveIdempotencyRecord(ctx.trx, {
      org_id: ctx.org.id,
      key,
      operation,
      request_hash: hash,
      status_code: 200,
      response: JSON.stringify(result),
      created_at: ctx.now,
    });
    return result;
  }

  function assertAiEnabled(ctx: LockedOrg) {
    if (!ctx.org.aiEnabled) throw new HttpError(403, 'AI_DISABLED', 'AI features are turned off for this organization by its owner');
  }

  /** Refuse before any model is called when the org cannot cover `costMc` (PRODUCT.md "Consumption"). */
  async function assertCanCover(ctx: LockedOrg, cost: bigint) {
    const available = ctx.org.balanceMc - (await ctx.held());
    if (cost <= available + ctx.org.overageLimitMc) return;
    const credits = (mc: bigint) => (Number(mc) / 1000).toLocaleString('en-US', { maximumFractionDigits: 3 });
    if (ctx.org.overageLimitMc === 0n) {
      throw new HttpError(
        402,
        'INSUFFICIENT_CREDITS',
        `This needs up to ${credits(cost)} credits and the organization has ${credits(maxBig(available, 0n))} available. The owner can buy credits or allow overage.`,
      );
    }
    throw new HttpError(
      402,
      'OVERAGE_LIMIT_REACHED',
      `This needs up to ${credits(cost)} credits, which would pass the monthly overage limit of ${credits(ctx.org.overageLimitMc)} credits. The owner can raise the limit or buy credits.`,
    );
  }

  /** Draw `cost` from grants in consumption order; what the grants cannot cover is overage. */
  async function consume(ctx: LockedOrg, cost: bigint, usage: Omit<Parameters<typeof repo.insertUsage>[1], 'org_id' | 'charged_mc' | 'overage_mc' | 'allocations' | 'occurred_at'>) {
    let left = cost;
    const allocations: { grantId: string; mc: string }[] = [];
    for (const grant of await repo.spendableGrants(ctx.trx, ctx.org.id, ctx.now)) {
      if (left === 0n) break;
      const take = minBig(left, grant.remaining_mc);
      await repo.setGrantRemaining(ctx.trx, ctx.org.id, grant.id, grant.remaining_mc - take);
      allocations.push({ grantId: grant.id, mc: take.toString() });
      left -= take;
    }
    const inserted = await repo.insertUsage(ctx.trx, {
      ...usage,
      org_id: ctx.org.id,
      occurred_at: ctx.now,
      charged_mc: cost,
      overage_mc: left,
      allocations: JSON.stringify(allocations),
    });
    await repo.addToDailyRollup(ctx.trx, {
      org_id: ctx.org.id,
      day: ctx.now.toISOString().slice(0, 10),
      use_case: usage.use_case,
      model: usage.model,
      user_id: usage.user_id,
      project_id: usage.project_id,
      charged_mc: cost,
    });
    await ctx.append('consume', -cost, ctx.now, { usageId: inserted.id });
    const dto: UsageDto = {
      id: inserted.id,
      useCase: usage.use_case,
      model: usage.model,
      inputTokens: usage.input_tokens,
      outputTokens: usage.output_tokens,
      chargedMc: toSafeNumber(cost),
      overageMc: toSafeNumber(left),
      occurredAt: ctx.now.toISOString(),
    };
    return dto;
  }

  function modelOrThrow(id: string) {
    const model = findModel(id);
    if (!model) throw new HttpError(400, 'UNKNOWN_MODEL', `Unknown model "${id}"`);
    return model;
  }

  function settleLocked(ctx: LockedOrg, input: SettleInput): Promise<Settled> {
    const request = { ...input, idempotencyKey: undefined, usageKey: undefined };
    return idempotent(ctx, input.idempotencyKey, 'settle', request, async () => {
      const r = await repo.findReservation(ctx.trx, ctx.org.id, input.reservationId);
      if (!r) throw new HttpError(404, 'NOT_FOUND', 'Reservation not found');
      if (r.status === 'open' && r.expires_at <= ctx.now) {
        await repo.closeReservation(ctx.trx, ctx.org.id, r.id, 'expired', ctx.now);
        throw new HttpError(409, 'RESERVATION_EXPIRED', 'The reservation expired and its credits were given back');
      }
      if (r.status !== 'open') throw new HttpError(409, 'RESERVATION_NOT_OPEN', `The reservation is already ${r.status}`);
      const model = modelOrThrow(r.model);
      const cost = costMc(model, input.inputTokens, input.outputTokens);
      if (cost > r.estimate_mc) {
        throw new HttpError(409, 'SETTLE_EXCEEDS_RESERVATION', 'The usage costs more than was reserved; reserve a larger estimate');
      }
      const usage = await consume(ctx, cost, {
        user_id: r.user_id,
        project_id: r.project_id,
        api_key_id: r.api_key_id,
        source: r.source,
        use_case: r.use_case,
        model: model.id,
        rate_version: model.rateVersion,
        input_mc_per_1k: model.inputMcPer1k,
        output_mc_per_1k: model.outputMcPer1k,
        input_tokens: input.inputTokens,
        output_tokens: input.outputTokens,
        reservation_id: r.id,
        idempotency_key: input.usageKey ?? input.idempotencyKey ?? null,
      });
      await repo.closeReservation(ctx.trx, ctx.org.id, r.id, 'settled', ctx.now, usage.id);
      return { usage, balance: await ctx.balance() };
    });
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
    async ensureCurrentPeriod(orgId: string) {
      const org = await repo.findOrg(db, orgId);
      if (!org) throw new HttpError(404, 'NOT_FOUND', 'Organization not found');
      if (clock.now() < org.period_end) return org;
      await withOrgLock(orgId, async () => undefined);
      const rolled = await repo.findOrg(db, orgId);
      if (!rolled) throw new HttpError(404, 'NOT_FOUND', 'Organization not found');
      return rolled;
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
    reserve(input: MeteringContext & { useCase: UseCase; model: string; estimateMc: bigint; idempotencyKey?: string }) {
      if (input.estimateMc <= 0n) throw new HttpError(400, 'VALIDATION_FAILED', 'estimate must be positive');
      modelOrThrow(input.model);
      const request = { ...input, estimateMc: input.estimateMc.toString(), idempotencyKey: undefined };
      return withOrgLock(input.orgId, (ctx) =>
        idempotent(ctx, input.idempotencyKey, 'reserve', request, async () => {
          assertAiEnabled(ctx);
          await repo.expireStaleReservations(ctx.trx, ctx.org.id, ctx.now);
          await assertCanCover(ctx, input.estimateMc);
          const row = await repo.insertReservation(ctx.trx, {
            org_id: ctx.org.id,
            user_id: input.userId,
            project_id: input.projectId,
            api_key_id: input.apiKeyId,
            source: input.source,
            use_case: input.useCase,
            model: input.model,
            estimate_mc: input.estimateMc,
            created_at: ctx.now,
            expires_at: new Date(ctx.now.getTime() + deps.reservationTtlSeconds * 1000),
          });
          return { reservation: toReservationDto(row), balance: await ctx.balance() };
        }),
      );
    },

    /** Phase 2: charge the real token counts at the model's rate (never more than was reserved). */
    settle(input: SettleInput) {
      return withOrgLock(input.orgId, (ctx) => settleLocked(ctx, input));
    },

    /**
     * Phase 2 plus whatever the charge paid for, in one transaction: `andThen` runs in the
     * settle's locked transaction, after the charge, with it (an AI answer's content, the
     * click's idempotency record). If it throws, the charge is rolled back with it: nobody is
     * charged for an answer that was not saved. Takes the transaction, not the db, so the same
     * callback can run inside a batch of ledger operations later.
     */
    settleAnd<R>(input: SettleInput, andThen: (trx: Transaction<Database>, settled: Settled) => Promise<R>): Promise<R> {
      return withOrgLock(input.orgId, async (ctx) => andThen(ctx.trx, await settleLocked(ctx, input)));
    },

    /** Give a reservation back (model failed or timed out): nothing is charged. */
    release(input: { orgId: string; reservationId: string; idempotencyKey?: string }) {
      const request = { ...input, idempotencyKey: undefined };
      return withOrgLock(input.orgId, (ctx) =>
        idempotent(ctx, input.idempotencyKey, 'release', request, async () => {
          const r = await repo.findReservation(ctx.trx, ctx.org.id, input.reservationId);
          if (!r) throw new HttpError(404, 'NOT_FOUND', 'Reservation not found');
          if (r.status === 'settled') throw new HttpError(409, 'RESERVATION_NOT_OPEN', 'The reservation is already settled');
          if (r.status === 'open') await repo.closeReservation(ctx.trx, ctx.org.id, r.id, 'released', ctx.now);
          const status = r.status === 'open' ? 'released' : r.status;
          return { reservation: toReservationDto({ ...r, status }), balance: await ctx.balance() };
        }),
      );
    },

    /** One-shot metering of a finished call (no reservation): refused when it cannot be covered. */
    record(input: MeteringContext & { useCase: UseCase; model: string; inputTokens: number; outputTokens: number; idempotencyKey?: string }) {
      const model = modelOrThrow(input.model);
      const request = { ...input, idempotencyKey: undefined };
      return withOrgLock(input.orgId, (ctx) =>
        idempotent(ctx, input.idempotencyKey, 'record', request, async () => {
          assertAiEnabled(ctx);
          const cost = costMc(model, input.inputTokens, input.outputTokens);
          await assertCanCover(ctx, cost);
          const usage = await consume(ctx, cost, {
            user_id: input.userId,
            project_id: input.projectId,
            api_key_id: input.apiKeyId,
            source: input.source,
            use_case: input.useCase,
            model: model.id,
            rate_version: model.rateVersion,
            input_mc_per_1k: model.inputMcPer1k,
            output_mc_per_1k: model.outputMcPer1k,
            input_tokens: input.inputTokens,
            output_tokens: input.outputTokens,
            reservation_id: null,
            idempotency_key: input.idempotencyKey ?? null,
          });
          return { usage, balance: await ctx.balance() };
        }),
      );
    },

    /** Owner switch. Off: every open reservation is released; every AI call is refused. */
    setAiEnabled(orgId: string, actorUserId: string, enabled: boolean) {
      return withOrgLock(orgId, async (ctx) => {
        const from = ctx.org.aiEnabled;
        if (!enabled) await repo.releaseOpenReservations(ctx.trx, orgId, ctx.now);
        if (from !== enabled) {
          ctx.org.aiEnabled = enabled;
          ctx.dirty = true;
          await repo.insertAudit(ctx.trx, { org_id: orgId, actor_user_id: actorUserId, action: 'ai.toggled', from_value: { enabled: from }, to_value: { enabled }, created_at: ctx.now });
        }
      });
    },

    setOverageLimit(orgId: string, actorUserId: string, limitMc: bigint) {
      return withOrgLock(orgId, async (ctx) => {
        const from = ctx.org.overageLimitMc;
        if (from !== limitMc) {
          ctx.org.overageLimitMc = limitMc;
          ctx.dirty = true;
          await repo.insertAudit(ctx.trx, {
            org_id: orgId,
            actor_user_id: actorUserId,
            action: 'overage_limit.changed',
            from_value: { limitCredits: toSafeNumber(from / 1000n) },
            to_value: { limitCredits: toSafeNumber(limitMc / 1000n) },
            created_at: ctx.now,
          });
        }
      });
    },

    /** Background sweep: settle due rollovers early and mark abandoned reservations expired. */
    async sweep(limit = 100) {
      const due = await repo.orgsPastPeriodEnd(db, clock.now(), limit);
      for (const { id } of due) await withOrgLock(id, async (ctx) => repo.expireStaleReservations(ctx.trx, id, ctx.now));
      return due.length;
    },
  };
}

export type LedgerService = ReturnType<typeof createLedgerService>;
