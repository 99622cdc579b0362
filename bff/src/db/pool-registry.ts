/** What the metrics read of a pg.Pool. */
export interface PoolLike {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

const pools = new WeakMap<object, PoolLike>();

/** Called where a pool is made (db.ts, read-db.ts): the metrics find a database's pool through it. */
export function registerPool(db: object, pool: PoolLike) {
  pools.set(db, pool);
}

/** The pool behind a PostgreSQL database handle; undefined for PGlite. */
export function poolOf(db: object): PoolLike | undefined {
  return pools.get(db);
}
