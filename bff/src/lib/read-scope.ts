import { AsyncLocalStorage } from 'node:async_hooks';

/** Per request: the oldest replica data it was answered from (null: all from the primary, or a replica fully caught up). */
export const readScope = new AsyncLocalStorage<{ asOf: Date | null }>();

/** Called by a read that came from the replica (db/read-db.ts). */
export function noteReadAsOf(asOf: Date) {
  const scope = readScope.getStore();
  if (scope && (scope.asOf === null || asOf < scope.asOf)) scope.asOf = asOf;
}
