import { execFile } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './bff-process';
import { POSTGRES_BIN as BIN, requireThrowawayCluster } from './throwaway-cluster';

const run = promisify(execFile);

/**
 * A PostgreSQL 15 primary of the test's own and a streaming replica made from it with
 * pg_basebackup (what deploy/cluster.sh does), each on its own port in a temp dir. As root they
 * run as the postgres user (PostgreSQL refuses root).
 */
export async function startReplicaPair() {
  requireThrowawayCluster();
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(path.join(tmpdir(), 'aic-pair-'));
  if (asRoot) {
    const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
    const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
    chownSync(dir, uid, gid);
  }
  const tool = (name: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', path.join(BIN, name), ...args], { timeout: 120_000 }) : run(path.join(BIN, name), args, { timeout: 120_000 });
  const [primaryPort, replicaPort] = [await freePort(), await freePort()];
  const common = `-k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c wal_level=replica -c max_wal_senders=5 -c hot_standby=on`;
  const primaryData = path.join(dir, 'primary');
  const replicaData = path.join(dir, 'replica');
  await tool('initdb', ['-D', primaryData, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  await tool('pg_ctl', ['-D', primaryData, '-o', `-p ${primaryPort} ${common}`, '-l', path.join(dir, 'primary.log'), '-w', '-t', '60', 'start']);
  await tool('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres', '-D', replicaData, '-R', '-X', 'stream', '-c', 'fast']);
  const startReplica = () => tool('pg_ctl', ['-D', replicaData, '-o', `-p ${replicaPort} ${common}`, '-l', path.join(dir, 'replica.log'), '-w', '-t', '60', 'start']);
  await startReplica();
  const replicaQuery = async (text: string) => {
    const c = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${replicaPort}/postgres` });
    await c.connect();
    try {
      return (await c.query(text)).rows;
    } finally {
      await c.end();
    }
  };
  return {
    primaryUrl: `postgres://postgres@127.0.0.1:${primaryPort}/postgres`,
    replicaUrl: (database: string) => `postgres://postgres@127.0.0.1:${replicaPort}/${database}`,
    /** Stops applying WAL (it still arrives): the replica falls behind. */
    pauseReplay: () => replicaQuery('select pg_wal_replay_pause()'),
    resumeReplay: () => replicaQuery('select pg_wal_replay_resume()'),
    stopReplica: () => tool('pg_ctl', ['-D', replicaData, '-m', 'fast', '-w', '-t', '60', 'stop']),
    startReplica,
    async stop() {
      await tool('pg_ctl', ['-D', replicaData, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      await tool('pg_ctl', ['-D', primaryData, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
