import { rateLimited } from '../http/http-error';

/**
 * Bounds the heavy reads (usage history pages, the CSV export, charts) running at once, per org
 * and per instance (ADR 020): one member's flood of exports waits in its own org's line and can
 * neither take every connection nor slow another org's metering. A read that finds no slot waits
 * up to `maxWaitMs` in arrival order, then is answered 429 RATE_LIMITED with Retry-After.
 */
export interface ReadGateLimits {
  perOrg: number;
  perInstance: number;
  maxWaitMs: number;
}

const RETRY_AFTER_SECONDS = 2;

export function createReadGate(limits: ReadGateLimits) {
  const runningByOrg = new Map<string, number>();
  let running = 0;
  const waiting: { orgId: string; grant(): void }[] = [];

  const fits = (orgId: string) => running < limits.perInstance && (runningByOrg.get(orgId) ?? 0) < limits.perOrg;

  function enter(orgId: string) {
    running++;
    runningByOrg.set(orgId, (runningByOrg.get(orgId) ?? 0) + 1);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      running--;
      const n = runningByOrg.get(orgId)! - 1;
      if (n) runningByOrg.set(orgId, n);
      else runningByOrg.delete(orgId);
      // The first waiter that fits now (an org at its own limit does not hold up the others).
      const next = waiting.findIndex((w) => fits(w.orgId));
      if (next >= 0) waiting.splice(next, 1)[0]!.grant();
    };
  }

  /** Waits for a slot for `orgId`; resolves with the function that gives it back. */
  function acquire(orgId: string): Promise<() => void> {
    if (fits(orgId) && !waiting.some((w) => w.orgId === orgId)) return Promise.resolve(enter(orgId));
    return new Promise((resolve, reject) => {
      const entry = {
        orgId,
        grant: () => {
          clearTimeout(timer);
          resolve(enter(orgId));
        },
      };
      const timer = setTimeout(() => {
        waiting.splice(waiting.indexOf(entry), 1);
        reject(rateLimited('Too many exports and charts are being read for this organization right now. Please try again in a moment.', RETRY_AFTER_SECONDS));
      }, limits.maxWaitMs);
      waiting.push(entry);
    });
  }

  return {
    acquire,
    /** Runs `fn` inside a slot. */
    async run<T>(orgId: string, fn: () => Promise<T>): Promise<T> {
      const leave = await acquire(orgId);
      try {
        return await fn();
      } finally {
        leave();
      }
    },
    /** A stream that holds a slot from its first chunk until it ends (or its reader goes away). */
    async *stream<T>(orgId: string, chunks: () => AsyncGenerator<T>): AsyncGenerator<T> {
      const leave = await acquire(orgId);
      try {
        yield* chunks();
      } finally {
        leave();
      }
    },
  };
}
