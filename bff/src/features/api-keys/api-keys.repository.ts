import type { Insertable } from 'kysely';
import type { Executor } from '../../db/db';
import type { ApiKeysTable } from './api-keys.tables';

const columns = ['api_keys.id', 'api_keys.name', 'api_keys.token_prefix', 'api_keys.created_at', 'api_keys.last_used_at', 'api_keys.revoked_at'] as const;

export function insertApiKey(db: Executor, k: Insertable<ApiKeysTable>) {
  return db.insertInto('api_keys').values(k).returning(['id', 'name', 'token_prefix', 'created_at', 'last_used_at', 'revoked_at']).executeTakeFirstOrThrow();
}

/** The org's keys by name (no token prefix: every role may read it). */
export function keyNames(db: Executor, orgId: string) {
  return db.selectFrom('api_keys').select(['id', 'name', 'revoked_at']).where('org_id', '=', orgId).orderBy('name').orderBy('created_at').execute();
}

export function listApiKeys(db: Executor, orgId: string) {
  return db
    .selectFrom('api_keys')
    .select([...columns, 'api_keys.created_by as creator_id'])
    .where('api_keys.org_id', '=', orgId)
    .orderBy('api_keys.revoked_at', (ob) => ob.desc().nullsFirst())
    .orderBy('api_keys.created_at', 'desc')
    .execute();
}

export function findApiKey(db: Executor, orgId: string, id: string) {
  return db
    .selectFrom('api_keys')
    .select([...columns, 'api_keys.created_by as creator_id'])
    .where('api_keys.org_id', '=', orgId)
    .where('api_keys.id', '=', id)
    .executeTakeFirst();
}

export async function revokeApiKey(db: Executor, orgId: string, id: string, at: Date) {
  await db.updateTable('api_keys').set({ revoked_at: at }).where('org_id', '=', orgId).where('id', '=', id).where('revoked_at', 'is', null).execute();
}

/** The key a bearer token names, if it exists and is not revoked. */
export function findActiveByHash(db: Executor, orgId: string, tokenHash: string) {
  return db
    .selectFrom('api_keys')
    .select(['id', 'last_used_at'])
    .where('org_id', '=', orgId)
    .where('token_hash', '=', tokenHash)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
}

/** Written at most once a minute per key: "last used" needs no more precision than that. */
export async function touchLastUsed(db: Executor, orgId: string, id: string, at: Date) {
  await db
    .updateTable('api_keys')
    .set({ last_used_at: at })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', new Date(at.getTime() - 60_000))]))
    .execute();
}

/** Revokes every active key `userId` created (offboarding); the keys revoked. */
export function revokeCreatedBy(db: Executor, orgId: string, userId: string, at: Date) {
  return db
    .updateTable('api_keys')
    .set({ revoked_at: at })
    .where('org_id', '=', orgId)
    .where('created_by', '=', userId)
    .where('revoked_at', 'is', null)
    .returning(['id', 'name'])
    .execute();
}

export function listActiveCreatedBy(db: Executor, orgId: string, userId: string) {
  return db
    .selectFrom('api_keys')
    .select(['id', 'name', 'token_prefix'])
    .where('org_id', '=', orgId)
    .where('created_by', '=', userId)
    .where('revoked_at', 'is', null)
    .orderBy('created_at')
    .execute();
}
