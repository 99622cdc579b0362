import { sql } from 'kysely';
import { noteReadAsOf } from '../lib/read-scope';
import { createPostgresDb, type Db } from './db';

/**
 * Reads that may come from a streaming replica (ADR 023): usage history, the CSV export, charts
 * and the audit log. Balances, limits and every write stay on the primary. A read goes to the
 * replica only when
 *   - the replica answered its last status check (at most STATUS_TTL_MS old), and
 *   - its replay lag is within maxLagMs, and
 *   - it has replayed this org's last write made through this instance (read-your-writes: the
 *     primary's WAL position after the write; nginx sends an org's calls to one instance, ADR 022).
 * Otherwise, and when the replica fails mid-read (down, restarting, a recovery conflict), the
 * read runs on the primary: a replica problem never answers 5xx. `asOf` says how old the replica's
 * data was, for the page ("as of 12:03:15").
 */
export interface ReadRouter {
  /** Runs `fn` on the replica when it is fresh enough for this org, else on the primary. */
  read<T>(orgId: string, fn: (db: Db) => Promise<T>): Promise<{ value: T; asOf: Date | null }>;
  /** After a write of this org went through this instance: its reads wait for the replica to replay it. */
  noteWrite(orgId: string): void;
  /** Replay lag in seconds (0 when the replica has replayed all it received); null when it does not answer. */
  lagSeconds(): Promise<number | null>;
  /** The replica's pool, for the metrics; null without a replica. */
  replicaDb: Db | null;
  close(): Promise<void>;
}

const STATUS_TTL_MS = 1_000;

/** A pg_lsn ('16/B374D848') as a number that orders like it. */
export function lsnToBigInt(lsn: string): bigint {
  const [hi, lo] = lsn.split('/');
  return (BigInt(`0x${hi}`) << 32n) + BigInt(`0x${lo}`);
}

/** Without a replica: every read on the primary. */
export function primaryOnly(primary: Db): ReadRouter {
  return {
    read: async (_orgId, fn) => ({ value: await fn(primary), asOf: null }),
    noteWrite: () => {},
    lagSeconds: async () => null,
    replicaDb: null,
    close: async () => {},
  };
}

interface ReplicaStatus {
  at: number;
  ok: boolean;
  lagSeconds: number;
  replayLsn: bigint;
  /** Commit time of the last transaction replayed (null before any). */
  replayedAt: Date | null;
}

export function createReadRouter(deps: { primary: Db; replicaUrl: string; poolMax: number; maxLagMs: number; now?: () => number; onReplicaError?: (err: unknown) => void }): ReadRouter {
  const { primary } = deps;
  const now = deps.now ?? Date.now;
  const replica = createPostgresDb(deps.replicaUrl, deps.poolMax, deps.onReplicaError);
  let status: ReplicaStatus = { at: 0, ok: false, lagSeconds: 0, replayLsn: 0n, replayedAt: null };
  let checking: Promise<ReplicaStatus> | null = null;
  /** Per org: the primary's WAL position after its writes here, and how many of those positions are still being read. */
  const writes = new Map<string, { lsn: bigint; pending: number }>();

  async function check(): Promise<ReplicaStatus> {
    try {
      const { rows } = await sql<{ lag: number; replay: string | null; replayed_at: Date | null }>`
        select case when pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() then 0
                    else coalesce(extract(epoch from now() - pg_last_xact_replay_timestamp()), 0) end::float8 as lag,
               pg_last_wal_replay_lsn()::text as replay,
               pg_last_xact_replay_timestamp() as replayed_at`.execute(replica);
      const r = rows[0]!;
      status = { at: now(), ok: r.replay !== null, lagSeconds: r.lag, replayLsn: r.replay ? lsnToBigInt(r.replay) : 0n, replayedAt: r.replayed_at };
    } catch (err) {
      deps.onReplicaError?.(err);
      status = { ...status, at: now(), ok: false };
    }
    // Orgs whose writes the replica has replayed read from it again.
    for (const [orgId, w] of writes) if (w.pending === 0 && w.lsn <= status.replayLsn) writes.delete(orgId);
    return status;
  }

  async function current(): Promise<ReplicaStatus> {
    if (now() - status.at < STATUS_TTL_MS) return status;
    checking ??= check().finally(() => (checking = null));
    return checking;
  }

  return {
    replicaDb: replica,
    async read(orgId, fn) {
      const s = await current();
      const written = writes.get(orgId);
      const fresh = s.ok && s.lagSeconds * 1000 <= deps.maxLagMs && (written === undefined || (written.pending === 0 && written.lsn <= s.replayLsn));
      if (fresh) {
        try {
          // The data is as recent as the replica's replay at the last check, or newer.
          const value = await fn(replica);
          const asOf = s.lagSeconds === 0 ? null : s.replayedAt;
          if (asOf) noteReadAsOf(asOf);
          return { value, asOf };
        } catch (err) {
          // Down, restarting, a query cancelled by a recovery conflict: the primary answers instead
          // (a query that is wrong fails there too, with its own error).
          deps.onReplicaError?.(err);
          status = { ...status, ok: false };
        }
      }
      return { value: await fn(primary), asOf: null };
    },
    noteWrite(orgId) {
      const w = writes.get(orgId) ?? { lsn: 0n, pending: 0 };
      w.pending++;
      writes.set(orgId, w);
      sql<{ lsn: string }>`select pg_current_wal_lsn()::text as lsn`.execute(primary).then(
        ({ rows }) => {
          const lsn = lsnToBigInt(rows[0]!.lsn);
          if (lsn > w.lsn) w.lsn = lsn;
          w.pending--;
        },
        // The primary did not answer: keep the org on the primary until the replica has replayed
        // everything it has now received (the position is at most that).
        () => {
          w.lsn = w.lsn > status.replayLsn ? w.lsn : status.replayLsn + 1n;
          w.pending--;
        },
      );
    },
    async lagSeconds() {
      const s = await current();
      return s.ok ? s.lagSeconds : null;
    },
    close: () => replica.destroy(),
  };
}
