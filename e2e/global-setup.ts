import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

/**
 * One run = one fresh PostgreSQL database + one BFF serving the built SPA on one origin.
 * Tests read the origin from E2E_BASE_URL (Playwright hands env set here to its workers).
 * The returned function is the teardown: stop the BFF, drop the database.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const resultsDir = path.join(here, 'test-results');

const ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DB_PREFIX = 'aic_e2e_';
/** Databases of crashed runs older than this are dropped at the start of a run. */
const STALE_AFTER_MS = 6 * 3600 * 1000;

function log(message: string): void {
  process.stderr.write(`[e2e setup] ${message}\n`);
}

function databaseUrl(admin: string, name: string): string {
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function createDatabase(): Promise<string> {
  const name = `${DB_PREFIX}${Date.now()}_${process.pid}`;
  await withAdmin(async (client) => {
    const { rows } = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${DB_PREFIX}%`]);
    for (const { datname } of rows) {
      const createdAt = Number(datname.slice(DB_PREFIX.length).split('_')[0]);
      if (Number.isFinite(createdAt) && Date.now() - createdAt > STALE_AFTER_MS) {
        await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
      }
    }
    await client.query(`CREATE DATABASE "${name}"`);
  });
  return name;
}

async function dropDatabase(name: string): Promise<void> {
  await withAdmin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

/**
 * Builds the SPA once per run into a directory of its own, so that a concurrent `vite build`
 * in the same tree (another run, a developer) cannot empty web/dist under the BFF mid-run.
 * With E2E_SKIP_BUILD=1 the existing build is served (E2E_WEB_DIST, default web/dist).
 */
function buildSpa(): { dir: string; cleanup: () => void } {
  if (process.env.E2E_SKIP_BUILD === '1') {
    const dir = path.resolve(process.env.E2E_WEB_DIST ?? path.join(root, 'web', 'dist'));
    if (!existsSync(path.join(dir, 'index.html'))) throw new Error(`E2E_SKIP_BUILD=1 but ${dir}/index.html does not exist: build the SPA first`);
    log(`E2E_SKIP_BUILD=1: serving the existing build in ${dir}`);
    return { dir, cleanup: () => undefined };
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'ai-credits-e2e-web-'));
  const started = Date.now();
  const result = spawnSync('pnpm', ['--filter', '@ai-credits/web', 'build', '--outDir', dir, '--emptyOutDir'], {
    cwd: root,
    stdio: ['ignore', process.stderr, 'inherit'],
    env: process.env,
  });
  if (result.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`building the SPA failed (exit ${result.status ?? result.signal})`);
  }
  log(`SPA built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The BFF runs as production does: JavaScript built by `pnpm --filter @ai-credits/bff build`, run by node. */
function buildBff(): void {
  const started = Date.now();
  const result = spawnSync('pnpm', ['--filter', '@ai-credits/bff', 'build'], { cwd: root, stdio: ['ignore', process.stderr, 'inherit'], env: process.env });
  if (result.status !== 0) throw new Error(`building the BFF failed (exit ${result.status ?? result.signal})`);
  log(`BFF built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function waitForHealth(baseUrl: string, bff: ChildProcess, logFile: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (bff.exitCode !== null || bff.signalCode !== null) {
      throw new Error(`the BFF exited (${bff.exitCode ?? bff.signalCode}) before it was healthy; see ${logFile}`);
    }
    try {
      const res = await fetch(`${baseUrl}/api/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the BFF did not answer GET /api/health within ${timeoutMs / 1000} s; see ${logFile}`);
}

/** SIGTERM the BFF's process group (pnpm -> node), then SIGKILL if it lingers. */
async function stopBff(bff: ChildProcess): Promise<void> {
  if (bff.pid === undefined || bff.exitCode !== null || bff.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => bff.once('exit', () => resolve()));
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-bff.pid!, signal);
    } catch {
      // already gone
    }
  };
  signalGroup('SIGTERM');
  const killed = await Promise.race([exited.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 5_000))]);
  if (killed) {
    signalGroup('SIGKILL');
    await exited;
  }
  // The BFF's process (node, under pnpm) shares the group; make sure none is left.
  signalGroup('SIGKILL');
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  mkdirSync(resultsDir, { recursive: true });
  const spa = buildSpa();
  try {
    buildBff();
  } catch (error) {
    spa.cleanup();
    throw error;
  }

  const dbName = await createDatabase();
  log(`database ${dbName}`);
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const logFile = path.join(resultsDir, 'bff.log');
  const bffLog = createWriteStream(logFile);

  const started = Date.now();
  const bff = spawn('pnpm', ['--filter', '@ai-credits/bff', 'start'], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      NODE_ENV: 'test',
      DATABASE_URL: databaseUrl(ADMIN_URL, dbName),
      PORT: String(port),
      HOST: '127.0.0.1',
      SEED_DEMO: 'false',
      LOG_LEVEL: process.env.E2E_BFF_LOG_LEVEL ?? 'warn',
      WEB_DIST: spa.dir,
      // Cheaper scrypt for the many sign-ups and logins of a run (README: the test suites use 11).
      PASSWORD_HASH_COST: process.env.PASSWORD_HASH_COST ?? '11',
      // Every test signs up from 127.0.0.1: the per-IP sign-up and per-org invitation limits are raised (bff/test/mail-abuse.test.ts tests them).
      RATE_LIMIT_SIGNUPS_PER_IP: '100000',
      RATE_LIMIT_INVITATIONS_PER_ORG: '100000',
    },
  });
  bff.stdout?.pipe(bffLog);
  bff.stderr?.pipe(bffLog);

  const teardown = async () => {
    const stopping = Date.now();
    await stopBff(bff);
    bffLog.end();
    await dropDatabase(dbName);
    spa.cleanup();
    log(`stopped the BFF and dropped ${dbName} in ${((Date.now() - stopping) / 1000).toFixed(1)} s`);
  };

  try {
    await waitForHealth(baseUrl, bff, logFile);
  } catch (error) {
    await teardown();
    throw error;
  }
  log(`BFF healthy at ${baseUrl} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  process.env.E2E_BASE_URL = baseUrl;
  return teardown;
}
