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
 * How a batch takes its row locks (ADR 020):
 * - `skip`: `FOR NO KEY UPDATE SKIP LOCKED`, never waits; keys it could not lock (held elsewhere,
 *   or missing) are left for a `wait` batch of their own;
 * - `wait`: waits for every key (bounded by the connection's lock_timeout); a key missing from
 *   the answer has no row.
 */
export type LockMode = 'skip' | 'wait';

export interface GroupCommitOptions<Op> {
  /** Most operations one batch takes. */
  maxBatch: number;
  /** Batches of this instance running at once (each holds one pooled connection). */
  maxBatches: number;
  /** Single-key batches at once that wait for a key held outside this instance (a DBA's session, another instance, a slow migration). */
  maxWaiters: number;
  /**
   * Runs one batch: opens a transaction, locks `keys` (sorted) in `mode`, then calls
   * `take(locked)` once with the keys it holds and answers every operation taken (its own result
   * or its own error), in the order taken. Throwing means nothing of the batch was committed.
   */
  run(keys: string[], mode: LockMode, take: (locked: string[]) => Submitted<Op>[]): Promise<Outcome[]>;
  /**
   * An error before the batch took its operations that is worth one more try on a fresh
   * connection (a pooled connection that had died while idle): nothing was applied.
   */
  retryUntaken?: (error: unknown) => boolean;
  /**
   * An error after the batch took its operations that certainly applied nothing (PostgreSQL
   * refused a statement): a batch of several keys then runs again one key per transaction, so
   * one org's failing write fails only that org.
   */
  isolate?: (error: unknown) => boolean;
  /** What callers get once the scheduler is stopped (shutdown). */
  stoppedError?: () => unknown;
}

interface Batch {
  keys: string[];
  mode: LockMode;
  /** A wait batch for a key held outside this instance (counts against maxWaiters). */
  waiter: boolean;
}

/**
 * Group commit across keys (orgs), ADR 011, 019 and 020. Operations queue in arrival order; a
 * batch takes every queued operation of the keys it locks and commits them in one transaction.
 *
 * What no key may do is hold up another (ADR 020). So a key is, at any time, in one of these:
 * - free: the next `skip` batch asks for it with every other free key; it never waits, so an org
 *   whose row is held elsewhere costs the others nothing;
 * - held by a batch of ours: a `wait` batch of the keys held (a follow-up) queues its lock request
 *   behind it, and PostgreSQL hands it the locks at that batch's commit: one busy org is
 *   pipelined. Batches of ours hold locks only while they write, so that wait is short;
 * - contended (a `skip` batch found it held elsewhere): a single-key `wait` batch of its own
 *   (at most `maxWaiters`), bounded by lock_timeout; meanwhile the other keys move on.
 * Every waiting lock request locks in key order, `skip` requests never wait and batches never
 * wait for an org lock after taking their operations: no batches of any number of instances
 * deadlock.
 */
export function createGroupCommit<Op>(options: GroupCommitOptions<Op>) {
  const MAX_UNTAKEN_RETRIES = 3;
  /** Operations not yet taken by a batch, in arrival order. */
  let queue: Submitted<Op>[] = [];
  /** Keys a running batch has asked for and not got yet. */
  const requested = new Map<string, Batch>();
  /** Keys a running batch of ours holds (until it ends). */
  const holding = new Map<string, Batch>();
  /** Keys a skip batch found held outside this instance, waiting for a waiter slot (arrival order). */
  const contended = new Set<string>();
  let batches = 0;
  let waiters = 0;
  let stopped = false;

  const queuedKeys = () => [...new Set(queue.map((item) => item.key))];

  function pump() {
    if (stopped) return;
    for (;;) {
      // Every batch slot taken and no key waiting for a waiter: nothing can start (the common
      // case under load, on every submit: skip the walk over the queue).
      if (batches >= options.maxBatches && contended.size === 0) return;
      const keys = queuedKeys();
      for (const k of contended) if (!keys.includes(k)) contended.delete(k);
      // Keys held elsewhere: one waiting batch each, while slots last.
      const contendedKey = [...contended].find((k) => !requested.has(k) && !holding.has(k) && keys.includes(k));
      if (contendedKey !== undefined && waiters < options.maxWaiters) {
        contended.delete(contendedKey);
        start([contendedKey], 'wait', true);
        continue;
      }
      if (batches >= options.maxBatches) return;
      // Keys a batch of ours holds: the follow-up queues its lock behind it.
      const followUp = keys.filter((k) => holding.has(k) && !requested.has(k)).sort();
      if (followUp.length) {
        start(followUp, 'wait', false);
        continue;
      }
      const free = keys.filter((k) => !holding.has(k) && !requested.has(k) && !contended.has(k)).sort();
      if (free.length) {
        start(free, 'skip', false);
        continue;
      }
      return;
    }
  }

  function takeFor(keys: Iterable<string>): Submitted<Op>[] {
    const keySet = new Set(keys);
    const mine: Submitted<Op>[] = [];
    const rest: Submitted<Op>[] = [];
    for (const item of queue) (mine.length < options.maxBatch && keySet.has(item.key) ? mine : rest).push(item);
    queue = rest;
    return mine;
  }

  function start(keys: string[], mode: LockMode, waiter: boolean) {
    const batch: Batch = { keys, mode, waiter };
    for (const k of keys) requested.set(k, batch);
    if (waiter) waiters++;
    else batches++;
    void runBatch(batch).finally(() => {
      for (const k of keys) {
        if (requested.get(k) === batch) requested.delete(k);
        if (holding.get(k) === batch) holding.delete(k);
      }
      if (waiter) waiters--;
      else batches--;
      pump();
    });
  }

  /** Called by the runner once it holds `locked`: hands it every queued operation of those keys. */
  function takeLocked(batch: Batch, locked: string[]): Submitted<Op>[] {
    const lockedSet = new Set(locked);
    for (const k of batch.keys) {
      if (requested.get(k) === batch) requested.delete(k);
      if (lockedSet.has(k)) holding.set(k, batch);
    }
    // A waiting batch asked for its keys and waited: one it did not get has no row (the runner answers 404).
    const taken = takeFor(batch.mode === 'wait' ? batch.keys : locked);
    if (batch.mode === 'skip') for (const k of batch.keys) if (!lockedSet.has(k)) contended.add(k);
    // Queue the next batches now: follow-ups behind this one, waiters for what it skipped.
    queueMicrotask(pump);
    return taken;
  }

  async function runBatch(batch: Batch) {
    let untakenRetries = 0;
    const taken: { items: Submitted<Op>[] | null } = { items: null };
    for (;;) {
      try {
        const outcomes = await options.run(batch.keys, batch.mode, (locked) => (taken.items = takeLocked(batch, locked)));
        answer(taken.items ?? [], outcomes);
        return;
      } catch (error) {
        if (taken.items === null) {
          if (!stopped && untakenRetries < MAX_UNTAKEN_RETRIES && options.retryUntaken?.(error)) {
            untakenRetries++;
            continue;
          }
          // Failed before it held its locks (no connection, a lock wait that ran out, cancelled):
          // the operations it asked for fail with it; nothing was applied.
          for (const k of batch.keys) if (requested.get(k) === batch) requested.delete(k);
          for (const item of takeFor(batch.keys)) item.reject(error);
          return;
        }
        await retryTaken(taken.items, error);
        return;
      }
    }
  }

  function answer(items: Submitted<Op>[], outcomes: Outcome[]) {
    items.forEach((item, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) item.resolve(outcome.value);
      else item.reject(outcome.error);
    });
  }

  /** A batch that failed after taking its operations: nothing of it was committed. */
  async function retryTaken(items: Submitted<Op>[], error: unknown) {
    if (error instanceof AfterApplyFailed) {
      // That caller gets its hook's error; the others go again, together.
      items[error.index]!.reject(error.reason);
      const rest = items.filter((_, i) => i !== error.index);
      if (rest.length) await runTaken(rest);
      return;
    }
    const keys = [...new Set(items.map((item) => item.key))].sort();
    if (keys.length > 1 && !stopped && options.isolate?.(error)) {
      // One org's failing write must not fail the others: each org again, on its own.
      await Promise.all(keys.map((k) => runTaken(items.filter((item) => item.key === k))));
      return;
    }
    for (const item of items) item.reject(error);
  }

  /** Runs operations already taken (a retry) as a batch of their own, waiting for their keys. */
  async function runTaken(items: Submitted<Op>[]) {
    const keys = [...new Set(items.map((item) => item.key))].sort();
    const taken = { done: false };
    try {
      const outcomes = await options.run(keys, 'wait', () => {
        taken.done = true;
        return items;
      });
      answer(items, outcomes);
    } catch (error) {
      if (!taken.done) {
        for (const item of items) item.reject(error);
        return;
      }
      await retryTaken(items, error);
    }
  }

  return {
    submit<T>(key: string, op: Op, afterApply?: AfterApply<T>): Promise<T> {
      if (stopped) return Promise.reject(options.stoppedError?.() ?? new Error('stopped'));
      return new Promise<T>((resolve, reject) => {
        queue.push({ key, op, afterApply: afterApply as AfterApply<unknown> | undefined, resolve: resolve as (v: unknown) => void, reject });
        pump();
      });
    },
    /** Operations of `key` not yet taken by a batch (tests use it to line a batch up). */
    waiting(key: string) {
      return queue.filter((item) => item.key === key).length;
    },
    /**
     * Shutdown: operations not taken yet are refused, and batches still running must not commit
     * (the runner checks `stopped` before its commit): a caller whose connection is cut at the
     * deadline never has an effect it was not told about (ADR 020).
     */
    stop() {
      stopped = true;
      const error = options.stoppedError?.() ?? new Error('stopped');
      for (const item of queue) item.reject(error);
      queue = [];
    },
    get stopped() {
      return stopped;
    },
  };
}
