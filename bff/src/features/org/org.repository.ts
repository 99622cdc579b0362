import { sql, type Insertable, type Updateable } from 'kysely';
import type { Executor } from '../../db/db';
import type { ProjectsTable } from './org.tables';

export function listMembers(db: Executor, orgId: string) {
  return db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select(['users.id as user_id', 'users.email', 'users.name', 'memberships.role', 'memberships.created_at'])
    .where('memberships.org_id', '=', orgId)
    .orderBy(sql`case memberships.role when 'owner' then 0 when 'admin' then 1 else 2 end`)
    .orderBy('users.name')
    .execute();
}

export function findMember(db: Executor, orgId: string, userId: string) {
  return db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select(['users.id as user_id', 'users.email', 'users.name', 'memberships.role', 'memberships.created_at'])
    .where('memberships.org_id', '=', orgId)
    .where('memberships.user_id', '=', userId)
    .executeTakeFirst();
}

export async function updateRole(db: Executor, orgId: string, userId: string, role: 'admin' | 'member') {
  await db.updateTable('memberships').set({ role }).where('org_id', '=', orgId).where('user_id', '=', userId).execute();
}

export async function deleteMembership(db: Executor, orgId: string, userId: string) {
  await db.deleteFrom('memberships').where('org_id', '=', orgId).where('user_id', '=', userId).execute();
}

export function listProjects(db: Executor, orgId: string) {
  return db.selectFrom('projects').select(['id', 'name', 'created_at', 'archived_at']).where('org_id', '=', orgId).orderBy('name').execute();
}

export function findProject(db: Executor, orgId: string, projectId: string) {
  return db.selectFrom('projects').select(['id', 'name', 'created_at', 'archived_at']).where('org_id', '=', orgId).where('id', '=', projectId).executeTakeFirst();
}

/** The row locked for an update (rename and archive of one project are serialised). */
export function lockProject(db: Executor, orgId: string, projectId: string) {
  return db.selectFrom('projects').select(['id', 'name', 'created_at', 'archived_at']).where('org_id', '=', orgId).where('id', '=', projectId).forUpdate().executeTakeFirst();
}

export function insertProject(db: Executor, p: Insertable<ProjectsTable>) {
  return db.insertInto('projects').values(p).onConflict((oc) => oc.doNothing()).returning(['id', 'name', 'created_at', 'archived_at']).executeTakeFirst();
}

/** Undefined when another project of the org already has that name (unique index on lower(name)). */
export async function updateProject(db: Executor, orgId: string, projectId: string, set: Updateable<ProjectsTable>) {
  try {
    return await db
      .updateTable('projects')
      .set(set)
      .where('org_id', '=', orgId)
      .where('id', '=', projectId)
      .returning(['id', 'name', 'created_at', 'archived_at'])
      .executeTakeFirst();
  } catch (error) {
    if ((error as { code?: string }).code === '23505') return undefined;
    throw error;
  }
}
