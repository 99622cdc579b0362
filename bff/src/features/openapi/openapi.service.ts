import { z } from 'zod';
import { ApiErrorSchema } from '@ai-credits/shared/errors';
import type { Endpoint } from '@ai-credits/shared/api';
import * as ai from '@ai-credits/shared/contracts/ai';
import * as apiKeys from '@ai-credits/shared/contracts/api-keys';
import * as auth from '@ai-credits/shared/contracts/auth';
import * as billing from '@ai-credits/shared/contracts/billing';
import * as budgets from '@ai-credits/shared/contracts/budgets';
import * as credits from '@ai-credits/shared/contracts/credits';
import * as metering from '@ai-credits/shared/contracts/metering';
import * as org from '@ai-credits/shared/contracts/org';

/**
 * OpenAPI 3.1 from the shared contracts (the one definition of the API): every `*Contract`
 * object exported by the modules of shared/src/contracts/. A static list, like the migrations,
 * so it runs the same under tsx, vitest and a bundler; test/metering-openapi.test.ts fails
 * when a contract file is missing from it.
 */
export const CONTRACT_MODULES: Record<string, Record<string, unknown>> = { ai, 'api-keys': apiKeys, auth, billing, budgets, credits, metering, org };

type Contract = Endpoint & { idempotencyKey?: 'required' | 'optional' };

function isEndpoint(value: unknown): value is Contract {
  const v = value as Partial<Endpoint> | null;
  return typeof v === 'object' && v !== null && typeof v.method === 'string' && typeof v.path === 'string' && typeof v.auth === 'string' && 'response' in v;
}

export function contractGroups(modules: Record<string, Record<string, unknown>> = CONTRACT_MODULES): Record<string, Record<string, Contract>> {
  const groups: Record<string, Record<string, Contract>> = {};
  for (const mod of Object.values(modules)) {
    for (const [exportName, value] of Object.entries(mod)) {
      if (!exportName.endsWith('Contract') || typeof value !== 'object' || value === null) continue;
      const endpoints = Object.fromEntries(Object.entries(value).filter(([, e]) => isEndpoint(e))) as Record<string, Contract>;
      if (Object.keys(endpoints).length) groups[exportName.replace(/Contract$/, '')] = endpoints;
    }
  }
  return groups;
}

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  return rest;
}

function parametersOf(schema: z.ZodType | undefined, where: 'path' | 'query') {
  if (!schema) return [];
  const js = jsonSchema(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(js.properties ?? {}).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || (js.required ?? []).includes(name),
    schema: s,
  }));
}

const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: jsonSchema(ApiErrorSchema, 'output') } } });

export function buildOpenApi(groups: Record<string, Record<string, Contract>>) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [group, endpoints] of Object.entries(groups)) {
    for (const [name, e] of Object.entries(endpoints)) {
      const oasPath = e.path.replace(/:([A-Za-z]+)/g, '{$1}');
      const status = String(e.status ?? 200);
      const parameters: unknown[] = [...parametersOf(e.params, 'path'), ...parametersOf(e.query, 'query')];
      if (e.idempotencyKey) {
        parameters.push({
          name: 'Idempotency-Key',
          in: 'header',
          required: e.idempotencyKey === 'required',
          description: 'One key per operation: the same key and request again returns the first result; another request with it is refused (422).',
          schema: { type: 'string', minLength: 8, maxLength: 200, pattern: '^[A-Za-z0-9_.:-]+$' },
        });
      }
      let ok: unknown;
      if (e.produces) ok = { description: 'OK', content: { [e.produces]: { schema: { type: 'string' } } } };
      else if (e.response === null) ok = { description: 'No content' };
      else ok = { description: 'OK', content: { 'application/json': { schema: jsonSchema(e.response, 'output') } } };
      paths[oasPath] ??= {};
      paths[oasPath][e.method.toLowerCase()] = {
        operationId: `${group}.${name}`,
        tags: [group],
        summary: e.summary,
        ...(e.auth === 'session' ? { security: [{ session: [] }] } : e.auth === 'apiKey' ? { security: [{ apiKey: [] }] } : { security: [] }),
        ...(parameters.length ? { parameters } : {}),
        ...(e.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(e.body, 'input') } } } } : {}),
        responses: {
          [status]: ok,
          '4XX': errorResponse('The request was refused: `{ error: { code, message } }`'),
          '5XX': errorResponse('Server or model provider failure'),
        },
      };
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'AI Credits API',
      version: '1.0.0',
      description:
        'Credits are integers of millicredits (1 credit = 1000 mc). The metering API (/api/v1/metering/*) is for services of the platform: ' +
        'authenticate with `Authorization: Bearer <org API key>` and send an `Idempotency-Key` with every call.',
    },
    servers: [{ url: '/' }],
    paths,
    components: {
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'aic_session', description: 'Browser session; state-changing requests also send x-csrf-token' },
        apiKey: { type: 'http', scheme: 'bearer', description: 'Org API key (Settings -> API keys)' },
      },
    },
  };
}

export function createOpenApiService() {
  let document: ReturnType<typeof buildOpenApi> | null = null;
  return {
    /** Built once per process, on first request. */
    document() {
      document ??= buildOpenApi(contractGroups());
      return document;
    },
  };
}

export type OpenApiService = ReturnType<typeof createOpenApiService>;
