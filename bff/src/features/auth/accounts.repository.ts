import { sql, type Insertable } from 'kysely';
import type { Executor } from '../../db/db';
import type { AccountTokensTable, MembershipsTable, OrganizationsTable, SessionsTable, UsersTable } from './accounts.tables';

export function findUserByEmail(db: Executor, email: string) {
  return db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
}

export function userNames(db: Executor, ids: string[]) {
  return db.selectFrom('users').select(['id', 'name']).where('id', 'in', ids).execute();
}

export function insertUser(db: Executor, user: Insertable<UsersTable>) {
  return db.insertInto('users').values(user).onConflict((oc) => oc.column('email').doNothing()).returning(['id', 'email', 'name', 'email_verified_at']).executeTakeFirst();
}

export function insertOrganization(db: Executor, org: Insertable<OrganizationsTable>) {
  return db.insertInto('organizations').values(org).returning(['id']).executeTakeFirstOrThrow();
}

export async function insertMembership(db: Executor, m: Insertable<MembershipsTable>) {
  await db.insertInto('memberships').values(m).execute();
}

/** A user's membership: their first organization (one org per session). */
export function findMembershipOfUser(db: Executor, userId: string) {
  return db
    .selectFrom('memberships')
    .innerJoin('organizations', 'organizations.id', 'memberships.org_id')
    .select(['memberships.org_id', 'memberships.role', 'organizations.name as org_name'])
    .where('memberships.user_id', '=', userId)
    .orderBy('memberships.created_at')
    .executeTakeFirst();
}

export async function insertSession(db: Executor, s: Insertable<SessionsTable>) {
  await db.insertInto('sessions').values(s).execute();
}

/** The session with everything a request needs, in one query. A removed member's session finds no membership. */
export function findSessionContext(db: Executor, sessionId: string, now: Date) {
  return db
    .selectFrom('sessions')
    .innerJoin('memberships', (j) => j.onRef('memberships.org_id', '=', 'sessions.org_id').onRef('memberships.user_id', '=', 'sessions.user_id'))
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .innerJoin('organizations', 'organizations.id', 'sessions.org_id')
    .select([
      'sessions.id',
      'sessions.csrf_token',
      'sessions.org_id',
      'sessions.user_id',
      'memberships.role',
      'users.email',
      'users.name',
      'users.email_verified_at',
      'users.time_zone',
      'organizations.name as org_name',
    ])
    .where('sessions.id', '=', sessionId)
    .where('sessions.expires_at', '>', now)
    .executeTakeFirst();
}

/** The user's own display preference (issue 24). */
export async function setUserTimeZone(db: Executor, userId: string, timeZone: 'local' | 'utc') {
  await db.updateTable('users').set({ time_zone: timeZone }).where('id', '=', userId).execute();
}

export async function deleteSession(db: Executor, sessionId: string) {
  await db.deleteFrom('sessions').where('id', '=', sessionId).execute();
}

export async function clearRateLimit(db: Executor, key: string) {
  await db.deleteFrom('rate_limits').where('key', '=', key).execute();
}

/** Takes back one hit (an attempt that turned out not to count), never below zero. */
export async function undoRateLimitHit(db: Executor, key: string) {
  await db.updateTable('rate_limits').set((eb) => ({ count: sql<number>`greatest(${eb.ref('count')} - 1, 0)` })).where('key', '=', key).execute();
}

/**
 * Fixed-window counter in PostgreSQL (not in process memory, so it holds across BFF instances).
 * Returns the count in the current window after this hit.
 */
export async function hitRateLimit(db: Executor, key: string, now: Date, windowMs: number): Promise<{ count: number; windowStart: Date }> {
  const windowStart = new Date(now.getTime() - windowMs);
  const row = await db
    .insertInto('rate_limits')
    .values({ key, window_start: now, count: 1 })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet((eb) => ({
        count: eb.case().when('rate_limits.window_start', '<', windowStart).then(1).else(eb('rate_limits.count', '+', 1)).end(),
        window_start: eb.case().when('rate_limits.window_start', '<', windowStart).then(now).else(eb.ref('rate_limits.window_start')).end(),
      })),
    )
    .returning(['count', 'window_start'])
    .executeTakeFirstOrThrow();
  return { count: row.count, windowStart: row.window_start };
}

// Emailed single-use links (issue 20) ---------------------------------------------------

export async function insertAccountToken(db: Executor, t: Insertable<AccountTokensTable>) {
  await db.insertInto('account_tokens').values(t).execute();
}

/** The address's links that can never be used again (used, or expired): kept no longer than that. */
export async function pruneAccountTokens(db: Executor, email: string, now: Date) {
  await db
    .deleteFrom('account_tokens')
    .where('email', '=', email)
    .where((eb) => eb.or([eb('used_at', 'is not', null), eb('expires_at', '<=', now)]))
    .execute();
}

/** Earlier open links of this purpose for this address stop working (one link at a time). */
export async function retireAccountTokens(db: Executor, email: string, purposes: AccountTokensTable['purpose'][], now: Date) {
  await db.updateTable('account_tokens').set({ used_at: now, payload: null }).where('email', '=', email).where('purpose', 'in', purposes).where('used_at', 'is', null).execute();
}

/**
 * Takes a link: one UPDATE that only an unused, unexpired token of these purposes passes, so of
 * concurrent uses exactly one wins. Returns what the link was for (its payload is dropped).
 */
export function claimAccountToken(db: Executor, tokenHash: string, purposes: AccountTokensTable['purpose'][], now: Date) {
  return db
    .with('taken', (w) =>
      w
        .updateTable('account_tokens')
        .set({ used_at: now })
        .where('token_hash', '=', tokenHash)
        .where('purpose', 'in', purposes)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .returning(['id', 'purpose', 'user_id', 'email', 'payload']),
    )
    .selectFrom('taken')
    .selectAll()
    .executeTakeFirst();
}

export async function dropTokenPayload(db: Executor, id: string) {
  await db.updateTable('account_tokens').set({ payload: null }).where('id', '=', id).execute();
}

export function lockUserByEmail(db: Executor, email: string) {
  return db.selectFrom('users').select(['id', 'email', 'name', 'email_verified_at']).where('email', '=', email).forUpdate().executeTakeFirst();
}

export function lockUserById(db: Executor, id: string) {
  return db.selectFrom('users').select(['id', 'email', 'name', 'email_verified_at']).where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function markVerified(db: Executor, userId: string, at: Date) {
  await db.updateTable('users').set({ email_verified_at: at }).where('id', '=', userId).where('email_verified_at', 'is', null).execute();
}

export async function setPassword(db: Executor, userId: string, passwordHash: string) {
  await db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', userId).execute();
}

/**
 * An unverified account gives up an address its holder proved (issue 20): it keeps its rows
 * under an address nobody can receive mail at, can no longer sign in, and its sessions end.
 */
export async function releaseAddress(db: Executor, userId: string) {
  await db.updateTable('users').set({ email: sql<string>`'released-' || id || '@released.invalid'` }).where('id', '=', userId).execute();
  await db.deleteFrom('sessions').where('user_id', '=', userId).execute();
}

export async function deleteSessionsInOrg(db: Executor, orgId: string, userId: string) {
  await db.deleteFrom('sessions').where('org_id', '=', orgId).where('user_id', '=', userId).execute();
}

export async function deleteSessionsOfUser(db: Executor, userId: string) {
  await db.deleteFrom('sessions').where('user_id', '=', userId).execute();
}

// The directory (directory.service.ts): an org's people, names and addresses for other features (ADR 017).

/** The org's members with their user row: owner, admins, members, each by name; narrowed to some roles or ids (non-empty). */
export function orgMembers(db: Executor, orgId: string, only: { roles?: MembershipsTable['role'][]; userIds?: string[] } = {}) {
  let q = db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select(['users.id', 'users.email', 'users.name', 'memberships.role', 'memberships.created_at'])
    .where('memberships.org_id', '=', orgId);
  if (only.roles) q = q.where('memberships.role', 'in', only.roles);
  if (only.userIds) q = q.where('memberships.user_id', 'in', only.userIds);
  return q.orderBy(sql`case memberships.role when 'owner' then 0 when 'admin' then 1 else 2 end`).orderBy('users.name').execute();
}

export async function updateMemberRole(db: Executor, orgId: string, userId: string, role: MembershipsTable['role']) {
  await db.updateTable('memberships').set({ role }).where('org_id', '=', orgId).where('user_id', '=', userId).execute();
}

export async function deleteMembership(db: Executor, orgId: string, userId: string) {
  await db.deleteFrom('memberships').where('org_id', '=', orgId).where('user_id', '=', userId).execute();
}

/** The org's owner with the org's name: where the org's own emails go. */
export function orgOwner(db: Executor, orgId: string) {
  return db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .innerJoin('organizations', 'organizations.id', 'memberships.org_id')
    .select(['users.email', 'users.name', 'organizations.name as org_name'])
    .where('memberships.org_id', '=', orgId)
    .where('memberships.role', '=', 'owner')
    .executeTakeFirst();
}

export function orgName(db: Executor, orgId: string) {
  return db.selectFrom('organizations').select('name').where('id', '=', orgId).executeTakeFirst();
}

export function userContacts(db: Executor, ids: string[]) {
  return db.selectFrom('users').select(['id', 'name', 'email']).where('id', 'in', ids).execute();
}

