import { createEmbeddedDb, createPostgresDb, migrateToLatest, NO_DB_TIME_LIMITS } from '../db/db';
import { loadEnvOrExit } from '../env';
import { systemClock } from '../lib/clock';
import { createLogger } from '../lib/logger';
import { createServices } from '../services';
import { seedDemo, DEMO_USERS } from './demo-seed';

// `pnpm seed`: adds the demo org to the configured database (refuses if it is already there).
const env = loadEnvOrExit();
const logger = createLogger(env.LOG_LEVEL);
const db = env.DATABASE_URL ? createPostgresDb(env.DATABASE_URL, 5, undefined, NO_DB_TIME_LIMITS) : await createEmbeddedDb(env.DATA_DIR);
await migrateToLatest(db);
const existing = await db.selectFrom('users').select('id').where('email', '=', DEMO_USERS[0].email).executeTakeFirst();
if (existing) {
  logger.info('the demo organization already exists; nothing to do');
} else {
  await seedDemo(createServices({ env, db, clock: systemClock, logger }), logger);
}
await db.destroy();
