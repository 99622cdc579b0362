import { randomBytes } from 'node:crypto';
import type { Db } from '../db/db';

/**
 * A secret of this installation, generated on first use and kept in PostgreSQL (never a constant
 * in the source, never the same on two installations). Race-safe: concurrent first uses on any
 * number of instances all insert-or-skip, then all read the one row that won.
 */
export async function installationSecret(db: Db, name: string): Promise<string> {
  await db
    .insertInto('installation_secrets')
    .values({ name, value: randomBytes(32).toString('base64url'), created_at: new Date() })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await db.selectFrom('installation_secrets').select('value').where('name', '=', name).executeTakeFirstOrThrow();
  return row.value;
}
