/**
 * `pnpm test:cluster`: brings the cluster up (deploy/cluster.sh: nginx -> 3 BFF instances ->
 * pgbouncer -> PostgreSQL 15 primary + streaming replica), drives it through nginx, and takes it
 * down. Not part of `pnpm test` (it builds, starts a dozen processes and takes minutes); README
 * "Run it as a cluster". Exits 1 on the first failed check.
 *
 *  1. sign-in (demo owner) and a request id from nginx in the instance's log;
 *  2. four orgs signed up through nginx (link from the outbox, sandbox purchase, API key);
 *  3. exactness: 500 concurrent `record` on a balance covering 100 -> exactly 100 succeed;
 *  4. metering for three orgs: each org's calls reach one instance (routing by org, ADR 022);
 *  5. SIGKILL of the instance serving an org under load: its calls move to another instance,
 *     retries with the same Idempotency-Key are charged once;
 *  6. rolling restart under 50 clients of metering load: no failed request;
 *  7. history reads from the replica; with the replica stopped they are still answered;
 *  8. /metrics of an instance holds the named series after the load;
 *  9. every org's balance = Σ its ledger, no overdraft, no key charged twice.
 *
 * Its own run directory and ports (a `pnpm cluster` already up is not touched): CLUSTER_DIR
 * (deploy/.run-test), CLUSTER_PORT 8180, instances on 3201.., metrics 9201.., PostgreSQL 55442
 * (replica 55443), pgbouncer 56442. SKIP_BUILD=1 uses the last `pnpm build`; CLUSTER_KEEP=1
 * leaves the cluster up afterwards. After a failure the cluster's logs are copied to
 * deploy/.run-test-failed/.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Browser, cluster, clusterConfig, ledgerProblems, log, meterLoad, newOrg, psql, record, request, sleep, transport, type Org } from './cluster-lib.ts';

const c = clusterConfig({ dir: 'deploy/.run-test', port: 8180, basePort: 3200, metricsBasePort: 9200, pgPort: 55442, bouncerPort: 56442 });
const run = randomBytes(3).toString('hex');
let step = 0;
function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`FAILED: ${what}`);
  log(`ok  ${what}`);
}
const section = (title: string) => log(`--- ${++step}. ${title}`);

/** Which instances (upstream ports) served each org, from nginx's access log (flushed every second). */
async function upstreamsByOrg(since = 0): Promise<Map<string, Map<string, number>>> {
  await sleep(1500);
  const lines = readFileSync(path.join(c.dir, 'nginx-access.log'), 'utf8').split('\n').slice(since);
  const byOrg = new Map<string, Map<string, number>>();
  for (const line of lines) {
    const m = / org=([0-9a-f]{32}) upstream=(.*) upstream_time=/.exec(line);
    if (!m || !line.includes('/api/v1/metering/')) continue;
    // a request retried on the next instance lists every upstream it tried: the last one answered
    const last = m[2]!.split(/[,:] /).at(-1)!.trim();
    const counts = byOrg.get(m[1]!) ?? new Map<string, number>();
    counts.set(last, (counts.get(last) ?? 0) + 1);
    byOrg.set(m[1]!, counts);
  }
  return byOrg;
}
const accessLogLines = () => readFileSync(path.join(c.dir, 'nginx-access.log'), 'utf8').split('\n').length - 1;
const instanceOfPort = (upstream: string) => Number(upstream.split(':').at(-1)) - c.basePort;
const usageRows = (org: Org, prefix: string) => psql(c.pgPort, `select count(*) from usage_records where org_id = '${org.orgId}' and idempotency_key like '${prefix}%'`).then(Number);
const replicaScans = () => psql(c.replicaPort, `select coalesce(sum(coalesce(idx_scan, 0) + coalesce(seq_scan, 0)), 0) from pg_stat_user_tables where relname = 'usage_records'`).then(Number);

const started = Date.now();
let failed = false;
try {
  log(`cluster up in ${c.dir} (nginx :${c.port})`);
  await cluster(c, ['up']);

  section('sign-in through nginx, request id in the logs');
  const demo = new Browser(c.port);
  const login = await demo.call('POST', '/api/auth/login', { email: 'owner@acme.test', password: 'password123' });
  check(login.status === 200, `demo owner signs in through nginx (answered ${login.status})`);
  const session = await demo.call('GET', '/api/auth/session');
  check(session.status === 200, 'the session cookie is honoured by whichever instance answers');
  // Successful requests are logged at debug; a refused sign-in is logged at info (the cluster's level).
  const refused = await new Browser(c.port).call('POST', '/api/auth/login', { email: 'owner@acme.test', password: 'not-the-password' });
  const requestId = String(refused.headers['x-request-id'] ?? '');
  check(refused.status === 401 && /^[0-9a-f]{32}$/.test(requestId), `a wrong password answers ${refused.status} with nginx's X-Request-Id (${requestId})`);
  await sleep(300);
  const logs = [1, 2, 3].map((i) => readFileSync(path.join(c.dir, `bff-${i}.log`), 'utf8')).join('\n');
  check(logs.includes(requestId), 'the instance logged that request under the same id');

  section('four orgs sign up through nginx (link from the outbox, sandbox purchase, API key)');
  const exact = await newOrg(c, 'exact', 'starter');
  const orgs: Org[] = [];
  for (const label of ['a', 'b', 'c']) orgs.push(await newOrg(c, label, 'ultimate'));
  check(true, `orgs ${[exact, ...orgs].map((o) => o.orgId.slice(0, 8)).join(', ')} have credits and API keys`);

  section('exactness: 500 concurrent record calls on a balance covering 100');
  // A cost per call of a hundredth of the balance (sign-up credits + the Starter bundle): gpt-4o
  // input tokens at 2,500 millicredits per 1k, so 1,000 mc is 400 tokens.
  const [balance, overage] = (await psql(c.pgPort, `select balance_mc, overage_limit_mc from credit_accounts where org_id = '${exact.orgId}'`)).split('|').map(BigInt) as [bigint, bigint];
  const cost = balance / 100n;
  check(overage === 0n && balance % 100_000n === 0n, `the org holds ${balance} mc and no overage: a call of ${cost} mc fits 100 times`);
  const inputTokens = Number((cost * 1000n) / 2500n);
  const answers = await Promise.all(
    Array.from({ length: 500 }, (_, i) => record(c.port, exact, `${run}-exact-${i}`, { useCase: 'chat', model: 'gpt-4o', inputTokens, outputTokens: 0 })),
  );
  const ok = answers.filter((a) => a.status === 200).length;
  const statuses = [...new Set(answers.map((a) => a.status))].sort().join(', ');
  check(ok === 100, `exactly 100 of 500 succeed (${ok}; statuses ${statuses})`);
  const after = BigInt(await psql(c.pgPort, `select balance_mc from credit_accounts where org_id = '${exact.orgId}'`));
  check(after === 0n, `the balance is spent to 0 exactly (${after})`);

  section('metering for three orgs: each org is served by one instance');
  const mark = accessLogLines();
  const steady = await meterLoad({ port: c.port, orgs, pickOrg: (w) => orgs[w % 3]!, clients: 30, seconds: 5, run: `${run}-steady` });
  check(steady.failures === 0, `${steady.done} calls, ${steady.opsPerSecond.toFixed(0)}/s, p99 ${steady.p99.toFixed(0)} ms, no failure`);
  const routed = await upstreamsByOrg(mark);
  for (const org of orgs) {
    const ups = routed.get(org.orgHex);
    check(ups?.size === 1, `org ${org.orgId.slice(0, 8)}'s calls all went to one instance (${[...(ups ?? new Map<string, number>())].map(([u, n]) => `${u} x${n}`).join(', ')})`);
  }

  section('SIGKILL of the instance serving an org, under load');
  const victimOrg = orgs[1]!;
  const victim = instanceOfPort([...routed.get(victimOrg.orgHex)!.keys()][0]!);
  const killMark = accessLogLines();
  const killed = sleep(2000).then(() => cluster(c, ['kill', String(victim)]));
  const underKill = await meterLoad({ port: c.port, orgs, pickOrg: (w) => orgs[w % 3]!, clients: 30, seconds: 6, run: `${run}-kill` });
  await killed;
  const statusText = [...underKill.statuses].map(([s, n]) => `${s} x${n}`).join(', ') || 'none';
  check(true, `${underKill.done} calls while instance ${victim} was killed: ${underKill.failures} answered otherwise first (${statusText}), each retried with its key`);
  const movedTo = [...((await upstreamsByOrg(killMark)).get(victimOrg.orgHex)?.keys() ?? [])].map(instanceOfPort);
  check(movedTo.some((i) => i !== victim), `org ${victimOrg.orgId.slice(0, 8)}'s calls moved from instance ${victim} to ${movedTo.filter((i) => i !== victim).join(', ')}`);
  for (const org of orgs) {
    const rows = await usageRows(org, `${run}-kill-`);
    const keys = underKill.keys.get(org.orgId)!.size;
    check(rows === keys, `org ${org.orgId.slice(0, 8)}: ${keys} keys answered, ${rows} usage rows (each charged once)`);
  }
  await cluster(c, ['start', String(victim)]);
  check(true, `instance ${victim} started again`);
  // An instance's start takes the migrator's advisory lock through pgbouncer: none may stay behind
  // on a pooled server connection (it would stop the next instance from starting).
  const leftLocks = await psql(c.pgPort, `select count(*) from pg_locks where locktype = 'advisory'`);
  check(leftLocks === '0', `no advisory lock left on the primary after the start (${leftLocks})`);

  section('rolling restart of the three instances under load');
  const resends0 = transport.keepAliveResends;
  const restart = cluster(c, ['restart']);
  const underRestart = await meterLoad({ port: c.port, orgs, pickOrg: (w) => orgs[w % 3]!, clients: 50, seconds: 180, run: `${run}-roll`, until: restart });
  await restart;
  check(
    underRestart.failures === 0,
    `${underRestart.done} calls during the restart, ${underRestart.failures} failed (${underRestart.samples.join('; ') || 'none'}); ` +
      `${transport.keepAliveResends - resends0} sent again on a new connection after nginx's reload closed the kept-alive one before reading them`,
  );

  section('history from the replica; replica stopped: still answered');
  const reader = orgs[2]!.owner;
  await sleep(1500); // the replica replays the load; the reader's last own write (its API key) is long replayed
  const scans0 = await replicaScans();
  for (let i = 0; i < 5; i++) check((await reader.call('GET', '/api/credits/usage')).status === 200, `history page ${i + 1} answered`);
  // A backend flushes its table statistics when idle, at the latest after 10 s (PostgreSQL 15).
  let scans1 = await replicaScans();
  for (let waited = 0; scans1 <= scans0 && waited < 15_000; waited += 500) {
    await sleep(500);
    scans1 = await replicaScans();
  }
  check(scans1 > scans0, `the replica ran the history queries (usage_records scans on the replica ${scans0} -> ${scans1})`);
  await cluster(c, ['replica-stop']);
  for (const p of ['/api/credits/usage', '/api/credits/charts', '/api/credits/usage.csv']) {
    const t = Date.now();
    const a = await reader.call('GET', p);
    check(a.status === 200, `${p} answered ${a.status} in ${Date.now() - t} ms with the replica down (read from the primary)`);
  }
  await cluster(c, ['replica-start']);

  section('/metrics of the instances');
  const batches: number[] = [];
  for (const i of [1, 2, 3]) {
    const metrics = await request(c.metricsBasePort + i, 'GET', '/metrics', {});
    check(metrics.status === 200, `instance ${i} serves /metrics on its metrics port`);
    for (const series of ['aic_http_request_duration_seconds_count', 'aic_ledger_batch_size_count', 'aic_ledger_lock_wait_seconds_count', 'aic_db_pool_connections', 'aic_replica_lag_seconds']) {
      check(metrics.text.includes(series), `instance ${i}: ${series}`);
    }
    batches.push(Number(/^aic_ledger_batch_size_count (\S+)$/m.exec(metrics.text)?.[1] ?? NaN));
  }
  // an instance counts from its last start (the rolling restart): the ones serving an org since then committed batches
  check(batches.reduce((a, b) => a + b, 0) > 0, `ledger batches committed since the restart, by instance: ${batches.join(' / ')}`);
  check(!(await request(c.port, 'GET', '/metrics', {})).text.includes('aic_ledger_batch_size'), 'the metrics are not served through nginx (public port)');

  section('ledger');
  const problems = await ledgerProblems(c.pgPort);
  check(problems.length === 0, `balance = sum of ledger for every org, no overdraft, no key charged twice${problems.length ? `: ${problems.join('; ')}` : ''}`);
  log(`PASSED in ${((Date.now() - started) / 1000).toFixed(0)} s`);
} catch (err) {
  failed = true;
  log(err instanceof Error ? (err.stack ?? err.message) : String(err));
  // The logs outlive `down` (which deletes the run directory).
  const kept = `${c.dir}-failed`;
  rmSync(kept, { recursive: true, force: true });
  mkdirSync(kept, { recursive: true });
  for (const f of existsSync(c.dir) ? readdirSync(c.dir).filter((n) => n.endsWith('.log')) : []) copyFileSync(path.join(c.dir, f), path.join(kept, f));
  log(`FAILED; the cluster's logs are in ${kept}`);
} finally {
  if (process.env.CLUSTER_KEEP !== '1') await cluster(c, ['down']).catch((err: unknown) => log(String(err)));
  process.exitCode = failed ? 1 : 0;
}
