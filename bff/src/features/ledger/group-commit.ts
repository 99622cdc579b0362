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
 * `run` answers every operation (its own result or its own error). When `run` itself throws
 * (database failure), nothing of the batch was committed and every caller gets that error.
 */
export function createGroupCommit<Op>(options: { maxBatch: number; run(key: string, batch: Submitted<Op>[]): Promise<Outcome[]> }) {
  const queues = new Map<string, Submitted<Op>[]>();

  async function runBatch(key: string, batch: Submitted<Op>[]) {
    let items = batch;
    while (items.length) {
      try {
        const outcomes = await options.run(key, items);
        items.forEach((item, i) => {
          const outcome = outcomes[i]!;
          if (outcome.ok) item.resolve(outcome.value);
          else item.reject(outcome.error);
        });
        return;
      } catch (error) {
        if (error instanceof AfterApplyFailed) {
          // Nothing was committed: that caller gets its hook's error, the others go again.
          items[error.index]!.reject(error.reason);
          items = items.filter((_, i) => i !== error.index);
          continue;
        }
        for (const item of items) item.reject(error);
        return;
      }
    }
  }

  async function drain(key: string) {
    for (;;) {
      const queue = queues.get(key)!;
      if (queue.length === 0) {
        queues.delete(key);
        return;
      }
      await runBatch(key, queue.splice(0, options.maxBatch));
    }
  }

  return {
    submit<T>(key: string, op: Op, afterApply?: AfterApply<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const item: Submitted<Op> = { op, afterApply: afterApply as AfterApply<unknown> | undefined, resolve: resolve as (v: unknown) => void, reject };
        const queue = queues.get(key);
        if (queue) {
          queue.push(item);
          return;
        }
        queues.set(key, [item]);
        void drain(key);
      });
    },
    /** Operations of `key` waiting for the next batch (tests use it to line a batch up). */
    waiting(key: string) {
      return queues.get(key)?.length ?? 0;
    },
  };
}
