import { sql, type Insertable } from 'kysely';
import type { Executor } from '../../db/db';
import type { MembershipsTable, OrganizationsTable, SessionsTable, UsersTable } from './accounts.tables';

export function findUserByEmail(db: Executor, email: string) {
  return db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
}

export function insertUser(db: Executor, user: Insertable<UsersTable>) {
  return db.insertInto('users').values(user).onConflict((oc) => oc.column('email').doNothing()).returning(['id', 'email', 'name']).executeTakeFirst();
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
    .select(['memberships.org_id', 'memberships.role', 'organizations.name as org_name', 'organizations.ai_enabled'])
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
      'organizations.name as org_name',
      'organizations.ai_enabled',
    ])
    .where('sessions.id', '=', sessionId)
    .where('sessions.expires_at', '>', now)
    .executeTakeFirst();
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
