import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { creditsContract } from '@ai-credits/shared/contracts/credits';
import { adminUrl, scratchDatabase } from '../support/fault-helpers';
import { Client, startApp, type TestApp } from '../support/harness';

// PostgreSQL out of connection slots (53300 "sorry, too many clients already": other services, or
// other test suites, on the same server) while this instance already holds connections of its
// own. A request used to answer 503 DATABASE_UNAVAILABLE at once, though its pool's
// connections were fine and free again within milliseconds (seen on a loaded CI machine: a
// refused AI call answered 503 instead of 402, a credits summary 503 instead of 200). Now the
// request waits for one of the pool's own connections, as it does when the pool is full.
//
// The server's slots are simulated by a login role with CONNECTION LIMIT (same SQLSTATE 53300),
// so the shared test server's own slots are never used up.
const SLOTS = 4;
let scratch: Awaited<ReturnType<typeof scratchDatabase>>;
/** Role management on the server's admin database (the scratch database is dropped with force). */
let admin: pg.Client;
let app: TestApp;
const role = `slots_${randomBytes(4).toString('hex')}`;
let roleUrl: string;

beforeAll(async () => {
  scratch = await scratchDatabase();
  admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`create role ${role} login connection limit ${SLOTS}`);
  const owner = new pg.Client({ connectionString: scratch.url });
  await owner.connect();
  await owner.query(`grant all on all tables in schema public to ${role}`);
  await owner.query(`grant all on all sequences in schema public to ${role}`);
  await owner.end();
  roleUrl = Object.assign(new URL(scratch.url), { username: role }).toString();
  app = await startApp({ databaseUrl: roleUrl, poolMax: 10 });
});
afterAll(async () => {
  await app?.close();
  await scratch?.drop();
  await admin?.query(`drop role if exists ${role}`);
  await admin?.end();
});

/** Signed in, and a session whose every request reads the database (session, org, balance). */
async function signedIn() {
  const owner = new Client(app.baseUrl);
  await owner.signup();
  return owner;
}

describe('the database server out of connection slots', () => {
  it('30 concurrent requests while the pool holds connections of its own: each waits for one and answers 200', async () => {
    const owner = await signedIn();
    const results = await Promise.all(Array.from({ length: 30 }, () => owner.call(creditsContract.summary)));
    expect(results.map((r) => (r.status === 200 ? 200 : `${r.status} ${r.body.error?.code}`))).toEqual(Array(30).fill(200));
    // The pool never held more connections than the server granted.
    const { rows } = await admin.query<{ n: number }>('select count(*)::int as n from pg_stat_activity where usename = $1', [role]);
    expect(rows[0]!.n).toBeLessThanOrEqual(SLOTS);
  });

  it('no slot at all and no connection of its own: 503 DATABASE_UNAVAILABLE at once, as before', async () => {
    const signed = await signedIn();
    // A fresh instance (no connection of its own yet); every slot of the role taken outside it.
    await app.close();
    app = await startApp({ databaseUrl: roleUrl, poolMax: 10 });
    const owner = Object.assign(new Client(app.baseUrl), { cookie: signed.cookie, csrfToken: signed.csrfToken });
    const holders = Array.from({ length: SLOTS }, () => new pg.Client({ connectionString: roleUrl }));
    await Promise.all(holders.map((h) => h.connect()));
    try {
      const started = Date.now();
      const res = await owner.call(creditsContract.summary);
      expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 503, code: 'DATABASE_UNAVAILABLE' });
      // Not after the 15 s connect timeout: the server refused, nothing of ours will free up.
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await Promise.all(holders.map((h) => h.end()));
    }
    expect((await owner.call(creditsContract.summary)).status).toBe(200);
  });
});
