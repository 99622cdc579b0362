/**
 * `pnpm bench`: speed of the metering path and the history queries on real PostgreSQL, each next
 * to a baseline measured in the same run on the same machine (the machines are shared and noisy:
 * compare ratios, not absolute numbers). Creates and drops its own database.
 *
 * Metering is measured end to end: the BFF runs as its own process (as in production, request
 * logging on) and 50 concurrent HTTP clients call the metering API with org API keys. The anchor
 * is pgbench on the same server at the same concurrency doing the least a correct debit can do:
 * lock the org row, debit it, append a ledger row, commit (one org, and 20 orgs).
 *
 * BENCH_DATABASE_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres),
 * BENCH_SECONDS (per measurement, default 8), BENCH_CLIENTS (default 50),
 * PGBENCH (default /usr/lib/postgresql/15/bin/pgbench), BENCH_CPU_PROF=dir (BFF writes a .cpuprofile there),
 * BENCH_METERING_ONLY=1 (the three metering measurements only: a profile of the metering path alone).
 *
 * CPU per metering request is printed for the BFF, this process (the HTTP clients) and the
 * PostgreSQL backends connected to the bench database (utime + stime from /proc; the server's
 * shared background processes, e.g. the WAL writer, are not counted).
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import pg from 'pg';
import { DEMO_SELLER } from '@ai-credits/shared/tax';
import { createPostgresDb, migrateToLatest } from '../src/db/db';
import { loadEnv } from '../src/env';
import { systemClock } from '../src/lib/clock';
import { createLogger } from '../src/lib/logger';
import { createServices } from '../src/services';
import { freePort } from '../test/support/bff-process';

const adminUrl = process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 50);
const METERING_ONLY = process.env.BENCH_METERING_ONLY === '1';
const PGBENCH = process.env.PGBENCH ?? '/usr/lib/postgresql/15/bin/pgbench';
const name = `ai_credits_bench_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`create database ${name}`);
const url = new URL(adminUrl);
url.pathname = `/${name}`;
const dbUrl = url.toString();
const db = createPostgresDb(dbUrl, 4);
const rows: string[][] = [];
const failures: string[] = [];

function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
  return { p50: q(0.5), p95: q(0.95), p99: q(0.99) };
}
const ms = (x: number) => `${x.toFixed(2)} ms`;

async function timeEach(n: number, fn: (i: number) => Promise<unknown>) {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    samples.push(performance.now() - t);
  }
  return stats(samples);
}

/** utime + stime of a process, in ms (Linux /proc; 100 ticks a second). */
function cpuMs(pid: number) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** CPU ms of every backend connected to the bench database (pid -> ms), read through the admin connection. */
async function backendCpu(): Promise<Map<number, number>> {
  const { rows } = await admin.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name]);
  const out = new Map<number, number>();
  for (const { pid } of rows) {
    try {
      out.set(pid, cpuMs(pid));
    } catch {
      // ended meanwhile
    }
  }
  return out;
}

/**
 * CPU ms the backends used between two readings: a backend that started in between counts whole
 * (the pool reopens connections it closed while idle); one gone by the second reading is not counted.
 */
function backendCpuBetween(before: Map<number, number>, after: Map<number, number>) {
  let sum = 0;
  for (const [pid, ms] of after) sum += ms - (before.get(pid) ?? 0);
  return sum;
}

async function retry<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= 10 || !String((err as { stderr?: string }).stderr).includes('too many clients')) throw err;
      console.error('pgbench: the server has no free connection slot; trying again in 3 s');
      await new Promise((r) => setTimeout(r, 3000));
    }
  }
}

/** pgbench anchor: `orgs` rows, CLIENTS clients, lock + debit + ledger append + commit. */
async function pgbenchTps(orgs: number): Promise<number> {
  const dir = mkdtempSync(path.join(tmpdir(), 'pgbench-'));
  const script = path.join(dir, 'debit.sql');
  writeFileSync(
    script,
    [
      `\\set org random(1, ${orgs})`,
      'BEGIN;',
      'SELECT balance FROM anchor_org WHERE id = :org FOR UPDATE;',
      'UPDATE anchor_org SET balance = balance - 1 WHERE id = :org;',
      'INSERT INTO anchor_ledger (org_id, amount, balance_after) VALUES (:org, -1, 0);',
      'COMMIT;',
      '',
    ].join('\n'),
  );
  try {
    // The server is shared: when its connection slots are full, wait and try again.
    const { stdout } = await retry(() => promisify(execFile)(PGBENCH, ['-n', '-c', String(CLIENTS), '-j', '2', '-T', String(SECONDS), '-f', script, dbUrl], { timeout: (SECONDS + 60) * 1000 }));
    const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(stdout)?.[1];
    if (!tps) throw new Error(`pgbench printed no tps:\n${stdout}`);
    return Number(tps);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
let httpRequests = 0;

function post(port: number, pathName: string, token: string, key: string, body: unknown) {
  const data = JSON.stringify(body);
  httpRequests++;
  return new Promise<{ status: number; body: { usage?: { id: string }; reservation?: { id: string } } }>((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: pathName,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data), authorization: `Bearer ${token}`, 'idempotency-key': key },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
          } catch (err) {
            reject(err as Error);
          }
        });
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

/**
 * CLIENTS workers loop `op` for SECONDS. Returns completed ops, latencies and the BFF's CPU time.
 * Every tenth call is sent a second time with the same Idempotency-Key (a client retry): the
 * checks below prove it had one effect.
 */
async function load(bffPid: number, op: (worker: number, i: number) => Promise<number>) {
  const latencies: number[] = [];
  let done = 0;
  const cpu0 = cpuMs(bffPid);
  const client0 = process.cpuUsage();
  const pg0 = await backendCpu();
  const requests0 = httpRequests;
  const t0 = performance.now();
  const until = t0 + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, w) => {
      for (let i = 0; performance.now() < until; i++) {
        const t = performance.now();
        const n = await op(w, i);
        done += n;
        latencies.push(performance.now() - t);
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  const requests = httpRequests - requests0;
  const client = process.cpuUsage(client0);
  const pgMs = backendCpuBetween(pg0, await backendCpu());
  return {
    done,
    opsPerSecond: done / elapsed,
    ...stats(latencies),
    cpuPerRequestMs: (cpuMs(bffPid) - cpu0) / requests,
    clientCpuPerRequestMs: (client.user + client.system) / 1000 / requests,
    pgCpuPerRequestMs: pgMs / requests,
  };
}

let bff: ReturnType<typeof spawn> | undefined;
try {
  await migrateToLatest(db);
  await sql`create table anchor_org (id int primary key, balance bigint not null)`.execute(db);
  await sql`create table anchor_ledger (id bigint generated always as identity primary key, org_id int not null, amount bigint not null, balance_after bigint not null)`.execute(db);
  await sql`insert into anchor_org select g, 1000000000 from generate_series(1, 20) g`.execute(db);

  const env = loadEnv({ DATABASE_URL: dbUrl, LOG_LEVEL: 'silent' });
  const s = createServices({ env, db, clock: systemClock, logger: createLogger('silent') });
  const newOrg = async () => {
    const { context } = await s.accounts.signup({ orgName: 'Bench', name: 'B', email: `${randomUUID()}@bench.test`, password: 'password123' });
    const orgId = context.info.org.id;
    await db.transaction().execute((trx) => s.ledger.grantInTransaction(trx, orgId, { source: 'adjustment', amountMc: 10n ** 12n }));
    const { token } = await s.apiKeys.create(orgId, context.info.user.id, 'bench');
    return { orgId, token };
  };
  const orgs: { orgId: string; token: string }[] = [];
  for (let i = 0; i < 20; i++) orgs.push(await newOrg());
  const hot = orgs[0]!;

  // The BFF, as production runs it: built (`pnpm build`: esbuild to dist/), its own `node`
  // process, request logging at info (to /dev/null).
  const port = await freePort();
  const profDir = process.env.BENCH_CPU_PROF;
  const bffDir = path.resolve(import.meta.dirname, '..');
  await promisify(execFile)(process.execPath, ['scripts/build.mjs'], { cwd: bffDir });
  bff = spawn(process.execPath, [...(profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []), '--enable-source-maps', 'dist/server.js'], {
    cwd: bffDir,
    // the production guards refuse the sandbox gateway, the demo model and outbox email unless allowed (the bench calls none)
    env: { ...process.env, NODE_ENV: 'production', PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: dbUrl, SEED_DEMO: 'false', WEB_DIST: '', LOG_LEVEL: 'info', ALLOW_SANDBOX_PAYMENTS: 'true', ALLOW_DEMO_MODEL: 'true', ALLOW_OUTBOX_EMAIL: 'true',
      // production also requires the address links point at and the seller of tax invoices (the bench sends no mail and sells nothing)
      PUBLIC_URL: `http://127.0.0.1:${port}`, SELLER_LEGAL_NAME: DEMO_SELLER.legalName, SELLER_ADDRESS: DEMO_SELLER.address, SELLER_GSTIN: DEMO_SELLER.gstin },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; ; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/api/health`).then((r) => r.ok, () => false);
    if (ok) break;
    if (i > 300) throw new Error('the BFF did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  const pid = bff.pid!;
  const run = randomBytes(3).toString('hex');
  const record = (org: { token: string }, key: string) =>
    post(port, '/api/v1/metering/record', org.token, key, { useCase: 'chat', model: 'gpt-4o-mini', inputTokens: 100, outputTokens: 10 });
  const recordOp = (pick: (w: number) => { token: string }) => async (w: number, i: number) => {
    const key = `${run}-rec-${w}-${i}`;
    const r = await record(pick(w), key);
    if (r.status !== 200) throw new Error(`record answered ${r.status}: ${JSON.stringify(r.body)}`);
    if (i % 10 === 0) {
      const again = await record(pick(w), key);
      if (again.body.usage?.id !== r.body.usage?.id) failures.push(`retry of ${key} got another usage`);
    }
    return 1;
  };
  // warm-up: JIT, pool connections
  await Promise.all(Array.from({ length: 200 }, (_, i) => record(orgs[i % 20]!, `${run}-warm-${i}`)));

  const anchor1 = await pgbenchTps(1);
  const oneOrg = await load(pid, recordOp(() => hot));
  const anchor20 = await pgbenchTps(20);
  const twentyOrgs = await load(pid, recordOp((w) => orgs[w % 20]!));
  const cycle = await load(pid, async (w, i) => {
    const r = await post(port, '/api/v1/metering/reserve', hot.token, `${run}-res-${w}-${i}`, { useCase: 'chat', model: 'gpt-4o-mini', estimateMc: 5_000 });
    if (r.status !== 200) throw new Error(`reserve answered ${r.status}: ${JSON.stringify(r.body)}`);
    const st = await post(port, '/api/v1/metering/settle', hot.token, `${run}-set-${w}-${i}`, { reservationId: r.body.reservation?.id, inputTokens: 1000, outputTokens: 500 });
    if (st.status !== 200) throw new Error(`settle answered ${st.status}: ${JSON.stringify(st.body)}`);
    return 1;
  });
  const anchor1b = await pgbenchTps(1);
  const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
  const line = (label: string, l: typeof oneOrg, unit: string, anchor: number) => [label, `${l.opsPerSecond.toFixed(0)} ${unit}`, ms(l.p50), ms(l.p95), ms(l.p99), ratio(l.opsPerSecond, anchor)];
  const cpuPer = (pick: (l: typeof oneOrg) => number) => [oneOrg, twentyOrgs, cycle].map((l) => `${pick(l).toFixed(2)} ms`).join(' / ');
  rows.push([`pgbench anchor, 1 org (${CLIENTS} clients; before / after)`, `${anchor1.toFixed(0)} / ${anchor1b.toFixed(0)} tps`, '', '', '', '1.00×']);
  rows.push([`pgbench anchor, 20 orgs (${CLIENTS} clients)`, `${anchor20.toFixed(0)} tps`, '', '', '', '1.00×']);
  rows.push(line(`record, 1 org, ${CLIENTS} concurrent`, oneOrg, 'ops/s', anchor1));
  rows.push(line(`record, 20 orgs, ${CLIENTS} concurrent`, twentyOrgs, 'ops/s', anchor20));
  rows.push(line(`reserve + settle, 1 org, ${CLIENTS} concurrent (latency of the pair)`, cycle, 'calls/s', anchor1));
  rows.push(['BFF CPU per metering request: record 1 org / 20 orgs / reserve+settle', cpuPer((l) => l.cpuPerRequestMs), '', '', '', '']);
  rows.push(['bench clients (node http) CPU per request, same three', cpuPer((l) => l.clientCpuPerRequestMs), '', '', '', '']);
  rows.push(['PostgreSQL backends CPU per request, same three', cpuPer((l) => l.pgCpuPerRequestMs), '', '', '', '']);
  if (!METERING_ONLY) {

    // Tenant isolation (issue 19, ADR 020). (a) Org `held`'s row is held by another session the
    // whole measurement: the 20 other orgs keep their latency; held's own calls answer 503 after
    // lock_timeout (or 200), never 500.
    const held = await newOrg();
    const holder = new pg.Client({ connectionString: dbUrl });
    await holder.connect();
    await holder.query('begin');
    await holder.query('select org_id from credit_accounts where org_id = $1 for no key update', [held.orgId]);
    const heldCalls = Array.from({ length: 5 }, (_, i) => record(held, `${run}-held-${i}`).then((r) => r.status));
    const whileHeld = await load(pid, recordOp((w) => orgs[w % 20]!));
    await holder.query('rollback');
    await holder.end();
    const heldStatuses = await Promise.all(heldCalls);
    if (heldStatuses.some((st) => st !== 200 && st !== 503)) failures.push(`the held org's calls answered ${heldStatuses.join(', ')}`);

    // (b) One member's 300 concurrent CSV exports (10,000 rows each) while 50 clients meter another org.
    const exporter = await newOrg();
    const exporterUser = await db.selectFrom('memberships').select('user_id').where('org_id', '=', exporter.orgId).executeTakeFirstOrThrow();
    await sql`
      insert into usage_records (org_id, occurred_at, user_id, source, use_case, model, rate_version, input_mc_per_1k, output_mc_per_1k,
        input_tokens, output_tokens, charged_mc, overage_mc, allocations)
      select ${exporter.orgId}::uuid, now() - (g || ' seconds')::interval, ${exporterUser.user_id}::uuid, 'app', 'chat',
        'gpt-4o-mini', 1, 150, 600, 1000, 500, 450, 0, '[]'::jsonb
      from generate_series(1, 10000) g`.execute(db);
    const exporterEmail = (await db.selectFrom('users').select('email').where('id', '=', exporterUser.user_id).executeTakeFirstOrThrow()).email;
    const login = await fetch(`http://127.0.0.1:${port}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: exporterEmail, password: 'password123' }) });
    const cookie = login.headers.get('set-cookie')?.split(';')[0] ?? '';
    if (login.status !== 200) failures.push(`exporter login answered ${login.status}`);
    const exportStatuses = new Map<number, number>();
    const readyStatuses = new Map<number, number>();
    let flooding = true;
    const flood = Promise.all(
      Array.from({ length: 300 }, () =>
        fetch(`http://127.0.0.1:${port}/api/credits/usage.csv`, { headers: { cookie } }).then(async (r) => {
          await r.arrayBuffer();
          exportStatuses.set(r.status, (exportStatuses.get(r.status) ?? 0) + 1);
        }),
      ),
    ).finally(() => (flooding = false));
    const probes = (async () => {
      while (flooding) {
        const st = await fetch(`http://127.0.0.1:${port}/api/ready`).then((r) => r.status, () => 0);
        readyStatuses.set(st, (readyStatuses.get(st) ?? 0) + 1);
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    const whileExporting = await load(pid, recordOp((w) => orgs[w % 20]!));
    await Promise.all([flood, probes]);
    const counts = (m: Map<number, number>) => [...m].sort(([a], [b]) => a - b).map(([st, n]) => `${n}× ${st}`).join(', ');
    if ([...exportStatuses.keys()].some((st) => st !== 200 && st !== 429)) failures.push(`exports answered ${counts(exportStatuses)}`);
    if ([...readyStatuses.keys()].some((st) => st !== 200)) failures.push(`/api/ready answered ${counts(readyStatuses)} during the exports`);

    rows.push(line(`record, 20 orgs, while a 21st org's row is held by another session (its calls: ${heldStatuses.join(', ')})`, whileHeld, 'ops/s', anchor20));
    rows.push(line(`record, 20 orgs, during 300 concurrent CSV exports of another org (exports: ${counts(exportStatuses)}; /api/ready: ${counts(readyStatuses)})`, whileExporting, 'ops/s', anchor20));
  }

  // After the load: the ledger is whole for every org, nobody overdrew, every key had one effect.
  const broken = await sql<{ id: string }>`
    select a.org_id as id from credit_accounts a
    where a.balance_mc <> coalesce((select sum(amount_mc) from ledger_entries l where l.org_id = a.org_id), 0)
       or a.balance_mc < -a.overage_limit_mc`.execute(db);
  if (broken.rows.length) failures.push(`ledger or overdraft check failed for ${broken.rows.length} orgs`);
  const doubled = await sql<{ n: string }>`
    select count(*)::text as n from (select 1 from usage_records where idempotency_key is not null group by org_id, idempotency_key having count(*) > 1) d`.execute(db);
  if (doubled.rows[0]!.n !== '0') failures.push(`${doubled.rows[0]!.n} idempotency keys had more than one effect`);
  const orphan = await sql<{ n: string }>`
    select count(*)::text as n from usage_records u where idempotency_key is not null
      and not exists (select 1 from idempotency_keys k where k.org_id = u.org_id and k.key = u.idempotency_key)`.execute(db);
  if (orphan.rows[0]!.n !== '0') failures.push(`${orphan.rows[0]!.n} usage rows without their idempotency record`);
  rows.push(['checks: balance = Σ ledger, no overdraft, one effect per key', failures.length ? 'FAILED' : 'ok', '', '', '', '']);

  bff.kill('SIGTERM');
  await new Promise((r) => bff!.once('exit', r));
  bff = undefined;

  if (!METERING_ONLY) {
    // History page deep in 100,000 rows: keyset cursor vs OFFSET (the baseline it replaces).
    const orgId = hot.orgId;
    await sql`delete from usage_daily where org_id = ${orgId}`.execute(db);
    await sql`
      insert into usage_records (org_id, occurred_at, source, use_case, model, rate_version, input_mc_per_1k, output_mc_per_1k,
        input_tokens, output_tokens, charged_mc, overage_mc, allocations)
      select ${orgId}::uuid, now() - (g || ' seconds')::interval, 'api', (array['chat','report','test_generation'])[1 + g % 3],
        'gpt-4o-mini', 1, 150, 600, 1000, 500, 450, 0, '[]'::jsonb
      from generate_series(1, 100000) g`.execute(db);
    await sql`
      insert into usage_daily (org_id, day, use_case, model, user_id, project_id, charged_mc, calls)
      select org_id, (occurred_at at time zone 'UTC')::date, use_case, model, user_id, project_id, sum(charged_mc), count(*)
      from usage_records where org_id = ${orgId} group by 1, 2, 3, 4, 5, 6`.execute(db);
    await sql`analyze usage_records`.execute(db);
    const depth = 80_000;
    const pivot = await db.selectFrom('usage_records').select(['occurred_at', 'id']).where('org_id', '=', orgId).orderBy('occurred_at', 'desc').orderBy('id', 'desc').offset(depth).limit(1).executeTakeFirstOrThrow();
    const cursor = Buffer.from(JSON.stringify([pivot.occurred_at.toISOString(), pivot.id])).toString('base64url');
    const offsetPage = await timeEach(30, () =>
      db.selectFrom('usage_records').select(['id']).where('org_id', '=', orgId).orderBy('occurred_at', 'desc').orderBy('id', 'desc').offset(depth).limit(25).execute(),
    );
    const keysetPage = await timeEach(30, () => s.credits.usage(orgId, { cursor, limit: 25 }));
    const summary = await timeEach(30, () => s.credits.summary(orgId));
    const charts = await timeEach(10, () => s.credits.charts(orgId, {}));
    rows.push([`history page at row ${depth.toLocaleString('en-US')}, OFFSET (baseline)`, '', ms(offsetPage.p50), ms(offsetPage.p95), '', '1.00×']);
    rows.push([`history page at row ${depth.toLocaleString('en-US')}, keyset (ours)`, '', ms(keysetPage.p50), ms(keysetPage.p95), '', ratio(keysetPage.p50, offsetPage.p50)]);
    rows.push(['dashboard summary (100k usage rows)', '', ms(summary.p50), ms(summary.p95), '', '']);
    rows.push(['charts, 30 days (100k usage rows)', '', ms(charts.p50), ms(charts.p95), '', '']);

  }
  console.log(`\n${SECONDS} s per measurement, ${CLIENTS} clients\n`);
  console.log(`| measurement | throughput | p50 | p95 | p99 | vs anchor |\n|---|---|---|---|---|---|`);
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  if (failures.length) {
    console.error(`\nCHECKS FAILED:\n${failures.join('\n')}`);
    process.exitCode = 1;
  }
} finally {
  bff?.kill('SIGTERM');
  agent.destroy();
  await db.destroy();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.end();
}
