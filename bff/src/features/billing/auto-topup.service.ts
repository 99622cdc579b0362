import { randomUUID } from 'node:crypto';
import type { Selectable, Transaction } from 'kysely';
import { findBundle, MC_PER_CREDIT, type BundleId } from '@ai-credits/shared/catalog';
import type { AutoTopUpInput, AutoTopUpState, GatewayMode } from '@ai-credits/shared/contracts/billing';
import type { Database } from '../../db/database';
import type { Db } from '../../db/db';
import type { SessionActor } from '../../http/endpoint';
import { HttpError } from '../../http/http-error';
import { toSafeNumber } from '../../lib/bigint';
import type { Clock } from '../../lib/clock';
import type { Logger } from '../../lib/logger';
import { recordAudit } from '../audit/audit.service';
import type { EmailService } from '../email/email.service';
import { topUpAbandoned } from './auto-topup-outcome';
import type { BalanceChange, LedgerService } from '../ledger/ledger.service';
import type { BillingService } from './billing.service';
import * as repo from './billing.repository';
import type { AutoTopUpSettingsTable } from './billing.tables';

/** A top-up charging this long was interrupted (a worker died mid-charge); the sweep settles it. */
const STALE_CHARGING_MS = 15 * 60_000;
/** The hook runs before its batch commits; the worker looks again after these delays (ms). */
const KICK_DELAYS = [50, 300, 1_500];

type SettingsRow = Selectable<AutoTopUpSettingsTable>;

function settingsDto(s: SettingsRow): NonNullable<AutoTopUpState['settings']> {
  return {
    enabled: s.enabled,
    thresholdCredits: toSafeNumber(s.threshold_mc / BigInt(MC_PER_CREDIT)),
    bundleId: s.bundle_id as BundleId,
    capKind: s.cap_kind,
    capValue: toSafeNumber(s.cap_value),
    pausedAt: s.paused_at?.toISOString() ?? null,
    pausedReason: s.paused_reason,
    updatedAt: s.updated_at.toISOString(),
  };
}

const audited = (s: SettingsRow | undefined) => (s ? (({ updatedAt: _u, pausedAt: _p, ...rest }) => rest)(settingsDto(s)) : null);

/**
 * Auto top-up (ADR 025). The decision is made in the ledger's transaction (onBalanceChange, under
 * the org lock): a crossing of the threshold by this batch, auto top-up on and not paused, the
 * monthly cap not reached -> one `pending` row (at most one open per org: a partial unique
 * index). The worker charges it afterwards, outside any lock (billing.chargeTopUp), the outbox
 * way: kicked after the hook, and swept periodically for anything a kick missed.
 */
export function createAutoTopUpService(deps: {
  db: Db;
  clock: Clock;
  logger: Logger;
  billing: Pick<BillingService, 'chargeTopUp'>;
  ledger: Pick<LedgerService, 'ensureCurrentPeriod'>;
  mode: GatewayMode;
  email: Pick<EmailService, 'kick'>;
}) {
  const { db, clock, logger, billing, ledger, mode, email } = deps;
  let running: Promise<void> | null = null;
  let again = false;
  const timers = new Set<NodeJS.Timeout>();

  async function state(orgId: string): Promise<AutoTopUpState> {
    const settings = await repo.findAutoTopUpSettings(db, orgId);
    const [card, topUps, org] = await Promise.all([repo.activePaymentMethod(db, orgId), repo.recentTopUps(db, orgId, 20), ledger.ensureCurrentPeriod(orgId)]);
    const used = await repo.topUpsUsed(db, orgId, org.periodStart);
    return {
      settings: settings ? settingsDto(settings) : null,
      paymentMethod: card ? { id: card.id, brand: card.brand, last4: card.last4, expMonth: card.exp_month, expYear: card.exp_year, createdAt: card.created_at.toISOString() } : null,
      usedThisPeriod: { count: used.count, amountCents: toSafeNumber(used.amountCents) },
      topUps: topUps.map((t) => ({
        id: t.id,
        status: t.status,
        thresholdCredits: toSafeNumber(t.threshold_mc / BigInt(MC_PER_CREDIT)),
        balanceBeforeMc: toSafeNumber(t.balance_before_mc),
        balanceAfterMc: toSafeNumber(t.balance_after_mc),
        bundleId: t.bundle_id as BundleId,
        amountCents: toSafeNumber(t.amount_cents),
        purchaseId: t.purchase_id,
        failureReason: t.failure_reason,
        createdAt: t.created_at.toISOString(),
      })),
    };
  }

  /** One claimed top-up: marked charging in a short transaction, then charged with no lock held. */
  async function processOne(): Promise<boolean> {
    const claim = await db.transaction().execute(async (trx) => {
      const row = await repo.claimPendingTopUp(trx);
      if (!row) return null;
      const now = clock.now();
      const [settings, card] = await Promise.all([repo.findAutoTopUpSettings(trx, row.org_id), repo.activePaymentMethod(trx, row.org_id)]);
      if (!settings?.enabled || settings.paused_at) {
        await topUpAbandoned(trx, { orgId: row.org_id, topUpId: row.id, reason: 'Auto top-up was turned off before the charge', at: now, mode, pause: false });
        return { row, card: null };
      }
      if (!card) {
        await topUpAbandoned(trx, { orgId: row.org_id, topUpId: row.id, reason: 'No saved card: save one with a purchase ("Save this card for auto top-up")', at: now, mode, pause: true });
        return { row, card: null };
      }
      await repo.updateTopUp(trx, row.org_id, row.id, { status: 'charging', updated_at: now });
      return { row, card };
    });
    if (!claim) return false;
    if (claim.card) {
      try {
        const outcome = await billing.chargeTopUp({ orgId: claim.row.org_id, id: claim.row.id, bundleId: claim.row.bundle_id }, { customerId: claim.card.customer_id, tokenId: claim.card.token_id });
        logger.info({ orgId: claim.row.org_id, topUpId: claim.row.id, outcome }, 'auto top-up charged');
      } catch (err) {
        // The gateway could not be reached: fail and pause (no retry storm); a payment that did
        // go through is still granted by the reconciliation sweep (its purchase is recorded).
        logger.error({ err, orgId: claim.row.org_id, topUpId: claim.row.id }, 'auto top-up: charge failed');
        await db.transaction().execute((trx) =>
          topUpAbandoned(trx, { orgId: claim.row.org_id, topUpId: claim.row.id, reason: 'The payment gateway could not be reached', at: clock.now(), mode, pause: true }),
        );
      }
    }
    email.kick();
    return true;
  }

  async function drain(): Promise<void> {
    do {
      again = false;
      while (await processOne());
    } while (again);
  }

  /** Runs the worker now unless it is running (then it runs once more after). */
  function process(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = drain()
      .catch((err: unknown) => logger.error({ err }, 'auto top-up worker failed'))
      .finally(() => {
        running = null;
      });
    return running;
  }

  function kick() {
    for (const ms of KICK_DELAYS) {
      const t = setTimeout(() => {
        timers.delete(t);
        void process();
      }, ms);
      t.unref();
      timers.add(t);
    }
  }

  return {
    state,
    process,

    /** The ledger hook: in the batch's transaction, under the org lock. Writes one row at most; calls nothing outside. */
    async onBalanceChange(trx: Transaction<Database>, changes: BalanceChange[]): Promise<void> {
      let started = false;
      for (const change of changes) {
        // The settings as the ledger's batch read them under the org lock (billing.sql.ts).
        const s = change.autoTopUp;
        if (!s || change.afterMc >= change.beforeMc) continue;
        // A crossing: this batch took the balance from at or above the threshold to below it.
        if (!(change.beforeMc >= s.threshold_mc && change.afterMc < s.threshold_mc)) continue;
        const bundle = findBundle(s.bundle_id);
        if (!bundle) continue;
        const used = await repo.topUpsUsed(trx, change.orgId, change.periodStart);
        const overCap = s.cap_kind === 'count' ? BigInt(used.count) + 1n > s.cap_value : used.amountCents + BigInt(bundle.priceCents) > s.cap_value;
        if (overCap) continue;
        const now = clock.now();
        const inserted = await repo.insertTopUp(trx, {
          org_id: change.orgId,
          id: randomUUID(),
          status: 'pending',
          period_start: change.periodStart,
          threshold_mc: s.threshold_mc,
          balance_before_mc: change.beforeMc,
          balance_after_mc: change.afterMc,
          bundle_id: bundle.id,
          amount_cents: BigInt(bundle.priceCents),
          purchase_id: null,
          failure_reason: null,
          created_at: now,
          updated_at: now,
        });
        started ||= inserted !== undefined;
      }
      if (started) kick();
    },

    async set(actor: SessionActor, input: AutoTopUpInput): Promise<AutoTopUpState> {
      const bundle = findBundle(input.bundleId)!;
      if (input.capKind === 'amount' && input.capValue < bundle.priceCents) {
        throw new HttpError(400, 'VALIDATION_FAILED', `capValue: the monthly amount cap is below one ${bundle.name} bundle (${bundle.priceCents} cents)`);
      }
      await db.transaction().execute(async (trx) => {
        const before = await repo.lockAutoTopUpSettings(trx, actor.orgId);
        if (input.enabled && !(await repo.activePaymentMethod(trx, actor.orgId))) {
          throw new HttpError(409, 'CONFLICT', 'Save a card first: buy a bundle with "Save this card for auto top-up"');
        }
        const now = clock.now();
        // Saving the settings resumes a paused auto top-up: the owner has seen the reason.
        const saved = await repo.upsertAutoTopUpSettings(trx, {
          org_id: actor.orgId,
          enabled: input.enabled,
          threshold_mc: BigInt(input.thresholdCredits) * BigInt(MC_PER_CREDIT),
          bundle_id: input.bundleId,
          cap_kind: input.capKind,
          cap_value: BigInt(input.capValue),
          paused_at: null,
          paused_reason: null,
          updated_by: actor.userId,
          updated_at: now,
        });
        await recordAudit(trx, { orgId: actor.orgId, actorUserId: actor.userId, action: 'auto_topup.changed', from: audited(before), to: audited(saved), at: now });
      });
      return state(actor.orgId);
    },

    async removePaymentMethod(actor: SessionActor): Promise<AutoTopUpState> {
      await db.transaction().execute(async (trx) => {
        const before = await repo.lockAutoTopUpSettings(trx, actor.orgId);
        const now = clock.now();
        const removed = await repo.removePaymentMethods(trx, actor.orgId, now);
        if (!removed) return;
        if (before?.enabled) {
          const saved = await repo.upsertAutoTopUpSettings(trx, { ...before, enabled: false, updated_by: actor.userId, updated_at: now });
          await recordAudit(trx, { orgId: actor.orgId, actorUserId: actor.userId, action: 'auto_topup.changed', from: audited(before), to: { ...audited(saved), cardRemoved: true }, at: now });
        }
      });
      return state(actor.orgId);
    },

    /** The sweep: pending rows a kick missed, and charges interrupted mid-way (never charged again). */
    async sweep() {
      const stale = await repo.staleChargingTopUps(db, new Date(clock.now().getTime() - STALE_CHARGING_MS), 50);
      for (const t of stale) {
        // A purchase with a payment is settled by the payment's own path (webhook, reconciliation,
        // which by now has asked the gateway); without a payment (or a purchase) nothing was charged.
        const purchase = t.purchase_id ? await repo.findPurchase(db, t.org_id, t.purchase_id) : undefined;
        if (purchase && purchase.status !== 'created') continue;
        await db.transaction().execute((trx) => topUpAbandoned(trx, { orgId: t.org_id, topUpId: t.id, reason: 'The top-up was interrupted before any charge', at: clock.now(), mode, pause: true }));
      }
      await process();
    },

    /** Resolves when no worker run is in flight and no kick is waiting (shutdown, tests). */
    async idle() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await running;
    },
  };
}

export type AutoTopUpService = ReturnType<typeof createAutoTopUpService>;
