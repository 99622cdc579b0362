import { http, type HttpHandler } from 'msw';
import { apiKeysContract, type ApiKey } from '../../contracts/api-keys';
import { apiError, bodyOf, json, requireSession, url, validationFailed } from '../http';
import { mockApiKeyToken } from '../store/fixtures';
import { apiKeyUsageOf, sessionOf } from '../store/projections';
import { nextId, nowIso, type MockStore } from '../store/state';

/** The org's API keys (owner and admins); a new key's token meters through handlers/metering.ts. */
export function apiKeysHandlers(store: MockStore): HttpHandler[] {
  return [
    http.get(url(apiKeysContract.list), ({ request }) => requireSession(store, request, apiKeysContract.list) ?? json(apiKeysContract.list, { apiKeys: store.apiKeys })),

    // Before the `:apiKeyId` routes; what the BFF sums from usage rows (ledger.reads usageByApiKey).
    http.get(url(apiKeysContract.usage), ({ request }) => requireSession(store, request, apiKeysContract.usage) ?? json(apiKeysContract.usage, apiKeyUsageOf(store))),

    http.post(url(apiKeysContract.create), async ({ request }) => {
      const denied = requireSession(store, request, apiKeysContract.create);
      if (denied) return denied;
      const parsed = apiKeysContract.create.body.safeParse(await bodyOf(request));
      if (!parsed.success) return validationFailed(parsed.error);
      const id = nextId();
      const token = mockApiKeyToken(id);
      const me = sessionOf(store).user;
      const apiKey: ApiKey = {
        id,
        name: parsed.data.name,
        prefix: `${token.slice(0, 12)}…${token.slice(-4)}`,
        createdAt: nowIso(store),
        createdBy: { id: me.id, name: me.name },
        lastUsedAt: null,
        revokedAt: null,
      };
      store.apiKeys.unshift(apiKey);
      store.apiKeyTokens.set(token, id);
      return json(apiKeysContract.create, { apiKey, token }, 201);
    }),

    http.delete(url(apiKeysContract.revoke), ({ request, params }) => {
      const denied = requireSession(store, request, apiKeysContract.revoke);
      if (denied) return denied;
      const key = store.apiKeys.find((k) => k.id === params.apiKeyId);
      if (!key) return apiError(404, 'NOT_FOUND', 'API key not found');
      key.revokedAt ??= nowIso(store);
      return json(apiKeysContract.revoke, key);
    }),
  ];
}
