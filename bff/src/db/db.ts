import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Kysely, Migrator, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './database';
import { migrations } from './migrations/index';

export type Db = Kysely<Database>;

// int8 as bigint everywhere: balances, amounts and counts never pass through a float.
pg.types.setTypeParser(20, (v) => BigInt(v));
// date columns stay 'YYYY-MM-DD' text: a calendar day has no time zone to get wrong.
pg.types.setTypeParser(1082, (v) => v);

export function createPostgresDb(url: string, poolMax: number, onIdleError: (err: Error) => void = () => {}): Db {
  const pool = new pg.Pool({ connectionString: url, max: poolMax });
  // An idle client that dies (database restart, failover) must not crash the process;
  // the pool replaces it on the next checkout.
  pool.on('error', onIdleError);
  // A connection that dies while checked out (restart, terminated backend) fails its query, and
  // then its client emits 'error' too: without a listener that would crash the process.
  pool.on('connect', (client) => client.on('error', onIdleError));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/** Zero-setup default: PostgreSQL compiled to WebAssembly, persisted under `dataDir`. */
export async function createEmbeddedDb(dataDir: string): Promise<Db> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGliteDialect } = await import('kysely-pglite-dialect');
  await fs.mkdir(dataDir, { recursive: true });
  const pglite = await PGlite.create(path.resolve(dataDir, 'pglite'), { parsers: { 20: (v: string) => BigInt(v), 1082: (v: string) => v } });
  // PGlite's query() uses the extended protocol, which takes one statement; migrations are
  // multi-statement scripts without parameters, so those go through exec() (simple protocol).
  const client = Object.create(pglite) as typeof pglite;
  client.query = (async (text: string, params?: unknown[], options?: Parameters<typeof pglite.query>[2]) => {
    if (!params?.length && text.includes(';')) return (await pglite.exec(text, options)).at(-1) ?? { rows: [], fields: [] };
    return pglite.query(text, params, options);
  }) as typeof pglite.query;
  return new Kysely<Database>({ dialect: new PGliteDialect(client) });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> by design
export async function migrateToLatest(db: Kysely<any>): Promise<void> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`migration ${failed?.migrationName ?? ''} failed: ${String(error)}`, { cause: error });
  }
}
