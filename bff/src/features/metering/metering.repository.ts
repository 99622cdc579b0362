import type { Executor } from '../../db/db';

export async function isMember(db: Executor, orgId: string, userId: string): Promise<boolean> {
  const row = await db.selectFrom('memberships').select('user_id').where('org_id', '=', orgId).where('user_id', '=', userId).executeTakeFirst();
  return row !== undefined;
}
