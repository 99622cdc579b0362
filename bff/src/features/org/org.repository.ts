import type { Insertable, Updateable } from 'kysely';
import type { Executor } from '../../db/db';
import type { ProjectsTable } from './org.tables';

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

/** Names of the org's projects by id (archived ones too); ids of no project of the org are left out. */
export function projectNames(db: Executor, orgId: string, ids: string[]) {
  return db.selectFrom('projects').select(['id', 'name']).where('org_id', '=', orgId).where('id', 'in', ids).execute();
}
