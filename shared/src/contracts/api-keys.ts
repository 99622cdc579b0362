import { z } from 'zod/mini';
import { endpoint, IdSchema, IsoDateTimeSchema, MillicreditsSchema, OWNER_OR_ADMIN } from '../api';
import { NameSchema } from './auth';

/** Org API keys for the metering API (docs/product.md "Metering API"): shown once, stored hashed, revocable. */
export const ApiKeySchema = z.object({
  id: IdSchema,
  name: z.string(),
  /** The first characters of the token, to tell keys apart; never enough to use it. */
  prefix: z.string(),
  createdAt: IsoDateTimeSchema,
  createdBy: z.nullable(z.object({ id: IdSchema, name: z.string() })),
  lastUsedAt: z.nullable(IsoDateTimeSchema),
  revokedAt: z.nullable(IsoDateTimeSchema),
});
export type ApiKey = z.infer<typeof ApiKeySchema>;

/**
 * What each key metered in the current billing period (issue 22): every key of the org, revoked
 * ones too (their calls this period still count), with 0 calls when it metered nothing.
 */
export const ApiKeyUsageSchema = z.object({
  period: z.object({ start: IsoDateTimeSchema, end: IsoDateTimeSchema }),
  keys: z.array(
    z.object({
      apiKeyId: IdSchema,
      name: z.string(),
      /** Usage rows metered through the key (record, and each settled reservation). */
      calls: z.int().check(z.gte(0)),
      chargedMc: MillicreditsSchema,
    }),
  ),
});
export type ApiKeyUsage = z.infer<typeof ApiKeyUsageSchema>;

export const apiKeysContract = {
  list: endpoint({
    method: 'GET',
    path: '/api/api-keys',
    summary: "The organization's API keys (owner or admin)",
    auth: 'session',
    roles: OWNER_OR_ADMIN,
    response: z.object({ apiKeys: z.array(ApiKeySchema) }),
  }),
  usage: endpoint({
    method: 'GET',
    path: '/api/api-keys/usage',
    summary: 'Credits and calls metered through each API key in the current billing period (owner or admin)',
    auth: 'session',
    roles: OWNER_OR_ADMIN,
    response: ApiKeyUsageSchema,
  }),
  create: endpoint({
    method: 'POST',
    path: '/api/api-keys',
    verifiedEmail: 'required',
    summary: 'Create an API key (owner or admin); the token is in this response only',
    auth: 'session',
    roles: OWNER_OR_ADMIN,
    body: z.strictObject({ name: NameSchema }),
    response: z.object({ apiKey: ApiKeySchema, token: z.string() }),
    status: 201,
  }),
  revoke: endpoint({
    method: 'DELETE',
    path: '/api/api-keys/:apiKeyId',
    summary: 'Revoke an API key (owner or admin); it stops working at once',
    auth: 'session',
    roles: OWNER_OR_ADMIN,
    params: z.strictObject({ apiKeyId: IdSchema }),
    response: ApiKeySchema,
  }),
};
