import { hash, randomBytes } from 'node:crypto';
import type { ApiKey } from '@ai-credits/shared/contracts/api-keys';
import type { Transaction } from 'kysely';
import type { Database } from '../../db/database';
import type { Db } from '../../db/db';
import { notFound } from '../../http/http-error';
import type { Clock } from '../../lib/clock';
import { recordAudit } from '../audit/audit.service';
import type { AccountsService } from '../auth/accounts.service';
import * as repo from './api-keys.repository';

/**
 * Org API keys (docs/product.md "Metering API"). A token is `aic_<org id hex>_<32 random bytes>`:
 * the org part lets the lookup filter by org_id like every tenant query; the random part makes
 * it unguessable, so a plain sha256 is a safe way to store it (no slow password hash needed).
 */
const TOKEN = /^aic_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;

// crypto.hash: the one-shot form (the same hex digest, no Hash object): it runs on every metering call.
const sha256 = (token: string) => hash('sha256', token);

function orgIdOfToken(token: string): string | null {
  const hex = TOKEN.exec(token)?.[1];
  if (!hex) return null;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

type Row = Awaited<ReturnType<typeof repo.listApiKeys>>[number];

/** `names`: the creators' names, from their owner (accounts.userNames). */
const toApiKey = (k: Row, names: Map<string, string>): ApiKey => ({
  id: k.id,
  name: k.name,
  prefix: k.token_prefix,
  createdAt: k.created_at.toISOString(),
  createdBy: k.creator_id && names.has(k.creator_id) ? { id: k.creator_id, name: names.get(k.creator_id)! } : null,
  lastUsedAt: k.last_used_at?.toISOString() ?? null,
  revokedAt: k.revoked_at?.toISOString() ?? null,
});

/**
 * How long an instance trusts a key it looked up. Revoking on this instance takes effect at
 * once; on other instances within this time (no shared cache, nothing to invalidate).
 */
export const API_KEY_CACHE_MS = 1000;
const API_KEY_CACHE_MAX = 10_000;

export function createApiKeysService(deps: { db: Db; clock: Clock; accounts: Pick<AccountsService, 'userNames'>; cacheMs?: number }) {
  const { db, clock, accounts } = deps;
  /** Keys with their creators' names (two statements: the keys, then the names from accounts). */
  async function withNames(rows: Row[]): Promise<ApiKey[]> {
    const names = await accounts.userNames(rows.flatMap((k) => (k.creator_id ? [k.creator_id] : [])));
    return rows.map((k) => toApiKey(k, names));
  }
  const cacheMs = deps.cacheMs ?? API_KEY_CACHE_MS;
  // token hash -> key and when it was looked up (the injected clock's ms), for metering callers
  // that send a request every few milliseconds
  const cache = new Map<string, { orgId: string; apiKeyId: string; at: number }>();
  // Bumped when a revoke starts and again after it commits: a lookup that read the key while a
  // revoke was under way (the row not committed yet) must not put it back in the cache (issue 20).
  let generation = 0;

  /** After the revoke committed: forget the keys here, and any lookup in flight keeps its answer to itself. */
  function evict(apiKeyIds: readonly string[]) {
    generation++;
    if (apiKeyIds.length === 0) return;
    const ids = new Set(apiKeyIds);
    for (const [hash, entry] of cache) if (ids.has(entry.apiKeyId)) cache.delete(hash);
  }

  /** Revokes the keys `userId` created (offboarding), in the caller's transaction; call evict(ids) after it commits. */
  async function revokeCreatedBy(trx: Transaction<Database>, orgId: string, actorUserId: string, userId: string, now: Date): Promise<string[]> {
    generation++;
    const revoked = await repo.revokeCreatedBy(trx, orgId, userId, now);
    for (const key of revoked) {
      await recordAudit(trx, { orgId, actorUserId, action: 'api_key.revoked', from: { apiKeyId: key.id, name: key.name, createdBy: userId }, to: null, at: now });
    }
    return revoked.map((k) => k.id);
  }

  return {
    async list(orgId: string) {
      return withNames(await repo.listApiKeys(db, orgId));
    },

    /** The token is returned here once and never again (only its hash is kept). */
    async create(orgId: string, actorUserId: string, name: string) {
      const token = `aic_${orgId.replaceAll('-', '')}_${randomBytes(32).toString('base64url')}`;
      const created = await db.transaction().execute(async (trx) => {
        const now = clock.now();
        const row = await repo.insertApiKey(trx, {
          org_id: orgId,
          name,
          token_prefix: `${token.slice(0, 12)}…${token.slice(-4)}`,
          token_hash: sha256(token),
          created_by: actorUserId,
          created_at: now,
        });
        await recordAudit(trx, { orgId, actorUserId, action: 'api_key.created', from: null, to: { apiKeyId: row.id, name }, at: now });
        return (await repo.findApiKey(trx, orgId, row.id))!;
      });
      const [apiKey] = await withNames([created]);
      return { apiKey: apiKey!, token };
    },

    /**
     * Revoked at once on this instance: the cache is emptied of the key after the revoke commits
     * (before, a lookup could still read the active row), and a lookup that read it meanwhile
     * does not cache it (the generation moved). Other instances: within API_KEY_CACHE_MS.
     */
    async revoke(orgId: string, actorUserId: string, apiKeyId: string) {
      generation++;
      try {
        const key = await db.transaction().execute(async (trx) => {
          const key = await repo.findApiKey(trx, orgId, apiKeyId);
          if (!key) throw notFound('API key');
          if (!key.revoked_at) {
            const now = clock.now();
            await repo.revokeApiKey(trx, orgId, apiKeyId, now);
            await recordAudit(trx, { orgId, actorUserId, action: 'api_key.revoked', from: { apiKeyId, name: key.name }, to: null, at: now });
            return { ...key, revoked_at: now };
          }
          return key;
        });
        return (await withNames([key]))[0]!;
      } finally {
        evict([apiKeyId]);
      }
    },

    revokeCreatedBy,
    evict,

    /** Every key of the org by name, revoked ones too (the usage history's filter: no token prefix, every role may read it). */
    async names(orgId: string): Promise<{ id: string; name: string; revoked: boolean }[]> {
      return (await repo.keyNames(db, orgId)).map((k) => ({ id: k.id, name: k.name, revoked: k.revoked_at !== null }));
    },

    /** The active keys `userId` created: what removing them revokes (the remove dialog's preview). */
    async activeCreatedBy(orgId: string, userId: string) {
      return (await repo.listActiveCreatedBy(db, orgId, userId)).map((k) => ({ id: k.id, name: k.name, prefix: k.token_prefix }));
    },

    /** The org and key a bearer token stands for; null when it is malformed, unknown or revoked. */
    async authenticate(token: string): Promise<{ orgId: string; apiKeyId: string } | null> {
      const orgId = orgIdOfToken(token);
      if (!orgId) return null;
      const hash = sha256(token);
      const cached = cache.get(hash);
      // Trusted for cacheMs after the lookup by the injected clock; a clock set back before the
      // lookup makes the entry stale too, so a step back of the wall clock never extends it.
      const nowMs = clock.now().getTime();
      if (cached && nowMs >= cached.at && nowMs < cached.at + cacheMs) return { orgId: cached.orgId, apiKeyId: cached.apiKeyId };
      cache.delete(hash);
      const seen = generation;
      const key = await repo.findActiveByHash(db, orgId, hash);
      if (!key) return null;
      const now = clock.now();
      if (!key.last_used_at || now.getTime() - key.last_used_at.getTime() > 60_000) await repo.touchLastUsed(db, orgId, key.id, now);
      if (cache.size >= API_KEY_CACHE_MAX) cache.clear();
      if (cacheMs > 0 && seen === generation) cache.set(hash, { orgId, apiKeyId: key.id, at: now.getTime() });
      return { orgId, apiKeyId: key.id };
    },
  };
}

export type ApiKeysService = ReturnType<typeof createApiKeysService>;
