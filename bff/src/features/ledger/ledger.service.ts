import { performance } from 'node:perf_hooks';
import { sql, type Transaction } from 'kysely';
import type { Database } from '../../db/database';
import type { Db } from '../../db/db';
import { billingPeriodAt } from '@ai-credits/shared/billing-period';
import { HttpError, notFound } from '../../http/http-error';
import { minBig, toSafeNumber } from '../../lib/bigint';
import type { Clock } from '../../lib/clock';
import { fireAlerts } from '../alerts/alerts.service';
import { AfterApplyFailed, createGroupCommit, type AfterApply, type Outcome } from './group-commit';
import * as repo from './ledger.repository';
import { grantAllowance, LockedOrg, rollOver } from './rollover';
import { isStaleConnection, isStatementRefused } from '../../db/db-errors';
import type { ArmedAutoTopUp } from '../billing/billing.sql';
import {
  applyBatch,
  modelOrThrow,
  type ConfigureInput,
  type ConfigureResult,
  type LedgerOp,
  type OrgState,
  type ReleaseInput,
  type ReleaseResult,
  type ReserveInput,
  type ReserveResult,
  type RecordInput,
  type SettleInput,
  type SettleResult,
} from './ledger-engine';

export { modelOrThrow };
export type { ConfigureResult, SettleResult };
/**
 * The ledger's read side (ledger.reads.ts, ADR 017): the credits summary, usage history, CSV,
 * charts and statements read the ledger's tables through these, each on the executor its caller
 * picks (the read replica, or a repeatable-read snapshot for a statement).
 */
export * as ledgerReads from './ledger.reads';

/**
 * The credit engine. Every write to an org's credits runs in one transaction that holds the lock
 * of its credit account (credit_accounts, the ledger's row per org: SELECT ... FOR NO KEY UPDATE)
 * and first settles a pending period rollover; so any number of BFF instances serialise per org
 * in PostgreSQL, and nothing depends on a cron.
 *
 * Invariants (checked by tests):
 *   credit_accounts.balance_mc = sum(ledger_entries.amount_mc)
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
   * credits and before commit (billing's auto top-up decides a threshold crossing here, ADR 025);
   * a group-commit batch calls it once with every org of the batch that consumed.
   * It must only write rows (never call out): it holds the org's lock. Its error fails the batch.
   */
  onBalanceChange?: (trx: Transaction<Database>, changes: BalanceChange[]) => Promise<void>;
  /** Called after a batch that queued alert emails committed: the outbox sends them now, not at the next sweep. */
  onMailQueued?: () => void;
}

/**
 * An org's balance before and after its operations of a batch, in its current period (the
 * onBalanceChange hook), with its auto top-up settings as the batch read them (billing's fragment).
 */
export type BalanceChange = { orgId: string; periodStart: Date; beforeMc: bigint; afterMc: bigint; autoTopUp: ArmedAutoTopUp | null };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type BatchState = repo.BatchState;

const toOrgState = (row: repo.LockedOrgRow): OrgState => ({
  id: row.org_id,
  createdAt: row.created_at,
  periodStart: row.period_start,
  periodEnd: row.period_end,
  balanceMc: BigInt(row.balance_mc),
  aiEnabled: row.ai_enabled,
  overageLimitMc: BigInt(row.overage_limit_mc),
});


export function createLedgerService(deps: LedgerDeps) {
  const { db, clock } = deps;


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

  /**
   * Apply a batch of one org's operations under its row lock (ledger-engine.ts applyBatch: the
   * rules, no I/O), then the alerts it crossed and the auto top-up hook, in the same transaction.
   * The writes are added to `options.writes` when the caller sends them (in one statement with
   * those of the batch's other orgs, and its commit), else sent now.
   */
  async function applyOps(
    ctx: LockedOrg,
    ops: LedgerOp[],
    options: { preRead?: BatchState; writes?: repo.BatchWrites[]; balanceChanges?: BalanceChange[]; onAlerts?: () => void } = {},
  ): Promise<Outcome[]> {
    const { trx, org, now } = ctx;
    const orgDirtyBefore = ctx.dirty;
    // Read before the rollover ran in this transaction: stale, read again (for the new period).
    const read = options.preRead && !orgDirtyBefore ? options.preRead : await readFor(trx, org.id, now, ops, org.periodStart);
    const result = applyBatch({ org, now, read, ops, reservationTtlSeconds: deps.reservationTtlSeconds });
    if (result.changed) ctx.dirty = true;
    // Before the writes: those go out with `commit` in one message when nothing else is to be written.
    if (result.crossings.length) {
      await fireAlerts(trx, org.id, org.periodStart, org.periodEnd, now, result.crossings);
      options.onAlerts?.();
    }
    if (result.consumedMc > 0n && deps.onBalanceChange) {
      const change = { orgId: org.id, periodStart: org.periodStart, beforeMc: org.balanceMc + result.consumedMc, afterMc: org.balanceMc, autoTopUp: read.autoTopUp };
      // A batch calls the hook once for all its orgs (one statement, not one per org). The period
      // comes with the change (the hook reads no credit account), so an org rolled over in this
      // batch is in that call too, with its new period.
      if (options.balanceChanges) options.balanceChanges.push(change);
      else await deps.onBalanceChange(trx, [change]);
    }

    // The org row: written here with everything else, unless a rollover already made lockedIn write it.
    const writeOrg = !orgDirtyBefore && ctx.dirty;
    // Every batch closes the org's reservations past their expiry (ADR 020): no reservation stays open past it.
    const writes: repo.BatchWrites = {
      ...result.writes,
      orgId: org.id,
      expireStale: true,
      org: writeOrg ? { balance_mc: org.balanceMc, ai_enabled: org.aiEnabled, overage_limit_mc: org.overageLimitMc } : null,
    };
    if (options.writes) options.writes.push(writes);
    else await repo.writeBatch(trx, now, [writes], { commit: false });
    if (writeOrg) ctx.dirty = false;
    return result.outcomes;
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
      openReservations: ops.some((o) => o.kind === 'configure' && o.input.aiEnabled === false),
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
     * state, the auto top-up settings included (ADR 040); the writes of every org and `commit` in
     * one message. With an afterApply hook (or the test hook) the commit is a message of its own,
     * after them. The auto top-up hook reads and writes only when a batch crossed an org's
     * threshold.
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
          const balanceChanges: BalanceChange[] = [];
          let mailQueued = false;
          for (const [orgId, entries] of byOrg) {
            const preRead = reads.get(orgId);
            if (!preRead?.org) {
              for (const { index } of entries) outcomes[index] = { ok: false, error: notFound('Organization') };
              continue;
            }
            const orgOutcomes = await lockedIn(trx, orgId, (ctx) => applyOps(ctx, entries.map(({ item }) => item.op), { preRead, writes, balanceChanges, onAlerts: () => (mailQueued = true) }), { row: preRead.org, now });
            entries.forEach(({ index }, k) => (outcomes[index] = orgOutcomes[k]!));
          }
          // Under every org's lock, before the writes and the commit, as each org's own call was.
          if (balanceChanges.length && deps.onBalanceChange) await deps.onBalanceChange(trx, balanceChanges);
          const separateCommit = items.some((i) => i.afterApply) || testing.beforeCommit !== undefined;
          if (!separateCommit && batcher.stopped) throw shuttingDown();
          await repo.writeBatch(trx, now, writes, { commit: !separateCommit });
          if (!separateCommit) {
            open = false;
            if (mailQueued) deps.onMailQueued?.();
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
          if (mailQueued) deps.onMailQueued?.();
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

    /**
     * Opens the org's credit account in the sign-up transaction (the caller's), after the org row
     * exists: its first billing month starts at `createdAt`, with the first 300 credits.
     */
    async openAccount(trx: Transaction<Database>, orgId: string, createdAt: Date) {
      const period = billingPeriodAt(createdAt, createdAt);
      await repo.insertAccount(trx, { org_id: orgId, created_at: createdAt, period_start: period.start, period_end: period.end });
      return lockedIn(trx, orgId, (ctx) => grantAllowance(ctx));
    },

    /** The org's AI switch as last set (the session answer shows it); no rollover. */
    async aiEnabled(orgId: string): Promise<boolean> {
      const org = await repo.findOrg(db, orgId);
      if (!org) throw notFound('Organization');
      return org.ai_enabled;
    },

    /**
     * Reads call this: the first read of a new period settles the rollover (cheap when nothing is
     * due). Returns the org row as of the current period.
     */
    async ensureCurrentPeriod(orgId: string): Promise<OrgState> {
      const org = await repo.findOrg(db, orgId);
      if (!org) throw new HttpError(404, 'NOT_FOUND', 'Organization not found');
      if (clock.now() < org.period_end) return toOrgState(org);
      // The rollover alone, in a transaction of its own under the org lock.
      await db.transaction().execute((trx) => lockedIn(trx, orgId, async () => undefined));
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

    /**
     * The owner's settings (the AI switch, the overage limit), an operation of the org's batches:
     * under its lock, in arrival order with its other operations. AI off releases every open
     * reservation. Returns the settings before and after; `afterApply` runs in the batch's
     * transaction (the caller's audit record: committed with the change, or neither).
     */
    configure(input: ConfigureInput, options: { afterApply?: AfterApply<ConfigureResult> } = {}) {
      return submit<ConfigureResult>({ kind: 'configure', input }, options.afterApply);
    },

    /**
     * Every budget of the org with what it has used this period: settled usage plus open
     * reservations (budget-use.ts, the expression the engine enforces), in one statement. The
     * budget list and the AI estimate read it here, where the summed tables live.
     */
    async budgetsWithUse(orgId: string, periodStart: Date): Promise<{ subjectType: 'project' | 'user'; subjectId: string; limitMc: bigint; usedMc: bigint }[]> {
      const rows = await repo.budgetsWithUse(db, orgId, periodStart, clock.now());
      return rows.map((r) => ({ subjectType: r.subject_type, subjectId: r.subject_id, limitMc: BigInt(r.limit_mc), usedMc: BigInt(r.used_mc) }));
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
