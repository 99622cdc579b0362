import type { Executor } from '../../db/db';

const COLUMNS = [
  'invitations.id',
  'invitations.org_id',
  'invitations.email',
  'invitations.role',
  'invitations.created_at',
  'invitations.expires_at',
  'invitations.invited_by',
] as const;

/** Open = neither accepted nor revoked (it may have expired). */
export function findOpenInvitation(db: Executor, orgId: string, id: string) {
  return db
    .selectFrom('invitations')
    .select(COLUMNS)
    .where('invitations.org_id', '=', orgId)
    .where('invitations.id', '=', id)
    .where('invitations.accepted_at', 'is', null)
    .where('invitations.revoked_at', 'is', null)
    .executeTakeFirst();
}

export function listPending(db: Executor, orgId: string, now: Date) {
  return db
    .selectFrom('invitations')
    .select(COLUMNS)
    .where('invitations.org_id', '=', orgId)
    .where('invitations.accepted_at', 'is', null)
    .where('invitations.revoked_at', 'is', null)
    .where('invitations.expires_at', '>', now)
    .orderBy('invitations.created_at', 'desc')
    .execute();
}

/** An open invitation that has run out no longer blocks a new one for the same email. */
export async function retireExpired(db: Executor, orgId: string, email: string, now: Date) {
  await db
    .updateTable('invitations')
    .set({ revoked_at: now })
    .where('org_id', '=', orgId)
    .where('email', '=', email)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '<=', now)
    .execute();
}

/** Null when the email already has an open invitation to this org (unique partial index). */
export function insertInvitation(
  db: Executor,
  i: { org_id: string; email: string; role: 'admin' | 'member'; token_hash: string; invited_by: string; created_at: Date; expires_at: Date },
) {
  return db
    .insertInto('invitations')
    .values(i)
    .onConflict((oc) => oc.columns(['org_id', 'email']).where('accepted_at', 'is', null).where('revoked_at', 'is', null).doNothing())
    .returning('id')
    .executeTakeFirst();
}

export async function revoke(db: Executor, orgId: string, id: string, now: Date) {
  const row = await db
    .updateTable('invitations')
    .set({ revoked_at: now })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
  return Boolean(row);
}

/** A new token (the old one stops matching) and a new expiry, for an invitation still open. */
export async function reissue(db: Executor, orgId: string, id: string, tokenHash: string, expiresAt: Date) {
  const row = await db
    .updateTable('invitations')
    .set({ token_hash: tokenHash, expires_at: expiresAt })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
  return Boolean(row);
}

/** A token's hash and the org it carries (null for tokens issued before tokens carried one: a lookup across orgs). */
export interface TokenRef {
  orgId: string | null;
  tokenHash: string;
}

/** The invitation a token names, whatever its state. */
export function findByToken(db: Executor, ref: TokenRef) {
  let q = db.selectFrom('invitations').select([...COLUMNS, 'invitations.accepted_at', 'invitations.revoked_at']).where('invitations.token_hash', '=', ref.tokenHash);
  if (ref.orgId) q = q.where('invitations.org_id', '=', ref.orgId);
  return q.executeTakeFirst();
}

/**
 * Takes the invitation: one UPDATE that only an open, unexpired invitation passes. Concurrent
 * accepts queue on the row lock and re-check, so exactly one wins; the loser sees nothing.
 */
export function claim(db: Executor, ref: TokenRef, now: Date) {
  let q = db.updateTable('invitations').set({ accepted_at: now });
  if (ref.orgId) q = q.where('org_id', '=', ref.orgId);
  return q
    .where('token_hash', '=', ref.tokenHash)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .returning(['org_id', 'id', 'email', 'role'])
    .executeTakeFirst();
}

export async function setAcceptedBy(db: Executor, orgId: string, id: string, userId: string) {
  await db.updateTable('invitations').set({ accepted_by: userId }).where('org_id', '=', orgId).where('id', '=', id).execute();
}

/** The pending invitations `userId` sent (offboarding: what removing them revokes). */
export function listPendingSentBy(db: Executor, orgId: string, userId: string) {
  return db
    .selectFrom('invitations')
    .select(['id', 'email', 'role'])
    .where('org_id', '=', orgId)
    .where('invited_by', '=', userId)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .orderBy('created_at')
    .execute();
}

/** Revokes every invitation `userId` sent that is still open; the invitations revoked. */
export function revokeSentBy(db: Executor, orgId: string, userId: string, now: Date) {
  return db
    .updateTable('invitations')
    .set({ revoked_at: now })
    .where('org_id', '=', orgId)
    .where('invited_by', '=', userId)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .returning(['id', 'email', 'role'])
    .execute();
}
