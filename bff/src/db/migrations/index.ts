import type { Migration } from 'kysely';
import * as core from './2026_11_25_0001_core';

/**
 * Every migration, by its frozen timestamped name (Kysely runs them in name order).
 * A static list rather than a folder scan, so the same code runs under tsx, vitest and a bundler.
 */
export const migrations: Record<string, Migration> = {
  '2026_11_25_0001_core': core,
};
