/**
 * What `pnpm test:cluster` (cluster-test.ts) and `pnpm bench:cluster` (cluster-bench.ts) share:
 * driving deploy/cluster.sh, psql on the cluster's databases, a signed-in owner through nginx, an
 * org with credits and an API key, and a metering load. Node built-ins only (run by `node`, types
 * stripped), so nothing here needs an install beyond the cluster's own.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';

export const ROOT = path.resolve(import.meta.dirname, '..');
const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

/** Ports and run directory of one cluster (cluster.sh's variables); `env` is what cluster.sh is run with. */
export function clusterConfig(defaults: { dir: string; port: number; basePort: number; metricsBasePort: number; pgPort: number; bouncerPort: number }) {
  const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
  const c = {
    dir: process.env.CLUSTER_DIR ?? path.join(ROOT, defaults.dir),
    port: num('CLUSTER_PORT', defaults.port),
    basePort: num('CLUSTER_BASE_PORT', defaults.basePort),
    metricsBasePort: num('CLUSTER_METRICS_BASE_PORT', defaults.metricsBasePort),
    pgPort: num('CLUSTER_PG_PORT', defaults.pgPort),
    bouncerPort: num('CLUSTER_PGBOUNCER_PORT', defaults.bouncerPort),
  };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CLUSTER_DIR: c.dir,
    CLUSTER_PORT: String(c.port),
    CLUSTER_BASE_PORT: String(c.basePort),
    CLUSTER_METRICS_BASE_PORT: String(c.metricsBasePort),
    CLUSTER_PG_PORT: String(c.pgPort),
    CLUSTER_PGBOUNCER_PORT: String(c.bouncerPort),
  };
  return { ...c, replicaPort: c.pgPort + 1, env };
}
export type Cluster = ReturnType<typeof clusterConfig>;

export function log(line: string) {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

/** `bash deploy/cluster.sh <args>`; its output goes to stderr as it comes. */
export function cluster(c: Cluster, args: string[], extraEnv: Record<string, string> = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [path.join(ROOT, 'deploy/cluster.sh'), ...args], { env: { ...c.env, ...extraEnv }, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`cluster.sh ${args.join(' ')} exited ${code}`))));
  });
}

/** One value (or rows, one a line, columns split by |) from psql as postgres on a cluster database. */
export async function psql(port: number, query: string): Promise<string> {
  const { stdout } = await promisify(execFile)(`${PG_BIN}/psql`, ['-X', '-q', '-tA', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'aic', '-c', query]);
  return stdout.trim();
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: unknown;
  text: string;
}

/**
 * Requests sent again because the kept-alive connection they went out on was closed under them
 * before any answer (nginx closes idle client connections when a reload retires its old workers;
 * the request never reached it). Browsers and most HTTP clients resend those by themselves; Node's
 * agent leaves it to the caller (its docs: `req.reusedSocket`).
 */
export const transport = { keepAliveResends: 0 };

/** One HTTP request; a connection error is an answer with status 0 (the caller decides whether to retry). */
export async function request(port: number, method: string, pathName: string, headers: Record<string, string>, body?: unknown): Promise<Answer> {
  for (;;) {
    const answer = await requestOnce(port, method, pathName, headers, body);
    if (answer.status !== -1) return answer;
    transport.keepAliveResends++;
  }
}

/** status -1: the reused connection was reset before any answer. */
function requestOnce(port: number, method: string, pathName: string, headers: Record<string, string>, body?: unknown): Promise<Answer> {
  const data = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: pathName,
        method,
        agent,
        headers: { ...(data === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(data)) }), ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (err) => resolve({ status: 0, headers: {}, body: null, text: String(err) }));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = null;
          try {
            parsed = text ? JSON.parse(text) : null;
          } catch {
            parsed = null;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed, text });
        });
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => {
      const resetBeforeAnswer = req.reusedSocket && err.code === 'ECONNRESET';
      resolve({ status: resetBeforeAnswer ? -1 : 0, headers: {}, body: null, text: String(err) });
    });
    req.end(data);
  });
}

/** A browser's view of the app through nginx: cookies and the CSRF token of its session. */
export class Browser {
  private cookies = new Map<string, string>();
  csrf = '';
  private readonly port: number;
  constructor(port: number) {
    this.port = port;
  }

  async call(method: string, pathName: string, body?: unknown): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (this.csrf && method !== 'GET') headers['x-csrf-token'] = this.csrf;
    const answer = await request(this.port, method, pathName, headers, body);
    for (const line of answer.headers['set-cookie'] ?? []) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      if (eq > 0) this.cookies.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
    }
    const csrf = (answer.body as { csrfToken?: unknown } | null)?.csrfToken;
    if (typeof csrf === 'string') this.csrf = csrf;
    return answer;
  }

  /** The call, which must succeed (2xx); else an error naming what it answered. */
  async expect<T>(method: string, pathName: string, body?: unknown): Promise<T> {
    const answer = await this.call(method, pathName, body);
    if (answer.status < 200 || answer.status > 299) throw new Error(`${method} ${pathName} answered ${answer.status}: ${answer.text.slice(0, 300)}`);
    return answer.body as T;
  }
}

export interface Org {
  orgId: string;
  orgHex: string;
  email: string;
  owner: Browser;
  token: string;
}

/**
 * Sign up through nginx as a new owner, confirm the address with the link from the outbox (emails
 * stay in the outbox in this cluster: ALLOW_OUTBOX_EMAIL), buy a bundle with the sandbox gateway,
 * and create an API key for the metering API.
 */
export async function newOrg(c: Cluster, label: string, bundleId: string): Promise<Org> {
  const owner = new Browser(c.port);
  const email = `${label}-${randomBytes(4).toString('hex')}@cluster.test`;
  await owner.expect('POST', '/api/auth/signup', { orgName: `Cluster ${label}`, name: `Owner ${label}`, email, password: 'password123' });
  const body = await psql(c.pgPort, `select body_text from account_email_outbox where to_address = '${email}' order by seq desc limit 1`);
  const token = /verify-email#token=([A-Za-z0-9_-]+)/.exec(body)?.[1];
  if (!token) throw new Error(`no confirmation link in the outbox for ${email}`);
  const session = await owner.expect<{ org: { id: string } }>('POST', '/api/auth/verify-email', { token });
  const orgId = session.org.id;
  const checkout = await owner.expect<{ purchaseId: string }>('POST', '/api/billing/purchases', { bundleId });
  const callback = await owner.expect<unknown>('POST', '/api/billing/sandbox/pay', { purchaseId: checkout.purchaseId, outcome: 'success' });
  await owner.expect('POST', `/api/billing/purchases/${checkout.purchaseId}/verify`, callback);
  const key = await owner.expect<{ token: string }>('POST', '/api/api-keys', { name: `cluster ${label}` });
  return { orgId, orgHex: orgId.replaceAll('-', ''), email, owner, token: key.token };
}

export interface MeterBody {
  useCase: 'chat' | 'report' | 'test_generation';
  model: string;
  inputTokens: number;
  outputTokens: number;
}
export const SMALL_CALL: MeterBody = { useCase: 'chat', model: 'gpt-4o-mini', inputTokens: 100, outputTokens: 10 };

export function record(port: number, org: Org, key: string, body: MeterBody = SMALL_CALL) {
  return request(port, 'POST', '/api/v1/metering/record', { authorization: `Bearer ${org.token}`, 'idempotency-key': key }, body);
}

export function percentiles(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
  return { p50: q(0.5), p95: q(0.95), p99: q(0.99) };
}

export interface LoadResult {
  done: number;
  opsPerSecond: number;
  p50: number;
  p95: number;
  p99: number;
  /** Answers other than 200 (a connection error counts as one); each was retried with the same key until it answered 200. */
  failures: number;
  statuses: Map<number, number>;
  /** The first few answers that were not 200 (status and text). */
  samples: string[];
  /** Every key that was answered 200 (once each), by org id. */
  keys: Map<string, Set<string>>;
}

/**
 * `clients` workers record metering calls through `port` for `seconds` (or until `until` settles);
 * worker w meters for `pickOrg(w)`. A call not answered 200 is counted as a failure and retried
 * with the same Idempotency-Key (as a client would) until it is, so every key ends charged once.
 */
export async function meterLoad(opts: { port: number; orgs: Org[]; pickOrg: (w: number) => Org; clients: number; seconds: number; run: string; body?: MeterBody; until?: Promise<unknown> }): Promise<LoadResult> {
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  const samples: string[] = [];
  const keys = new Map<string, Set<string>>(opts.orgs.map((o) => [o.orgId, new Set<string>()]));
  let done = 0;
  let failures = 0;
  const t0 = performance.now();
  let until = t0 + opts.seconds * 1000;
  // With `until`: the load runs until it settles (then `seconds` is only an upper bound).
  void opts.until?.then(
    () => (until = 0),
    () => (until = 0),
  );
  await Promise.all(
    Array.from({ length: opts.clients }, async (_, w) => {
      const org = opts.pickOrg(w);
      for (let i = 0; performance.now() < until; i++) {
        const key = `${opts.run}-${w}-${i}`;
        const t = performance.now();
        for (let attempt = 1; ; attempt++) {
          const answer = await record(opts.port, org, key, opts.body);
          if (answer.status === 200) break;
          failures++;
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          if (samples.length < 5) samples.push(`${answer.status} ${answer.text.slice(0, 160)}`);
          if (attempt >= 50) throw new Error(`key ${key}: ${answer.status} 50 times: ${answer.text.slice(0, 200)}`);
          await sleep(100);
        }
        latencies.push(performance.now() - t);
        keys.get(org.orgId)!.add(key);
        done++;
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  return { done, opsPerSecond: done / elapsed, ...percentiles(latencies), failures, statuses, samples, keys };
}

/** Balance = Σ ledger and no overdraft, for every org; and no Idempotency-Key with two usage rows. */
export async function ledgerProblems(pgPort: number): Promise<string[]> {
  const problems: string[] = [];
  const broken = await psql(
    pgPort,
    `select count(*) from credit_accounts a
      where a.balance_mc <> coalesce((select sum(amount_mc) from ledger_entries l where l.org_id = a.org_id), 0)
         or a.balance_mc < -a.overage_limit_mc`,
  );
  if (broken !== '0') problems.push(`${broken} orgs whose balance is not the sum of their ledger, or overdrawn`);
  const doubled = await psql(pgPort, `select count(*) from (select 1 from usage_records where idempotency_key is not null group by org_id, idempotency_key having count(*) > 1) d`);
  if (doubled !== '0') problems.push(`${doubled} Idempotency-Keys charged more than once`);
  return problems;
}
