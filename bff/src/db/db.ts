import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import { Migrator } from 'kysely/migration';
import pg from 'pg';
import type { Database } from './database';
import { migrations } from './migrations/index';
import { registerPool } from './pool-registry';

export type Db = Kysely<Database>;

/** What a repository function runs on: the pool, or the transaction its caller opened. */
export type Executor = Kysely<Database> | Transaction<Database>;

// int8 as bigint everywhere: balances, amounts and counts never pass through a float.
pg.types.setTypeParser(20, (v) => BigInt(v));
// date columns stay 'YYYY-MM-DD' text: a calendar day has no time zone to get wrong.
pg.types.setTypeParser(1082, (v) => v);

/** How long a request waits for a free pooled connection before it is answered 503 (db-errors.ts). */
const CONNECT_TIMEOUT_MS = 15_000;

/**
 * Time limits every pooled connection runs with (ADR 020): a statement, a lock wait or an idle
 * open transaction that runs past them is ended by PostgreSQL, and the request answers a
 * retryable 503 (db-errors.ts), so no tenant's stuck work holds a connection, a lock or a caller
 * for minutes. 0 turns a limit off (migrations run without them).
 */
export interface DbTimeLimits {
  statementTimeoutMs: number;
  lockTimeoutMs: number;
  idleInTransactionTimeoutMs: number;
}

export const DEFAULT_DB_TIME_LIMITS: DbTimeLimits = { statementTimeoutMs: 30_000, lockTimeoutMs: 5_000, idleInTransactionTimeoutMs: 15_000 };
export const NO_DB_TIME_LIMITS: DbTimeLimits = { statementTimeoutMs: 0, lockTimeoutMs: 0, idleInTransactionTimeoutMs: 0 };

type PoolInternals = { _release(client: { getTransactionStatus(): string | null }, idleListener: unknown, err?: Error): void };

/** How long a pool that the server refused a connection (no slot left) stays at the size it has. */
const SLOTS_HOLD_MS = 1_000;

/**
 * 53300: PostgreSQL has no connection slot left (max_connections, or the role's or the database's
 * CONNECTION LIMIT), taken by other clients of the server.
 */
const outOfSlots = (err: unknown) => (err as { code?: unknown } | null)?.code === '53300';

/**
 * A pool that never hands a connection back inside a transaction (ADR 020): a client released
 * while PostgreSQL reports it in a transaction (T) or in a failed one (E) is destroyed instead of
 * kept, so one caller's missing ROLLBACK can never surface as another tenant's 25P02. (pg-pool
 * has no hook for it: its release path is wrapped.)
 */
function guardedPool(config: pg.PoolConfig): pg.Pool {
  const pool = new pg.Pool(config);
  const internals = pool as unknown as PoolInternals;
  const release = internals._release.bind(pool);
  internals._release = (client, idleListener, err) => {
    const status = client.getTransactionStatus();
    const inTransaction = status === 'T' || status === 'E';
    release(client, idleListener, err ?? (inTransaction ? new Error('connection released inside a transaction: destroyed') : undefined));
  };

  // The server out of connection slots while this pool holds connections of its own: the request
  // waits for one of those (pg-pool's queue, bounded by the connect timeout), as it would with the
  // pool full, instead of answering 503; the pool stays at that size for a moment, then may grow
  // again. Only a pool with no connection at all answers 503 at once (db-errors.ts): a server
  // that is full for another program is not a fault of this request, and a connection of ours
  // is free again within a statement or a batch.
  const max = pool.options.max ?? 10;
  let grow: NodeJS.Timeout | undefined;
  const connect = pool.connect.bind(pool) as () => Promise<pg.PoolClient>;
  pool.connect = (async (...args: unknown[]) => {
    if (args.length) return (connect as (...a: unknown[]) => unknown)(...args);
    const deadline = Date.now() + (config.connectionTimeoutMillis ?? 0);
    for (;;) {
      try {
        return await connect();
      } catch (err) {
        if (!outOfSlots(err) || pool.totalCount === 0 || pool.ending || Date.now() >= deadline) throw err;
        pool.options.max = Math.min(pool.options.max ?? max, pool.totalCount);
        clearTimeout(grow);
        grow = setTimeout(() => (pool.options.max = max), SLOTS_HOLD_MS).unref();
      }
    }
  }) as typeof pool.connect;
  return pool;
}

export function createPostgresDb(url: string, poolMax: number, onConnectionError: (err: Error) => void = () => {}, limits: DbTimeLimits = DEFAULT_DB_TIME_LIMITS): Db {
  const pool = guardedPool({
    connectionString: url,
    max: poolMax,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    // Sent as startup parameters (a pooler in transaction mode drops them: set them on its role, docs/scaling.md).
    statement_timeout: limits.statementTimeoutMs || undefined,
    lock_timeout: limits.lockTimeoutMs || undefined,
    idle_in_transaction_session_timeout: limits.idleInTransactionTimeoutMs || undefined,
  });
  // A connection that dies (database restart, failover, pg_terminate_backend) emits 'error' on
  // its client; unhandled, that event kills the process. The pool listens while a client is
  // idle; this listener covers the time it is checked out, where the query in flight fails
  // instead (and the request answers 503). Either way the pool drops the client and opens a
  // fresh one on the next checkout.
  pool.on('connect', (client) => {
    client.on('error', onConnectionError);
  });
  // The pool re-emits an idle client's error; the client's own listener above has reported it.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  registerPool(db, pool);
  return db;
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
  // PGlite keeps its state in private fields, which the prototype-derived wrapper cannot read.
  client.close = () => pglite.close();
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
