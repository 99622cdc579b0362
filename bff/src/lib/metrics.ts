import { createServer, type Server } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { sql } from 'kysely';
import client from 'prom-client';
import type { Db } from '../db/db';
import type { PoolLike } from '../db/pool-registry';

/**
 * Prometheus metrics of one BFF instance (prom-client, a registry per app so tests can run several
 * apps in one process). Served on METRICS_PORT, never through the public port (docs/operations.md
 * lists the series and what to alert on). Series read from the database (outbox backlog,
 * reservations) are the same on every instance: alert on their max().
 */
export function createMetrics(deps: { db: Db }) {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });

  const httpDuration = new client.Histogram({
    name: 'aic_http_request_duration_seconds',
    help: 'HTTP requests by route (the matched route pattern) and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const batchSize = new client.Histogram({
    name: 'aic_ledger_batch_size',
    help: 'Operations per ledger group-commit batch',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
    registers: [registry],
  });
  const lockWait = new client.Histogram({
    name: 'aic_ledger_lock_wait_seconds',
    help: 'Time a ledger batch waited for its org row locks',
    buckets: [0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers: [registry],
  });
  const webhookLag = new client.Histogram({
    name: 'aic_webhook_lag_seconds',
    help: 'From the gateway creating a webhook event (its created_at) to this instance having processed it',
    buckets: [0.5, 1, 5, 15, 60, 300, 1800, 3600, 86400],
    registers: [registry],
  });
  const sweeps = new client.Counter({
    name: 'aic_sweeps_total',
    help: 'Periodic job runs by job and outcome',
    labelNames: ['job', 'outcome'] as const,
    registers: [registry],
  });

  const pools = new Map<string, PoolLike>();
  new client.Gauge({
    name: 'aic_db_pool_connections',
    help: 'PostgreSQL pool connections by pool and state (total, idle, in_use, waiting = requests queued for a connection)',
    labelNames: ['pool', 'state'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [name, p] of pools) {
        this.set({ pool: name, state: 'total' }, p.totalCount);
        this.set({ pool: name, state: 'idle' }, p.idleCount);
        this.set({ pool: name, state: 'in_use' }, p.totalCount - p.idleCount);
        this.set({ pool: name, state: 'waiting' }, p.waitingCount);
      }
    },
  });

  /** One query for every database-derived gauge, at most once per scrape; a failed read leaves them unset. */
  let snapshot: Promise<DbSnapshot | null> | null = null;
  const readSnapshot = () => (snapshot ??= dbSnapshot(deps.db).finally(() => setTimeout(() => (snapshot = null), 0)));
  const dbGauge = (name: string, help: string, pick: (s: DbSnapshot) => number) =>
    new client.Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        const s = await readSnapshot();
        if (s) this.set(pick(s));
        else this.reset();
      },
    });
  dbGauge('aic_outbox_backlog', 'Emails in the outbox not sent yet', (s) => s.outboxBacklog);
  dbGauge('aic_outbox_oldest_age_seconds', 'Age of the oldest unsent email (0 when none)', (s) => s.outboxOldestAgeSeconds);
  dbGauge('aic_reservations_open', 'Reservations open (holding credits)', (s) => s.reservationsOpen);
  dbGauge('aic_reservations_expired_open', 'Reservations past their expiry not closed yet (the next write of their org closes them)', (s) => s.reservationsExpired);

  return {
    registry,
    /** Express middleware: the duration of every request, labelled by its route pattern (never the raw URL: ids would explode the series). */
    httpMiddleware(req: Request, res: Response, next: NextFunction) {
      const end = httpDuration.startTimer();
      res.once('finish', () => {
        const route = req.route ? `${req.baseUrl}${String((req.route as { path: unknown }).path)}` : req.path.startsWith('/api') ? 'unmatched' : 'static';
        end({ method: req.method, route, status: String(res.statusCode) });
      });
      next();
    },
    /** The ledger calls this once per group-commit batch: its operation count and how long taking its org locks took. */
    recordLedgerBatch(size: number, lockWaitMs: number) {
      batchSize.observe(size);
      lockWait.observe(lockWaitMs / 1000);
    },
    /** A webhook event processed: the gateway's created_at (epoch seconds), if the event had one. */
    recordWebhook(createdAtEpochSeconds: number | undefined, now: Date) {
      if (createdAtEpochSeconds === undefined || !Number.isFinite(createdAtEpochSeconds)) return;
      webhookLag.observe(Math.max(0, now.getTime() / 1000 - createdAtEpochSeconds));
    },
    recordSweep(job: string, ok: boolean) {
      sweeps.inc({ job, outcome: ok ? 'ok' : 'failed' });
    },
    watchPool(name: string, pool: PoolLike) {
      pools.set(name, pool);
    },
    /** With a read replica: its lag at each scrape (-1 when it does not answer). Without one the series is absent. */
    watchReplicaLag(read: () => Promise<number | null>) {
      new client.Gauge({
        name: 'aic_replica_lag_seconds',
        help: 'How far the read replica (DATABASE_READ_URL) is behind the primary; -1 when it does not answer',
        registers: [registry],
        async collect() {
          this.set((await read().catch(() => null)) ?? -1);
        },
      });
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

interface DbSnapshot {
  outboxBacklog: number;
  outboxOldestAgeSeconds: number;
  reservationsOpen: number;
  reservationsExpired: number;
}

async function dbSnapshot(db: Db): Promise<DbSnapshot | null> {
  try {
    const { rows } = await sql<{ backlog: bigint; oldest: number | null; open: bigint; expired: bigint }>`
      select
        -- both outboxes: the organizations' emails and the account emails (verification, reset; ADR 028)
        (select count(*) from email_outbox where sent_at is null) + (select count(*) from account_email_outbox where sent_at is null) as backlog,
        (select extract(epoch from now() - least(
          (select min(created_at) from email_outbox where sent_at is null),
          (select min(created_at) from account_email_outbox where sent_at is null)))::float8) as oldest,
        (select count(*) from reservations where status = 'open') as open,
        (select count(*) from reservations where status = 'open' and expires_at < now()) as expired`.execute(db);
    const r = rows[0]!;
    return { outboxBacklog: Number(r.backlog), outboxOldestAgeSeconds: r.oldest ?? 0, reservationsOpen: Number(r.open), reservationsExpired: Number(r.expired) };
  } catch {
    return null;
  }
}

/** `GET /metrics` on a port of its own (METRICS_PORT): the public port and nginx never expose it. */
export function metricsServer(metrics: Metrics): Server {
  return createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    metrics.registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err)),
    );
  });
}
