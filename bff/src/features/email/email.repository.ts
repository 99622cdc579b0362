import type { Insertable, Kysely, Transaction } from 'kysely';
import type { Database, EmailOutboxTable } from '../../db/database';

type Conn = Kysely<Database> | Transaction<Database>;

export async function insertEmail(db: Conn, row: Insertable<EmailOutboxTable>): Promise<{ id: string }> {
  return db.insertInto('email_outbox').values(row).returning('id').executeTakeFirstOrThrow();
}
