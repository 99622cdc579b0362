import type { Selectable } from 'kysely';
import type { BillingProfile, BillingProfileInput, BillingProfileResponse, Seller } from '@ai-credits/shared/contracts/billing';
import type { BillingProfilesTable } from './billing.tables';
import type { Db } from '../../db/db';
import type { SessionActor } from '../../http/endpoint';
import type { Clock } from '../../lib/clock';
import { recordAudit } from '../audit/audit.service';
import * as repo from './billing.repository';

type ProfileRow = Selectable<BillingProfilesTable>;

export function toProfileDto(row: ProfileRow): BillingProfile {
  return {
    legalName: row.legal_name,
    addressLine1: row.address_line1,
    addressLine2: row.address_line2,
    city: row.city,
    postalCode: row.postal_code,
    country: row.country,
    state: row.state,
    taxId: row.tax_id,
    invoiceEmail: row.invoice_email,
    updatedAt: row.updated_at.toISOString(),
  };
}

/** The billing profile (the buyer on tax invoices), set by the owner, audited. */
export function createBillingProfileService(deps: { db: Db; clock: Clock; seller: Seller }) {
  const { db, clock, seller } = deps;
  return {
    seller,

    async get(orgId: string): Promise<BillingProfileResponse> {
      const row = await repo.findBillingProfile(db, orgId);
      return { profile: row ? toProfileDto(row) : null, seller };
    },

    async set(actor: SessionActor, input: BillingProfileInput): Promise<BillingProfileResponse> {
      const row = await db.transaction().execute(async (trx) => {
        const before = await repo.lockBillingProfile(trx, actor.orgId);
        const now = clock.now();
        const saved = await repo.upsertBillingProfile(trx, {
          org_id: actor.orgId,
          legal_name: input.legalName,
          address_line1: input.addressLine1,
          address_line2: input.addressLine2 || null,
          city: input.city,
          postal_code: input.postalCode,
          country: input.country,
          state: input.state || null,
          tax_id: input.taxId || null,
          invoice_email: input.invoiceEmail.toLowerCase(),
          updated_by: actor.userId,
          updated_at: now,
        });
        const audited = (p: ProfileRow | undefined) => (p ? (({ updatedAt: _u, ...rest }) => rest)(toProfileDto(p)) : null);
        await recordAudit(trx, { orgId: actor.orgId, actorUserId: actor.userId, action: 'billing_profile.changed', from: audited(before), to: audited(saved), at: now });
        return saved;
      });
      return { profile: toProfileDto(row), seller };
    },
  };
}

export type BillingProfileService = ReturnType<typeof createBillingProfileService>;
