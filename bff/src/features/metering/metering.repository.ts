import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/database';

type Q = Kysely<Database> | Transaction<Database>;

export async function isMember(db: Q, orgId: string, userId: string): Promise<boolean> {
  const row = await db.selectFrom('memberships').select('user_id').where('org_id', '=', orgId).where('user_id', '=', userId).executeTakeFirst();
  return row !== undefined;
}
