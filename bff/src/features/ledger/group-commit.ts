import type { Transaction } from 'kysely';
import type { Database } from '../../db/database';

/** Extra SQL a caller runs in its operation's transaction, after the operation is applied. */
export type AfterApply<T> = (trx: Transaction<Database>, result: T) => Promise<void>;

export interface Submitted<Op> {
  op: Op;
  afterApply?: AfterApply<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** One operation's own answer: a batch answers each caller separately. */
export type Outcome = { ok: true; value: unknown; replay: boolean } | { ok: false; error: unknown };

/** Thrown by a batch runner when the `afterApply` of operation `index` failed: only that operation fails. */
export class AfterApplyFailed extends Error {
  constructor(
    readonly index: number,
    readonly reason: unknown,
  ) {
    super('afterApply failed');
  }
}

/**
 * Group commit: operations on the same key (an org) that arrive while that key's transaction
 * runs wait and then go together, in arrival order, as the next batch (one transaction, one
 * commit). The first operation of an idle key starts at once, so a lone call waits for nobody.
 * Each instance batches its own callers; across instances the org row lock orders the batches.
 *
 * Pipelined: as soon as a batch has taken its operations (it holds the lock), the next arrival
 * starts the next batch's transaction, which waits on the row lock in PostgreSQL and takes
 * everything queued the moment it gets the lock. So the next batch's BEGIN and lock request
 * overlap the current batch's work, and its operations are still taken in arrival order.
 *
 * `run` calls `take()` once, after it holds the lock, and answers every operation taken (its own
 * result or its own error). When `run` throws (database failure), nothing of the batch was
 * committed and every caller of the batch gets that error.
 */
export function createGroupCommit<Op>(options: {
  maxBatch: number;
  run(key: string, take: () => Submitted<Op>[]): Promise<Outcome[]>;
  /**
   * An error before the batch took its operations that is worth one more try on a fresh
   * connection (a pooled connection that had died while idle): nothing was applied, so the
   * operations are not at risk, and one dead connection does not fail a whole queue.
   */
  retryUntaken?: (error: unknown) => boolean;
}) {
  const MAX_UNTAKEN_RETRIES = 3;
  /** Per key: operations not yet taken, and whether a started batch is still waiting to take them. */
  const states = new Map<string, { queue: Submitted<Op>[]; leaderWaiting: boolean }>();

  function startBatch(key: string) {
    const state = states.get(key)!;
    state.leaderWaiting = true;
    let taken: Submitted<Op>[] | null = null;
    const take = () => {
      if (taken) return taken;
      taken = state.queue.splice(0, options.maxBatch);
      state.leaderWaiting = false;
      if (state.queue.length) startBatch(key);
      else states.delete(key);
      return taken;
    };
    void runBatch(key, take);
  }

  async function runBatch(key: string, take: () => Submitted<Op>[]) {
    let retry: Submitted<Op>[] | null = null;
    let untakenRetries = 0;
    for (;;) {
      let items: Submitted<Op>[] | null = null;
      try {
        const outcomes = await options.run(key, () => (items = retry ?? take()));
        items = items ?? take();
        items.forEach((item, i) => {
          const outcome = outcomes[i]!;
          if (outcome.ok) item.resolve(outcome.value);
          else item.reject(outcome.error);
        });
        return;
      } catch (error) {
        if (items === null && retry === null && untakenRetries < MAX_UNTAKEN_RETRIES && options.retryUntaken?.(error)) {
          untakenRetries++;
          continue;
        }
        // Failed before taking (no connection, lock failed): the operations it would take fail with it.
        const batch: Submitted<Op>[] = items ?? retry ?? take();
        if (error instanceof AfterApplyFailed) {
          // Nothing was committed: that caller gets its hook's error, the others go again.
          batch[error.index]!.reject(error.reason);
          retry = batch.filter((_, i) => i !== error.index);
          if (retry.length) continue;
          return;
        }
        for (const item of batch) item.reject(error);
        return;
      }
    }
  }

  return {
    submit<T>(key: string, op: Op, afterApply?: AfterApply<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const item: Submitted<Op> = { op, afterApply: afterApply as AfterApply<unknown> | undefined, resolve: resolve as (v: unknown) => void, reject };
        let state = states.get(key);
        if (!state) {
          state = { queue: [], leaderWaiting: false };
          states.set(key, state);
        }
        state.queue.push(item);
        if (!state.leaderWaiting) startBatch(key);
      });
    },
    /** Operations of `key` not yet taken by a batch (tests use it to line a batch up). */
    waiting(key: string) {
      return states.get(key)?.queue.length ?? 0;
    },
  };
}
