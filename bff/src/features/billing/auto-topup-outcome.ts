import type { Transaction } from 'kysely';
import type { GatewayMode } from '@ai-credits/shared/contracts/billing';
import type { Database } from '../../db/database';
import { recordAudit } from '../audit/audit.service';
import { ownerOf, queueEmail } from '../email/email.service';
import { autoTopUpFailedEmail } from '../email/templates';
import * as repo from './billing.repository';
import type { AutoTopUpsTable } from './billing.tables';
import type { Selectable } from 'kysely';

type TopUpRow = Selectable<AutoTopUpsTable>;

const audited = (t: TopUpRow) => ({ topUpId: t.id, bundleId: t.bundle_id, amountCents: Number(t.amount_cents), purchaseId: t.purchase_id });

/**
 * The end of a top-up, in the transaction that settles its purchase: each moves the row once
 * (a guarded UPDATE), so its audit entry and email happen once however many callbacks, webhooks
 * and sweeps report the payment.
 */
export async function topUpSucceeded(trx: Transaction<Database>, input: { orgId: string; purchaseId: string; at: Date }) {
  const row = await repo.finishTopUpOfPurchase(trx, input.orgId, input.purchaseId, 'succeeded', null, input.at);
  if (row) await recordAudit(trx, { orgId: input.orgId, actorUserId: null, action: 'auto_topup.charged', from: null, to: audited(row), at: input.at });
}

async function failed(trx: Transaction<Database>, row: TopUpRow, reason: string, at: Date, mode: GatewayMode) {
  // Paused, not retried: no retry storm on a card that declines; the owner resumes it.
  await repo.pauseAutoTopUp(trx, row.org_id, reason, at);
  await recordAudit(trx, { orgId: row.org_id, actorUserId: null, action: 'auto_topup.failed', from: null, to: { ...audited(row), reason }, at });
  const owner = await ownerOf(trx, row.org_id);
  if (owner) await queueEmail(trx, { orgId: row.org_id, kind: 'auto_topup_failed', to: owner.email, ...autoTopUpFailedEmail({ orgName: owner.orgName, reason, mode }) }, at);
}

/** A declined or failed charge: the top-up fails, auto top-up pauses, the owner is emailed (once). */
export async function topUpFailed(trx: Transaction<Database>, input: { orgId: string; purchaseId: string; reason: string; at: Date; mode: GatewayMode }) {
  const row = await repo.finishTopUpOfPurchase(trx, input.orgId, input.purchaseId, 'failed', input.reason, input.at);
  if (row) await failed(trx, row, input.reason, input.at, input.mode);
}

/** A top-up that could not even be charged (no saved card, turned off meanwhile, interrupted). */
export async function topUpAbandoned(trx: Transaction<Database>, input: { orgId: string; topUpId: string; reason: string; at: Date; mode: GatewayMode; pause: boolean }) {
  const row = await repo.failTopUpRow(trx, input.orgId, input.topUpId, input.reason, input.at);
  if (row && input.pause) await failed(trx, row, input.reason, input.at, input.mode);
}
