/**
 * `pnpm bench:cluster`: metering through the cluster (nginx -> N BFF instances -> pgbouncer ->
 * PostgreSQL 15) with 1, 2 and 3 instances, next to one instance alone on the same database
 * (no balancer, no pooler) and pgbench on the same primary, all in one run on one machine; then
 * history reads under metering load with the replica serving them and with it stopped. Prints a
 * markdown table for docs/benchmarks.md. Compare rows of one run, not runs: the machine is shared.
 *
 * Its own run directory and ports (deploy/.run-bench, nginx :8280, instances 3301.., metrics
 * 9301.., PostgreSQL 55452 (+1 replica), pgbouncer 56452; the lone instance :3350).
 * BENCH_SECONDS (per measurement, 8), BENCH_CLIENTS (50), SKIP_BUILD=1, CLUSTER_KEEP=1.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { type Browser, cluster, clusterConfig, ledgerProblems, log, meterLoad, newOrg, percentiles, psql, ROOT, sleep, type LoadResult, type Org } from './cluster-lib.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 50);
const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
const c = clusterConfig({ dir: 'deploy/.run-bench', port: 8280, basePort: 3300, metricsBasePort: 9300, pgPort: 55452, bouncerPort: 56452 });
const LONE_PORT = c.basePort + 50;
const run = randomBytes(3).toString('hex');
const rows: string[][] = [];
const ms = (x: number) => `${x.toFixed(0)} ms`;

/** What else the machine is doing: load average and the busiest other processes. */
async function machine(): Promise<string> {
  const { stdout } = await promisify(execFile)('ps', ['-eo', 'pcpu,comm', '--sort=-pcpu', '--no-headers']);
  const top = stdout.trim().split('\n').slice(0, 6).map((l) => l.trim().replace(/\s+/, '% ')).join(', ');
  return `load average ${loadavg().map((l) => l.toFixed(2)).join(' / ')} on ${cpus().length} cores; busiest: ${top}`;
}

/** pgbench on the cluster's primary: lock an org row, debit it, append a ledger row, commit. */
async function pgbench(orgs: number): Promise<number> {
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
    const { stdout } = await promisify(execFile)(`${PG_BIN}/pgbench`, ['-n', '-c', String(CLIENTS), '-j', '2', '-T', String(SECONDS), '-f', script, '-h', '127.0.0.1', '-p', String(c.pgPort), '-U', 'postgres', 'anchor']);
    const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(stdout)?.[1];
    if (!tps) throw new Error(`pgbench printed no tps:\n${stdout}`);
    return Number(tps);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One BFF instance straight on the primary, as `pnpm start` runs it: no nginx, no pgbouncer, no replica. */
async function startLone(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--enable-source-maps', path.join(ROOT, 'bff/dist/server.js')], {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      PORT: String(LONE_PORT),
      HOST: '127.0.0.1',
      DATABASE_URL: `postgres://aic@127.0.0.1:${c.pgPort}/aic`,
      DB_POOL_MAX: '20',
      PUBLIC_URL: `http://127.0.0.1:${LONE_PORT}`,
      SELLER_LEGAL_NAME: 'TestKase Demo Private Limited',
      SELLER_ADDRESS: '1 Demo Street, Indiranagar, Bengaluru 560038, Karnataka, India',
      SELLER_GSTIN: '29AAACT1234A1ZX',
      SEED_DEMO: 'false',
      WEB_DIST: '',
      LOG_LEVEL: 'info',
      ALLOW_SANDBOX_PAYMENTS: 'true',
      ALLOW_DEMO_MODEL: 'true',
      ALLOW_OUTBOX_EMAIL: 'true',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; ; i++) {
    const ok = await fetch(`http://127.0.0.1:${LONE_PORT}/api/ready`).then((r) => r.ok, () => false);
    if (ok) return child;
    if (i > 600) throw new Error('the lone instance did not start');
    await sleep(100);
  }
}

async function measure(port: number, orgs: Org[], oneOrg: boolean, label: string): Promise<LoadResult> {
  // warm-up: JIT, pool connections, every org's instance
  await meterLoad({ port, orgs, pickOrg: (w) => (oneOrg ? orgs[0]! : orgs[w % orgs.length]!), clients: CLIENTS, seconds: 2, run: `${run}-warm-${label}` });
  const r = await meterLoad({ port, orgs, pickOrg: (w) => (oneOrg ? orgs[0]! : orgs[w % orgs.length]!), clients: CLIENTS, seconds: SECONDS, run: `${run}-${label}` });
  if (r.failures) throw new Error(`${label}: ${r.failures} calls failed (${r.samples.join('; ')})`);
  log(`${label}: ${r.opsPerSecond.toFixed(0)} ops/s, p50 ${ms(r.p50)}, p99 ${ms(r.p99)}`);
  return r;
}
const line = (label: string, r: LoadResult, anchor: number) => [label, `${r.opsPerSecond.toFixed(0)} ops/s`, ms(r.p50), ms(r.p95), ms(r.p99), `${(r.opsPerSecond / anchor).toFixed(2)}×`];

/** CPU time (ms) of a PostgreSQL server: its postmaster (postmaster.pid in its data directory) and every backend it forked. */
function serverCpuMs(dataDir: string): number {
  const postmaster = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ');
      // fields[1] is the parent's pid; utime and stime are fields[11] and [12], in ticks of 10 ms
      if (Number(entry) === postmaster || Number(fields[1]) === postmaster) total += (Number(fields[11]) + Number(fields[12])) * 10;
    } catch {
      // the process ended while we read
    }
  }
  return total;
}
const primaryCpuMs = () => serverCpuMs(path.join(c.dir, 'pg-primary'));

/**
 * Signed-in readers loop over `paths` (one GET after the other) while the other clients meter
 * 20 orgs through nginx. Returns a table row: reads/s and their p50/p99, metering ops/s and p99,
 * and the primary's CPU per read (what the replica takes off it, when it serves those reads).
 */
async function readsUnderLoad(readers: Browser[], orgs: Org[], paths: string[], label: string) {
  const latencies: number[] = [];
  let reads = 0;
  let failed = 0;
  const cpu0 = primaryCpuMs();
  const started = Date.now();
  const until = started + SECONDS * 1000;
  const writing = meterLoad({ port: c.port, orgs, pickOrg: (w) => orgs[w % orgs.length]!, clients: CLIENTS - readers.length, seconds: SECONDS, run: `${run}-rw-${label.replace(/[^A-Za-z0-9]+/g, '-')}` });
  await Promise.all(
    readers.map(async (reader) => {
      for (let i = 0; Date.now() < until; i++) {
        const t = performance.now();
        const a = await reader.call('GET', paths[i % paths.length]!);
        if (a.status !== 200) failed++;
        latencies.push(performance.now() - t);
        reads++;
      }
    }),
  );
  const w = await writing;
  const primaryCpu = primaryCpuMs() - cpu0;
  const p = percentiles(latencies);
  log(`${label}: reads ${(reads / SECONDS).toFixed(0)}/s p99 ${ms(p.p99)}, metering ${w.opsPerSecond.toFixed(0)} ops/s p99 ${ms(w.p99)}`);
  if (failed) throw new Error(`${label}: ${failed} reads failed`);
  if (w.failures) throw new Error(`${label}: ${w.failures} metering calls failed (${w.samples.join('; ')})`);
  return [label, `${(reads / SECONDS).toFixed(0)} reads/s`, ms(p.p50), ms(p.p99), `${w.opsPerSecond.toFixed(0)} ops/s`, ms(w.p99), `${(primaryCpu / (reads + w.done)).toFixed(2)} ms`];
}

/** The AI Credits page's dashboard reads: the cards, the charts of the month, the first page of history. */
const DASHBOARD = ['/api/credits/summary', '/api/credits/charts', '/api/credits/usage'];
const HISTORY = ['/api/credits/usage'];

let lone: ChildProcess | undefined;
let failed = false;
const startedAt = new Date();
try {
  const before = await machine();
  await cluster(c, ['up'], { CLUSTER_ENV: 'RATE_LIMIT_SIGNUPS_PER_IP=1000' });
  log('20 orgs sign up through nginx and buy credits');
  const orgs: Org[] = [];
  for (let i = 0; i < 20; i++) orgs.push(await newOrg(c, `bench${i}`, 'ultimate'));
  const hot = [orgs[0]!];

  await psql(c.pgPort, 'create database anchor');
  const anchorSql = (q: string) => promisify(execFile)(`${PG_BIN}/psql`, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', String(c.pgPort), '-U', 'postgres', '-d', 'anchor', '-c', q]);
  await anchorSql('create table anchor_org (id int primary key, balance bigint not null)');
  await anchorSql('create table anchor_ledger (id bigint generated always as identity primary key, org_id int not null, amount bigint not null, balance_after bigint not null)');
  await anchorSql('insert into anchor_org select g, 1000000000 from generate_series(1, 20) g');

  const anchor20 = await pgbench(20);
  const anchor1 = await pgbench(1);
  log(`pgbench: ${anchor20.toFixed(0)} tps (20 orgs), ${anchor1.toFixed(0)} tps (1 org)`);

  lone = await startLone();
  const lone20 = await measure(LONE_PORT, orgs, false, 'lone-20');
  const lone1 = await measure(LONE_PORT, hot, true, 'lone-1');
  lone.kill('SIGTERM');
  await new Promise((r) => lone!.once('exit', r));
  lone = undefined;

  const readers = orgs.slice(0, 10).map((o) => o.owner);
  const through: { n: number; twenty: LoadResult; one: LoadResult }[] = [];
  const dashboards: string[][] = [];
  for (const n of [1, 2, 3]) {
    await cluster(c, ['scale', String(n)]);
    through.push({ n, twenty: await measure(c.port, orgs, false, `cluster${n}-20`), one: await measure(c.port, hot, true, `cluster${n}-1`) });
    dashboards.push(await readsUnderLoad(readers, orgs, DASHBOARD, `${n} instance${n > 1 ? 's' : ''}`));
  }

  // the lone instance again: how much the machine drifted during the run
  lone = await startLone();
  const lone20b = await measure(LONE_PORT, orgs, false, 'lone-20-again');
  lone.kill('SIGTERM');
  await new Promise((r) => lone!.once('exit', r));
  lone = undefined;

  const withReplica = await readsUnderLoad(readers, orgs, HISTORY, 'replica serving history');
  await cluster(c, ['replica-stop']);
  // one read per reader first: the instances notice the replica is gone (reads fall back to the primary)
  await Promise.all(readers.map((r) => r.call('GET', '/api/credits/usage')));
  const withoutReplica = await readsUnderLoad(readers, orgs, HISTORY, 'replica stopped: history on the primary');
  await cluster(c, ['replica-start']);

  const problems = await ledgerProblems(c.pgPort);
  const after = await machine();

  rows.push([`pgbench anchor on the cluster's primary, 20 orgs / 1 org (${CLIENTS} clients)`, `${anchor20.toFixed(0)} / ${anchor1.toFixed(0)} tps`, '', '', '', '1.00×']);
  rows.push(line('one instance alone, straight on PostgreSQL: 20 orgs', lone20, anchor20));
  for (const t of through) rows.push(line(`nginx + pgbouncer, ${t.n} instance${t.n > 1 ? 's' : ''}: 20 orgs`, t.twenty, anchor20));
  rows.push(line('one instance alone again, after the cluster runs: 20 orgs', lone20b, anchor20));
  rows.push(line('one instance alone, straight on PostgreSQL: 1 org', lone1, anchor1));
  for (const t of through) rows.push(line(`nginx + pgbouncer, ${t.n} instance${t.n > 1 ? 's' : ''}: 1 org`, t.one, anchor1));

  console.log(`\nRun ${startedAt.toISOString()}, ${SECONDS} s per measurement, ${CLIENTS} clients (record, gpt-4o-mini, 100 + 10 tokens; every client keeps one call in flight)`);
  console.log(`Before: ${before}\nAfter: ${after}\n`);
  console.log('| metering (record) | throughput | p50 | p95 | p99 | vs pgbench |\n|---|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  console.log(`\nDashboard reads through nginx (${DASHBOARD.join(', ')}, in turn) by ${readers.length} signed-in owners while ${CLIENTS - readers.length} clients meter 20 orgs; history and charts from the replica:\n`);
  console.log('| instances | reads | read p50 | read p99 | metering | metering p99 | primary CPU per request |\n|---|---|---|---|---|---|---|');
  for (const d of dashboards) console.log(`| ${d.join(' | ')} |`);
  console.log(`\n3 instances; ${readers.length} readers page usage history while ${CLIENTS - readers.length} clients meter 20 orgs:\n`);
  console.log('| history reads | reads | read p50 | read p99 | metering | metering p99 | primary CPU per request |\n|---|---|---|---|---|---|---|');
  console.log(`| ${withReplica.join(' | ')} |\n| ${withoutReplica.join(' | ')} |`);
  console.log(`\nchecks: ${problems.length ? `FAILED: ${problems.join('; ')}` : 'balance = Σ ledger for every org, no overdraft, no key charged twice'}`);
  if (problems.length) failed = true;
} catch (err) {
  failed = true;
  log(err instanceof Error ? (err.stack ?? err.message) : String(err));
} finally {
  lone?.kill('SIGTERM');
  if (process.env.CLUSTER_KEEP !== '1') await cluster(c, ['down']).catch((err: unknown) => log(String(err)));
  process.exitCode = failed ? 1 : 0;
}
