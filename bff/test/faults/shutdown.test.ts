import { randomUUID } from 'node:crypto';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aiContract } from '@ai-credits/shared/contracts/ai';
import { apiKeysContract } from '@ai-credits/shared/contracts/api-keys';
import { meteringContract } from '@ai-credits/shared/contracts/metering';
import { orgContract } from '@ai-credits/shared/contracts/org';
import { createPostgresDb, type Db } from '../../src/db/db';
import { buildBff, exitOf, startBff } from '../support/bff-process';
import { scratchDatabase, waitFor } from '../support/fault-helpers';
import { createOrg, uniq, type TestApp } from '../support/harness';
import { expectOrgInvariants } from '../support/ledger-assertions';

// Issue 9 fault 3: `pnpm start` ran the server through tsx, whose signal relay SIGKILLs the
// child 30 ms after SIGTERM: most in-flight requests were lost. Now the built JavaScript runs
// under node and drains on SIGTERM. These tests start the real process group, as production does.
let scratch: Awaited<ReturnType<typeof scratchDatabase>>;
let db: Db;

/** A fake OpenAI-compatible provider that holds every answer until the test releases them. */
function heldModelProvider() {
  const waiting: (() => void)[] = [];
  let released = false;
  const content = JSON.stringify({
    testCases: [{ area: 'Checkout', title: 'Saved cart survives sign-out', preconditions: 'Two items in the cart', steps: ['Sign out', 'Sign in'], expectedResult: 'Both items are still there' }],
  });
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    const answer = () =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }], usage: { prompt_tokens: 120, completion_tokens: 80 } }),
      );
    if (released) answer();
    else waiting.push(answer);
  });
  return {
    server,
    waiting: () => waiting.length,
    release() {
      released = true;
      waiting.splice(0).forEach((answer) => answer());
    },
    async listen() {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    },
  };
}

/**
 * One metering call over node:http with `Expect: 100-continue`: `received` resolves when the
 * server has read the request line and headers (it answers 100 Continue), so the call is in
 * flight in the server for sure; only then is the body sent.
 */
function recordUsage(baseUrl: string, token: string, idempotencyKey = `drain-${randomUUID()}`) {
  const body = JSON.stringify({ useCase: 'chat', model: 'gpt-4o-mini', inputTokens: 100, outputTokens: 50 });
  let received!: () => void;
  const receivedP = new Promise<void>((resolve) => (received = resolve));
  const status = new Promise<number | string>((resolve) => {
    const req = request(`${baseUrl}${meteringContract.record.path}`, {
      method: 'POST',
      agent: false,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        'idempotency-key': idempotencyKey,
        expect: '100-continue',
      },
    });
    req.on('continue', () => {
      received();
      req.end(body);
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', (e) => {
      received();
      resolve(String(e));
    });
  });
  return { received: receivedP, status };
}

beforeAll(async () => {
  buildBff();
  scratch = await scratchDatabase();
  db = createPostgresDb(scratch.url, 2);
}, 180_000);
afterAll(async () => {
  await db?.destroy();
  await scratch?.drop();
});

// Real processes and waits on a 2-core CI machine: a generous bound per test (nothing here is timed).
describe('graceful shutdown of the built server', { timeout: 90_000 }, () => {
  it('SIGTERM to the process group with 100 metering calls and 10 AI generations in flight: all answered, exit 0', async () => {
    const model = heldModelProvider();
    const aiBaseUrl = await model.listen();
    const bff = await startBff(scratch.url, { AI_BASE_URL: aiBaseUrl, AI_MODEL: 'gpt-4o-mini', AI_API_KEY: 'sk-test' });
    const holder = new pg.Client({ connectionString: scratch.url });
    const monitor = new pg.Client({ connectionString: scratch.url });
    try {
      const org = await createOrg({ baseUrl: bff.baseUrl } as TestApp);
      const { token } = (await org.owner.call(apiKeysContract.create, { body: { name: 'load' } })).data;
      const project = (await org.owner.call(orgContract.createProject, { body: { name: uniq('Project ') } })).data;

      // In flight for sure: the generations wait on the model (held by the fake provider), then
      // the metering calls wait on the org's ledger lock (held here), until after the signal.
      const generations = Array.from({ length: 10 }, (_, i) =>
        org.owner
          .call(aiContract.generateTestCases, { body: { projectId: project.id, requirement: `Requirement number ${i}: a saved cart survives sign-out` } })
          .then((r) => r.status, (e: unknown) => `${String(e)}`),
      );
      await waitFor('the generations to reach the model', async () => model.waiting() === 10);
      await holder.connect();
      await monitor.connect();
      await holder.query('begin');
      await holder.query('select org_id from credit_accounts where org_id = $1 for no key update', [org.orgId]);
      const metering = Array.from({ length: 100 }, () => recordUsage(bff.baseUrl, token));
      // Expect: 100-continue makes the server say it has the request before the body is sent.
      await Promise.all(metering.map((m) => m.received));
      await waitFor('metering calls waiting on the org lock', async () => {
        const { rows } = await monitor.query<{ n: number }>(`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`);
        // Group commit: one transaction of the org waits on the lock, the rest queue in the process.
        return rows[0]!.n >= 1;
      });

      bff.signal('SIGTERM');
      // Draining: the instance reports itself not ready on a new request... and refuses new connections.
      await waitFor('the listener to close', () => fetch(`${bff.baseUrl}/api/health`).then(() => false, () => true));
      await holder.query('rollback');
      model.release();

      expect(await Promise.all(metering.map((m) => m.status))).toEqual(Array(100).fill(200));
      expect(await Promise.all(generations)).toEqual(Array(10).fill(201));
      expect(await exitOf(bff)).toEqual({ code: 0, signal: null });

      const usage = await db.selectFrom('usage_records').select('id').where('org_id', '=', org.orgId).execute();
      expect(usage).toHaveLength(110);
      await expectOrgInvariants(db, org.orgId, new Date());
    } finally {
      bff.signal('SIGKILL');
      await holder.end().catch(() => undefined);
      await monitor.end().catch(() => undefined);
      await new Promise((resolve) => model.server.close(resolve));
    }
  });

  it('calls still waiting on an org lock when SHUTDOWN_TIMEOUT_MS cuts their connections: none of them commits later, the process exits 0, and their retries are charged once', async () => {
    // No lock time limit: the calls wait for the held org for as long as the holder keeps it.
    const env = { SHUTDOWN_TIMEOUT_MS: '1000', DB_LOCK_TIMEOUT_MS: '0' };
    let bff = await startBff(scratch.url, env);
    const holder = new pg.Client({ connectionString: scratch.url });
    const monitor = new pg.Client({ connectionString: scratch.url });
    try {
      const org = await createOrg({ baseUrl: bff.baseUrl } as TestApp);
      const { token } = (await org.owner.call(apiKeysContract.create, { body: { name: 'load' } })).data;
      await holder.connect();
      await monitor.connect();
      await holder.query('begin');
      await holder.query('select org_id from credit_accounts where org_id = $1 for no key update', [org.orgId]);
      const keys = Array.from({ length: 20 }, () => `cut-${randomUUID()}`);
      const calls = keys.map((key) => recordUsage(bff.baseUrl, token, key));
      await Promise.all(calls.map((m) => m.received));
      await waitFor('a batch waiting on the org lock', async () => {
        const { rows } = await monitor.query<{ n: number }>(`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`);
        return rows[0]!.n >= 1;
      });

      bff.signal('SIGTERM');
      // The deadline cuts every connection still open: the callers are told nothing.
      await waitFor('the shutdown deadline', async () => bff.log().includes('closed connections still open at the shutdown deadline'));
      expect((await Promise.all(calls.map((m) => m.status))).every((st) => typeof st === 'string')).toBe(true);
      // Only now does the lock go: the waiting batch gets it, and must not commit what nobody was told.
      await holder.query('rollback');
      expect(await exitOf(bff, 30_000)).toEqual({ code: 0, signal: null });
      expect(await db.selectFrom('usage_records').select('id').where('org_id', '=', org.orgId).execute()).toEqual([]);
      await expectOrgInvariants(db, org.orgId, new Date());

      // The callers retry with the same keys on the next instance: each is charged exactly once.
      bff = await startBff(scratch.url, env);
      const retried = await Promise.all(keys.map((key) => recordUsage(bff.baseUrl, token, key).status));
      expect(retried).toEqual(Array(20).fill(200));
      const again = await Promise.all(keys.map((key) => recordUsage(bff.baseUrl, token, key).status));
      expect(again).toEqual(Array(20).fill(200));
      expect(await db.selectFrom('usage_records').select('id').where('org_id', '=', org.orgId).execute()).toHaveLength(20);
      await expectOrgInvariants(db, org.orgId, new Date());
    } finally {
      bff.signal('SIGKILL');
      await holder.end().catch(() => undefined);
      await monitor.end().catch(() => undefined);
    }
  });

  it('every request log line and the shutdown line reach stdout when the process stops', async () => {
    // request logging is off under NODE_ENV=test
    const bff = await startBff(scratch.url, { NODE_ENV: 'development', LOG_LEVEL: 'info' });
    try {
      const statuses = await Promise.all(Array.from({ length: 30 }, () => fetch(`${bff.baseUrl}/api/auth/session`).then((r) => r.status)));
      expect(statuses).toEqual(Array(30).fill(401));
      bff.signal('SIGTERM');
      expect(await exitOf(bff)).toEqual({ code: 0, signal: null });
      const lines = bff.log().split('\n').filter((line) => line.includes('"url":"/api/auth/session"'));
      expect(lines).toHaveLength(30);
      expect(bff.log()).toContain('"msg":"shut down"');
    } finally {
      bff.signal('SIGKILL');
    }
  });

  it('a client stalled mid-request does not keep the server up past SHUTDOWN_TIMEOUT_MS', async () => {
    const bff = await startBff(scratch.url, { SHUTDOWN_TIMEOUT_MS: '1000' });
    try {
      const { port } = new URL(bff.baseUrl);
      // One client stops halfway through its headers, another halfway through its body.
      const sockets = await Promise.all(
        ['GET /api/health HTTP/1.1\r\nHost: x\r\nX-Slow: ', 'POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"email":'].map(
          (partial) =>
            new Promise<ReturnType<typeof connect>>((resolve) => {
              const s = connect(Number(port), '127.0.0.1', () => s.write(partial, () => resolve(s)));
              s.on('error', () => undefined);
            }),
        ),
      );
      const closed = sockets.map((s) => new Promise<void>((resolve) => s.once('close', () => resolve())));
      bff.signal('SIGTERM');
      // Bounded by exitOf: without a deadline the server would wait for these sockets for ever.
      expect(await exitOf(bff, 20_000)).toEqual({ code: 0, signal: null });
      await Promise.all(closed);
      expect(bff.log()).toContain('closed connections still open at the shutdown deadline');
    } finally {
      bff.signal('SIGKILL');
    }
  });

  it('a second signal ends the process at once', async () => {
    const bff = await startBff(scratch.url, { SHUTDOWN_TIMEOUT_MS: '60000' });
    try {
      const { port } = new URL(bff.baseUrl);
      const stalled = connect(Number(port), '127.0.0.1', () => stalled.write('GET /api/health HTTP/1.1\r\nHost: x\r\n'));
      stalled.on('error', () => undefined);
      await new Promise((resolve) => stalled.once('connect', resolve));
      bff.signal('SIGTERM');
      await waitFor('the listener to close', () => fetch(`${bff.baseUrl}/api/health`).then(() => false, () => true));
      // A signal within a second of the first is taken for pnpm relaying the group's signal.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      bff.signal('SIGTERM');
      const exit = await exitOf(bff, 20_000);
      expect(exit.code).not.toBe(0);
      expect(bff.log()).toContain('second signal: exiting now');
    } finally {
      bff.signal('SIGKILL');
    }
  });

  it('the process killed while an AI answer is being saved: nothing is charged, and the same click runs again', async () => {
    // The save of this message hangs; PostgreSQL notices a vanished client within 200 ms.
    const admin = new pg.Client({ connectionString: scratch.url });
    await admin.connect();
    const dbName = new URL(scratch.url).pathname.slice(1);
    await admin.query(`alter database "${dbName}" set client_connection_check_interval = '200ms'`);
    await admin.query(`
      create or replace function hang_marked_save() returns trigger language plpgsql as $$
      begin
        if new.content like '%HANG-THE-SAVE%' then perform pg_sleep(30); end if;
        return new;
      end $$;
      drop trigger if exists hang_marked_save on ai_messages;
      create trigger hang_marked_save before insert on ai_messages for each row execute function hang_marked_save();`);
    // A 5 s reservation: a claim abandoned by a dead process is taken over after that long.
    const env = { RESERVATION_TTL_SECONDS: '5' };
    let bff = await startBff(scratch.url, env);
    try {
      const org = await createOrg({ baseUrl: bff.baseUrl } as TestApp);
      const project = (await org.owner.call(orgContract.createProject, { body: { name: uniq('Project ') } })).data;
      const before = await db.selectFrom('credit_accounts').select('balance_mc').where('org_id', '=', org.orgId).executeTakeFirstOrThrow();
      const key = `k-${randomUUID()}`;
      const body = { projectId: project.id, message: 'Which areas lack tests? HANG-THE-SAVE' };

      const killed = org.owner.call(aiContract.chat, { body, headers: { 'idempotency-key': key } }).then(
        (r) => r.status,
        () => 'no answer',
      );
      await waitFor('the save to hang', async () => {
        const { rows } = await admin.query(`select 1 from pg_stat_activity where datname = current_database() and wait_event = 'PgSleep'`);
        return rows.length > 0;
      });
      bff.signal('SIGKILL');
      await exitOf(bff);
      expect(await killed).toBe('no answer');
      await waitFor('PostgreSQL to end the dead client\'s transaction', async () => {
        const { rows } = await admin.query(`select 1 from pg_stat_activity where datname = current_database() and wait_event = 'PgSleep'`);
        return rows.length === 0;
      });
      // Nothing of the killed call was kept: no usage, no charge.
      expect(await db.selectFrom('usage_records').select('id').where('org_id', '=', org.orgId).execute()).toEqual([]);
      expect(await db.selectFrom('credit_accounts').select('balance_mc').where('org_id', '=', org.orgId).executeTakeFirstOrThrow()).toEqual(before);

      await admin.query('alter table ai_messages disable trigger hang_marked_save');
      bff = await startBff(scratch.url, env);
      const client = org.owner;
      Object.assign(client, { baseUrl: bff.baseUrl });
      // The same click: "already running" (409) while the dead process's claim is fresh, then it runs again. Never 422.
      let retried = await client.call(aiContract.chat, { body, headers: { 'idempotency-key': key } });
      const statuses = [retried.status];
      await waitFor(
        'the abandoned claim to go stale',
        async () => {
          if (retried.status !== 409) return true;
          retried = await client.call(aiContract.chat, { body, headers: { 'idempotency-key': key } });
          statuses.push(retried.status);
          return false;
        },
        30_000,
      );
      expect(statuses.filter((st) => st !== 409)).toEqual([201]);
      const again = await client.call(aiContract.chat, { body, headers: { 'idempotency-key': key } });
      expect(again.body).toEqual(retried.body);

      expect(await db.selectFrom('usage_records').select('idempotency_key').where('org_id', '=', org.orgId).execute()).toEqual([{ idempotency_key: `app:${key}` }]);
      // The dead process's reservation holds nothing past its expiry; the org's next reservation
      // marks it expired. (The claim goes stale from its own start, a moment before the
      // reservation was made, so the retry above may have run just before that expiry.)
      await waitFor('the dead process\'s reservation to pass its expiry', async () => {
        const { rows } = await admin.query(`select 1 from reservations where org_id = $1 and status = 'open' and expires_at > now()`, [org.orgId]);
        return rows.length === 0;
      });
      const next = await client.call(aiContract.chat, { body: { projectId: project.id, message: 'And which areas are covered best?' }, headers: { 'idempotency-key': `k-${randomUUID()}` } });
      expect(next.status).toBe(201);
      await expectOrgInvariants(db, org.orgId, new Date());
    } finally {
      bff.signal('SIGKILL');
      await admin.end();
    }
  });
});
