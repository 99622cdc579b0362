import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createEmbeddedDb } from '../src/db/db';

// The zero-setup database must close cleanly too: graceful shutdown ends with db.destroy(), which
// failed on the embedded database ("Cannot read from private field") and made the exit status 1.
describe('the embedded PGlite database', () => {
  it('answers a query and closes', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'aic-pglite-'));
    try {
      const db = await createEmbeddedDb(dir);
      const { rows } = await sql<{ one: number }>`select 1 as one`.execute(db);
      expect(rows).toEqual([{ one: 1 }]);
      await expect(db.destroy()).resolves.toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
