import closeWithGrace from 'close-with-grace';
import { createApp } from './app';
import { createEmbeddedDb, createPostgresDb, migrateToLatest, NO_DB_TIME_LIMITS } from './db/db';
import { dbTimeLimits, loadEnvOrExit } from './env';
import { systemClock } from './lib/clock';
import { drainHttpServer } from './lib/drain';
import { createLogger } from './lib/logger';
import { metricsServer } from './lib/metrics';
import { seedDemoIfEmpty } from './seed/demo-seed';
import { startSweeps } from './sweeps';

const env = loadEnvOrExit();
const logger = createLogger(env.LOG_LEVEL);
const onConnectionLost = (err: Error) => logger.warn({ err }, 'database connection lost');
const db = env.DATABASE_URL ? createPostgresDb(env.DATABASE_URL, env.DB_POOL_MAX, onConnectionLost, dbTimeLimits(env)) : await createEmbeddedDb(env.DATA_DIR);
if (!env.DATABASE_URL) logger.info({ dataDir: env.DATA_DIR }, 'no DATABASE_URL: using the embedded PGlite database');
// Heavy reads get a small pool of their own: they can never take the ledger's connections (ADR 020).
const readDb = env.DATABASE_URL ? createPostgresDb(env.DATABASE_URL, env.DB_HEAVY_READ_POOL_MAX, onConnectionLost, dbTimeLimits(env)) : undefined;

if (env.DATABASE_URL) {
  // Migrations may rewrite big tables: on a connection of their own, without the request time limits.
  const migrationDb = createPostgresDb(env.DATABASE_URL, 1, onConnectionLost, NO_DB_TIME_LIMITS);
  try {
    await migrateToLatest(migrationDb);
  } finally {
    await migrationDb.destroy();
  }
} else {
  await migrateToLatest(db);
}
const app = createApp({ env, db, readDb, clock: systemClock, logger });
if (env.SEED_DEMO) await seedDemoIfEmpty(app.services, logger);
const stopSweeps = startSweeps(app.services);

const server = app.listen(env.PORT, env.HOST, () => {
  logger.info(`AI Credits listening on http://localhost:${env.PORT}`);
});
const metrics = env.METRICS_PORT === undefined ? null : metricsServer(app.services.metrics).listen(env.METRICS_PORT, env.METRICS_HOST);
metrics?.on('listening', () => logger.info(`metrics on http://${env.METRICS_HOST}:${env.METRICS_PORT}/metrics`));

/** A signal within this long of the first is the same stop relayed by a parent (pnpm forwards what its group already got). */
const RELAYED_SIGNAL_MS = 1_000;

/**
 * SIGTERM/SIGINT (or an uncaught error): readiness turns 503, the server stops accepting and
 * drains in-flight requests and sweeps, closes whatever is still open after
 * SHUTDOWN_TIMEOUT_MS, closes the pool and exits 0 (1 after an uncaught error). A second signal
 * exits at once; if the close itself hangs, close-with-grace exits 1 a little after the deadline.
 */
const graceful = closeWithGrace(
  {
    delay: env.SHUTDOWN_TIMEOUT_MS + 5_000,
    logger: { error: (message: unknown) => logger.error(message) },
    // Ours below: close-with-grace would take pnpm's relay of the group's signal for a second one.
    skip: ['SIGTERM', 'SIGINT'],
    onTimeout: (delay) => logger.error({ delay }, 'shutdown did not finish in time: exiting'),
  },
  async ({ signal, err }) => {
    if (err) logger.error({ err }, 'uncaught error: shutting down');
    logger.info({ signal, timeoutMs: env.SHUTDOWN_TIMEOUT_MS }, 'shutting down: draining in-flight requests');
    app.lifecycle.draining = true;
    // Streamed answers still running shortly before the deadline are stopped: each settles what it
    // produced and ends its response, so the drain below finishes with them (ADR 026).
    const stopStreamsAfterMs = Math.max(0, env.SHUTDOWN_TIMEOUT_MS - Math.min(2_000, env.SHUTDOWN_TIMEOUT_MS / 4));
    // At the deadline, connections still open are cut; their ledger work still waiting must not
    // commit after that (their callers were told nothing): the ledger stops first (ADR 020).
    const [{ forced }] = await Promise.all([
      drainHttpServer(server, env.SHUTDOWN_TIMEOUT_MS, () => app.services.ledger.stop()),
      stopSweeps(),
      app.services.ai.drainStreams(stopStreamsAfterMs),
    ]);
    if (forced) logger.warn('closed connections still open at the shutdown deadline');
    metrics?.close();
    // A request drained last may have started a dispatch of the mail it queued.
    await app.services.email.idle();
    app.services.email.close();
    await app.services.reads.close();
    await readDb?.destroy();
    await db.destroy();
    logger.info('shut down');
  },
);

let firstSignalAt: number | null = null;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (firstSignalAt === null) {
      firstSignalAt = Date.now();
      logger.info({ signal }, 'signal received');
      graceful.close();
    } else if (Date.now() - firstSignalAt > RELAYED_SIGNAL_MS) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
  });
}
