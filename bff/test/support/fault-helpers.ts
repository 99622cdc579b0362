import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createPostgresDb, migrateToLatest } from '../../src/db/db';

export const adminUrl = () => process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function databaseUrl(serverUrl: string, name: string) {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * A fresh database migrated with the production migrations: the test run's (global-setup.ts), or
 * a fault test's own (fault tests terminate every backend of their database, which must never hit
 * another test file's connections).
 */
export async function scratchDatabase(serverUrl = adminUrl(), prefix = 'ai_credits_fault'): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = databaseUrl(serverUrl, name);
  const db = createPostgresDb(url, 2);
  await migrateToLatest(db);
  await db.destroy();
  return {
    url,
    async drop() {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

/** Polls `check` every 50 ms until it holds; fails after `timeoutMs` (a bound on waiting, never a timed assertion). */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
