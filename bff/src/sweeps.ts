import type { Services } from './services';

/**
 * Periodic jobs. None is required for correctness (rollovers settle on first read/write; an
 * unsettled reservation stops holding credits at its expiry), they only do the work earlier.
 * Safe to run on every instance at once: each job takes the same row locks as requests do.
 */
interface SweepJob {
  name: string;
  everyMs: number;
  run(services: Services): Promise<unknown>;
}

const jobs: SweepJob[] = [
  // Rollovers due and reservations past their expiry, for every org (ADR 020).
  { name: 'ledger.housekeeping', everyMs: 30_000, run: (s) => s.ledger.sweep() },
  // A paid order whose callback and webhook were both lost is still granted (docs/product.md "Buying credits").
  { name: 'billing.reconcile', everyMs: 60_000, run: (s) => s.billing.reconcile() },
  // Auto top-ups decided in a ledger batch whose kick was missed (a restart), and charges interrupted mid-way (ADR 025).
  { name: 'billing.autoTopUp', everyMs: 10_000, run: (s) => s.autoTopUp.sweep() },
  // Emails queued in the outbox go out over SMTP (a no-op without SMTP_URL); rows that failed are retried here.
  { name: 'email.dispatch', everyMs: 10_000, run: (s) => s.email.dispatch() },
];

/** Starts the jobs; the returned function stops them and resolves once no run is in flight. */
export function startSweeps(services: Services): () => Promise<void> {
  const running = new Set<Promise<unknown>>();
  const timers = jobs.map((job) =>
    setInterval(() => {
      const run = job
        .run(services)
        .then(
          () => services.metrics.recordSweep(job.name, true),
          (err: unknown) => {
            services.metrics.recordSweep(job.name, false);
            services.logger.error({ err, job: job.name }, 'sweep failed');
          },
        )
        .finally(() => running.delete(run));
      running.add(run);
    }, job.everyMs),
  );
  for (const t of timers) t.unref();
  return async () => {
    timers.forEach(clearInterval);
    await Promise.all([...running, services.email.idle()]);
  };
}
