import type { Transaction } from 'kysely';
import type { Database } from '../../db/database';

/** Extra SQL a caller runs in its operation's transaction, after the operation is applied. */
export type AfterApply<T> = (trx: Transaction<Database>, result: T) => Promise<void>;

export interface Submitted<Op> {
  /** The row lock the operation needs (an org id). */
  key: string;
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
 * Group commit across keys (orgs), ADR 011 and ADR 019. Operations that arrive while a batch is
 * waiting for its locks wait with it, and go together as the next batch: one transaction, one
 * commit, for every org that had operations queued. The first operation when nothing waits
 * starts a batch at once, so a lone call waits for nobody.
 *
 * At most one batch per instance is *gathering* at a time: it has sent `BEGIN` and its lock
 * request for the keys queued when it started (all of them, in key order, so batches of any
 * number of instances never deadlock) and waits in PostgreSQL. Once it holds the locks it takes
 * every operation queued for those keys, in arrival order, and the next arrival (or whatever
 * is still queued) starts the next batch. So:
 * - one busy key is pipelined: the next batch's lock request overlaps the current batch's
 *   work and PostgreSQL hands it the lock at the commit;
 * - many keys share transactions and commits: 20 orgs with a few callers each cost one commit
 *   a batch, not one each;
 * - batches on disjoint keys run side by side; batches that share a key are ordered by its lock.
 *
 * `run` calls `take()` once, after it holds the locks, and answers every operation taken (its
 * own result or its own error), in the order taken. When `run` throws (database failure),
 * nothing of the batch was committed and every caller of the batch gets that error.
 */
export function createGroupCommit<Op>(options: {
  maxBatch: number;
  /**
   * Independent chains of batches: a key always goes to the same lane, and each lane has at most
   * one batch gathering. More lanes: more transactions (and commits) side by side; fewer: larger
   * batches.
   */
  lanes: number;
  run(keys: string[], take: () => Submitted<Op>[]): Promise<Outcome[]>;
  /**
   * An error before the batch took its operations that is worth one more try on a fresh
   * connection (a pooled connection that had died while idle): nothing was applied, so the
   * operations are not at risk, and one dead connection does not fail a whole queue.
   */
  retryUntaken?: (error: unknown) => boolean;
}) {
  const MAX_UNTAKEN_RETRIES = 3;
  /** Per lane: operations not yet taken by a batch (arrival order), and whether a started batch is still waiting for its locks. */
  const lanes = Array.from({ length: options.lanes }, () => ({ queue: [] as Submitted<Op>[], gathering: false }));
  /** A key's lane: stable, so one key's batches always form one chain (arrival order). */
  const laneOf = (key: string) => {
    let h = 0;
    for (let i = 0; i < key.length; i++) h = (h * 31 + key.charCodeAt(i)) | 0;
    return lanes[Math.abs(h) % lanes.length]!;
  };

  function startBatch(lane: (typeof lanes)[number]) {
    lane.gathering = true;
    const keys = [...new Set(lane.queue.map((item) => item.key))].sort();
    const keySet = new Set(keys);
    let taken: Submitted<Op>[] | null = null;
    const take = () => {
      if (taken) return taken;
      const mine: Submitted<Op>[] = [];
      const rest: Submitted<Op>[] = [];
      for (const item of lane.queue) (mine.length < options.maxBatch && keySet.has(item.key) ? mine : rest).push(item);
      taken = mine;
      lane.queue = rest;
      lane.gathering = false;
      if (lane.queue.length) startBatch(lane);
      return taken;
    };
    void runBatch(keys, take);
  }

  async function runBatch(keys: string[], take: () => Submitted<Op>[]) {
    let retry: Submitted<Op>[] | null = null;
    let untakenRetries = 0;
    for (;;) {
      let items: Submitted<Op>[] | null = null;
      try {
        const runKeys = retry ? [...new Set(retry.map((item) => item.key))].sort() : keys;
        const outcomes = await options.run(runKeys, () => (items = retry ?? take()));
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
        const lane = laneOf(key);
        lane.queue.push({ key, op, afterApply: afterApply as AfterApply<unknown> | undefined, resolve: resolve as (v: unknown) => void, reject });
        if (!lane.gathering) startBatch(lane);
      });
    },
    /** Operations of `key` not yet taken by a batch (tests use it to line a batch up). */
    waiting(key: string) {
      return laneOf(key).queue.filter((item) => item.key === key).length;
    },
  };
}
