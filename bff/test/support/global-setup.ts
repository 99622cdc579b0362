import type { TestProject } from 'vitest/node';
import { scratchDatabase } from './fault-helpers';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

/**
 * One fresh PostgreSQL database per test run, migrated with the production migrations.
 * TEST_DATABASE_ADMIN_URL points at a server where we may CREATE DATABASE.
 */
export default async function setup(project: TestProject) {
  const database = await scratchDatabase(undefined, 'ai_credits_test');
  project.provide('databaseUrl', database.url);
  return database.drop;
}
