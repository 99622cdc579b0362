import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The PostgreSQL server programs (initdb, pg_ctl, pg_basebackup): TEST_POSTGRES_BIN (.ci/run sets
 * it), else the newest Debian install under /usr/lib/postgresql.
 */
export const POSTGRES_BIN = process.env.TEST_POSTGRES_BIN ?? newestDebianPostgresBin();

function newestDebianPostgresBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v) && existsSync(path.join(root, v, 'bin', 'pg_ctl'))) : [];
  const newest = versions.sort((x, y) => Number(y) - Number(x))[0];
  return path.join(root, newest ?? '15', 'bin');
}
const BIN = POSTGRES_BIN;

/** Whether this machine can start a PostgreSQL cluster of a test's own. */
const canRunThrowawayCluster = existsSync(path.join(BIN, 'pg_ctl')) && existsSync(path.join(BIN, 'initdb'));

/**
 * Skip the tests that need a cluster of their own only off CI: under CI=true a missing pg_ctl is
 * a failure (their beforeAll throws), never a silent skip (issue 23).
 */
export const skipWithoutThrowawayCluster = !canRunThrowawayCluster && !(process.env.CI && process.env.CI !== 'false');

/** Throws, saying what is missing, when this machine cannot start a cluster of a test's own. */
export function requireThrowawayCluster(): void {
  if (!canRunThrowawayCluster) {
    throw new Error(`No PostgreSQL server programs (pg_ctl, initdb) in ${BIN}: install PostgreSQL (Debian: postgresql) or set TEST_POSTGRES_BIN to their folder`);
  }
}

async function freePort() {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

/**
 * A PostgreSQL cluster that belongs to one test (initdb in a temp dir, its own port, fsync off),
 * for faults that need the server itself to go away: never the shared server. PostgreSQL refuses
 * to run as root, so as root it runs as the `postgres` user.
 */
export async function startThrowawayCluster() {
  requireThrowawayCluster();
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(path.join(tmpdir(), 'aic-pg-'));
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const pg = (tool: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', path.join(BIN, tool), ...args], { timeout: 60_000 }) : run(path.join(BIN, tool), args, { timeout: 60_000 });
  const data = path.join(dir, 'data');
  const port = await freePort();
  await pg('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  await pg('pg_ctl', ['-D', data, '-o', options, '-l', path.join(dir, 'log'), '-w', '-t', '60', 'start']);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    /** A fast restart (what a failover or an upgrade does): every connection is cut. */
    async restart() {
      await pg('pg_ctl', ['-D', data, '-l', path.join(dir, 'log'), '-m', 'fast', '-w', '-t', '60', 'restart']);
    },
    async stop() {
      await pg('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
