import { createApp } from './app';
import { createEmbeddedDb, createPostgresDb, migrateToLatest } from './db/db';
import { loadEnv } from './env';
import { systemClock } from './lib/clock';
import { createLogger } from './lib/logger';
import { seedDemoIfEmpty } from './seed/demo-seed';
import { startSweeps } from './sweeps';

const env = loadEnv();
const logger = createLogger(env.LOG_LEVEL);
const db = env.DATABASE_URL
  ? createPostgresDb(env.DATABASE_URL, env.DB_POOL_MAX, (err) => logger.warn({ err }, 'database connection lost'))
  : await createEmbeddedDb(env.DATA_DIR);
if (!env.DATABASE_URL) logger.info({ dataDir: env.DATA_DIR }, 'no DATABASE_URL: using the embedded PGlite database');

await migrateToLatest(db);
const app = createApp({ env, db, clock: systemClock, logger });
if (env.SEED_DEMO) await seedDemoIfEmpty(app.services, logger);
const stopSweeps = startSweeps(app.services);

const server = app.listen(env.PORT, env.HOST, () => {
  logger.info(`AI Credits listening on http://localhost:${env.PORT}`);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    stopSweeps();
    server.close(() => void db.destroy().then(() => process.exit(0)));
  });
}
