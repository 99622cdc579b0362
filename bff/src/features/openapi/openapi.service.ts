import { z } from 'zod';
import { ApiErrorSchema, ERROR_CODES, type ErrorCode } from '@ai-credits/shared/errors';
import { AI_DISABLED_REFUSAL, coverageRefusal } from '@ai-credits/shared/ledger-rules';
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
 * so it runs the same under tsx, vitest and a bundler; test/metering.test.ts fails
 * when a contract file is missing from it.
 */
export const CONTRACT_MODULES: Record<string, Record<string, unknown>> = { ai, 'api-keys': apiKeys, auth, billing, budgets, credits, metering, org };

function isEndpoint(value: unknown): value is Endpoint {
  const v = value as Partial<Endpoint> | null;
  return typeof v === 'object' && v !== null && typeof v.method === 'string' && typeof v.path === 'string' && typeof v.auth === 'string' && 'response' in v;
}

export function contractGroups(modules: Record<string, Record<string, unknown>> = CONTRACT_MODULES): Record<string, Record<string, Endpoint>> {
  const groups: Record<string, Record<string, Endpoint>> = {};
  for (const mod of Object.values(modules)) {
    for (const [exportName, value] of Object.entries(mod)) {
      if (!exportName.endsWith('Contract') || typeof value !== 'object' || value === null) continue;
      const endpoints = Object.fromEntries(Object.entries(value).filter(([, e]) => isEndpoint(e))) as Record<string, Endpoint>;
      if (Object.keys(endpoints).length) groups[exportName.replace(/Contract$/, '')] = endpoints;
    }
  }
  return groups;
}

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.core.$ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  return rest;
}

const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: ref('ApiError') } } });

function parametersOf(schema: z.core.$ZodType | undefined, where: 'path' | 'query') {
  if (!schema) return [];
  const js = jsonSchema(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(js.properties ?? {}).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || (js.required ?? []).includes(name),
    schema: s,
  }));
}

const pascal = (text: string) => text.replace(/(^|[-_\s])(\w)/g, (_m, _s, c: string) => c.toUpperCase()).replace(/^\w/, (c) => c.toUpperCase());
const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });

/**
 * Named component schemas: every zod schema a contract module exports as `FooSchema` is `Foo`;
 * a response or body defined inline is `<Group><Endpoint>Response` / `...Request`. Generated
 * clients then get real type names instead of anonymous inline types.
 */
function componentSchemas(groups: Record<string, Record<string, Endpoint>>, modules: Record<string, Record<string, unknown>>) {
  const output = z.registry<{ id: string }>();
  const input = z.registry<{ id: string }>();
  const named = new Map<z.core.$ZodType, string>();
  for (const mod of Object.values(modules)) {
    for (const [exportName, value] of Object.entries(mod)) {
      if (exportName.endsWith('Schema') && value instanceof z.core.$ZodType && !named.has(value)) named.set(value, exportName.replace(/Schema$/, ''));
    }
  }
  const ids = new Set<string>();
  const add = (registry: typeof output, schema: z.core.$ZodType, fallback: string) => {
    if (registry.has(schema)) return registry.get(schema)!.id;
    let id = named.get(schema) ?? fallback;
    // A body's input form may differ from the output form of the same DTO: its own name.
    while (ids.has(id)) id = registry === input ? `${id}Input` : `${id}_`;
    ids.add(id);
    registry.add(schema, { id });
    return id;
  };
  // DTOs shared by several endpoints first, so nested uses become references.
  for (const schema of named.keys()) {
    if (schema instanceof z.core.$ZodObject || schema instanceof z.core.$ZodEnum) add(output, schema, named.get(schema)!);
  }
  const refs = new Map<Endpoint, { response?: string; body?: string }>();
  for (const [group, endpoints] of Object.entries(groups)) {
    for (const [name, e] of Object.entries(endpoints)) {
      refs.set(e, {
        response: e.response && !e.produces ? add(output, e.response, `${pascal(group)}${pascal(name)}Response`) : undefined,
        body: e.body ? add(input, e.body, `${pascal(group)}${pascal(name)}Request`) : undefined,
      });
    }
  }
  add(output, ApiErrorSchema, 'ApiError');
  const strip = (all: Record<string, JsonSchema>) =>
    Object.fromEntries(Object.entries(all).map(([id, { $schema: _s, $id: _i, ...rest }]) => [id, rest]));
  const convert = (registry: typeof output, io: 'input' | 'output') =>
    strip((z.toJSONSchema(registry, { io, unrepresentable: 'any', target: 'draft-2020-12', uri: (id) => `#/components/schemas/${id}` }) as { schemas: Record<string, JsonSchema> }).schemas);
  return { schemas: { ...convert(output, 'output'), ...convert(input, 'input') }, refs };
}

/**
 * The error codes each endpoint can answer, by status (the route's middleware, its service's
 * refusals). Codes not in shared/errors.ts are left out, so a code added there later (e.g.
 * BUDGET_REACHED) shows up here as soon as it exists.
 */
const COVERAGE_CODES = ['INSUFFICIENT_CREDITS', 'OVERAGE_LIMIT_REACHED', 'BUDGET_REACHED'];
const SPECIFIC_ERRORS: Record<string, Record<number, string[]>> = {
  'auth.login': { 401: ['INVALID_CREDENTIALS'], 429: ['RATE_LIMITED'] },
  'auth.signup': { 429: ['RATE_LIMITED'] },
  'auth.verifyEmail': { 409: ['CONFLICT'] },
  'auth.resendVerification': { 429: ['RATE_LIMITED'] },
  'auth.forgotPassword': { 429: ['RATE_LIMITED'] },
  'auth.resetPassword': { 409: ['CONFLICT'] },
  'org.createInvitation': { 429: ['RATE_LIMITED'] },
  'org.resendInvitation': { 429: ['RATE_LIMITED'] },
  'metering.reserve': { 400: ['UNKNOWN_MODEL'], 402: COVERAGE_CODES, 403: ['AI_DISABLED'], 404: ['NOT_FOUND'], 409: ['PROJECT_ARCHIVED'], 422: ['IDEMPOTENCY_KEY_REUSED'] },
  'metering.record': { 400: ['UNKNOWN_MODEL'], 402: COVERAGE_CODES, 403: ['AI_DISABLED'], 404: ['NOT_FOUND'], 409: ['PROJECT_ARCHIVED'], 422: ['IDEMPOTENCY_KEY_REUSED'] },
  'metering.settle': { 404: ['NOT_FOUND'], 409: ['RESERVATION_NOT_OPEN', 'RESERVATION_EXPIRED', 'SETTLE_EXCEEDS_RESERVATION'], 422: ['IDEMPOTENCY_KEY_REUSED'] },
  'metering.release': { 404: ['NOT_FOUND'], 409: ['RESERVATION_NOT_OPEN'], 422: ['IDEMPOTENCY_KEY_REUSED'] },
  'ai.generateTestCases': { 402: COVERAGE_CODES, 403: ['AI_DISABLED'], 409: ['PROJECT_ARCHIVED'], 502: ['PROVIDER_FAILED'] },
  'ai.chat': { 402: COVERAGE_CODES, 403: ['AI_DISABLED'], 409: ['PROJECT_ARCHIVED'], 502: ['PROVIDER_FAILED'] },
  'ai.createReport': { 402: COVERAGE_CODES, 403: ['AI_DISABLED'], 409: ['PROJECT_ARCHIVED', 'CONFLICT'], 502: ['PROVIDER_FAILED'] },
  'billing.sandboxPay': { 402: ['PAYMENT_FAILED'] },
  'billing.verifyPurchase': { 400: ['INVALID_SIGNATURE'] },
  'billing.payInvoice': { 409: ['CONFLICT'] },
};

const EXAMPLE_MESSAGES: Partial<Record<ErrorCode, string>> = {
  INSUFFICIENT_CREDITS: coverageRefusal({ availableMc: 1_500n, overageLimitMc: 0n, costMc: 2_400n })!.message,
  OVERAGE_LIMIT_REACHED: coverageRefusal({ availableMc: -500_000n, overageLimitMc: 500_000n, costMc: 2_400n })!.message,
  AI_DISABLED: AI_DISABLED_REFUSAL.message,
  VALIDATION_FAILED: 'inputTokens: Too small: expected number to be >=0',
  UNAUTHENTICATED: 'Invalid or revoked API key',
};

function errorResponses(operationId: string, e: Endpoint): Record<string, unknown> {
  const byStatus: Record<number, string[]> = {};
  const add = (status: number, codes: string[]) => (byStatus[status] = [...new Set([...(byStatus[status] ?? []), ...codes])]);
  if (e.body || e.query || e.params || e.idempotencyKey) add(400, ['VALIDATION_FAILED']);
  if (e.auth !== 'none') add(401, ['UNAUTHENTICATED']);
  if (e.auth === 'session' && e.method !== 'GET') add(403, ['CSRF_FAILED']);
  if (e.roles) add(403, ['FORBIDDEN']);
  if (e.verifiedEmail === 'required') add(403, ['EMAIL_NOT_VERIFIED']);
  if (e.params) add(404, ['NOT_FOUND']);
  for (const [status, codes] of Object.entries(SPECIFIC_ERRORS[operationId] ?? {})) add(Number(status), codes);
  const known = new Set<string>(ERROR_CODES);
  const responses: Record<string, unknown> = {};
  for (const [status, all] of Object.entries(byStatus)) {
    const codes = all.filter((c) => known.has(c)) as ErrorCode[];
    if (!codes.length) continue;
    responses[status] = {
      description: codes.join(', '),
      content: {
        'application/json': {
          schema: { allOf: [ref('ApiError'), { type: 'object', properties: { error: { type: 'object', properties: { code: { enum: codes } } } } }] },
          examples: Object.fromEntries(codes.map((code) => [code, { value: { error: { code, message: EXAMPLE_MESSAGES[code] ?? code.toLowerCase().replaceAll('_', ' ') } } }])),
        },
      },
    };
  }
  return responses;
}

/** Request examples for the calls integrators make first. */
const REQUEST_EXAMPLES: Record<string, unknown> = {
  'metering.record': { useCase: 'chat', model: 'demo-model', inputTokens: 1200, outputTokens: 350 },
  'metering.reserve': { useCase: 'test_generation', model: 'demo-model', maxInputTokens: 2000, maxOutputTokens: 1500 },
  'metering.settle': { reservationId: '0f8fad5b-d9cb-469f-a165-70867728950e', inputTokens: 1800, outputTokens: 900 },
  'auth.login': { email: 'owner@acme.test', password: 'password123' },
  'billing.createPurchase': { bundleId: 'professional' },
};

export function buildOpenApi(groups: Record<string, Record<string, Endpoint>>, modules: Record<string, Record<string, unknown>> = CONTRACT_MODULES) {
  const { schemas, refs } = componentSchemas(groups, modules);
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [group, endpoints] of Object.entries(groups)) {
    for (const [name, e] of Object.entries(endpoints)) {
      const operationId = `${group}.${name}`;
      const named = refs.get(e)!;
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
          example: 'chat-run-7f3a9c',
        });
      }
      let ok: unknown;
      if (e.produces) ok = { description: 'OK', content: { [e.produces]: { schema: { type: 'string' } } } };
      else if (e.response === null) ok = { description: 'No content' };
      else ok = { description: 'OK', content: { 'application/json': { schema: ref(named.response!) } } };
      const example = REQUEST_EXAMPLES[operationId];
      paths[oasPath] ??= {};
      paths[oasPath][e.method.toLowerCase()] = {
        operationId,
        tags: [group],
        summary: e.summary,
        ...(e.auth === 'session' ? { security: [{ session: [] }] } : e.auth === 'apiKey' ? { security: [{ apiKey: [] }] } : { security: [] }),
        ...(parameters.length ? { parameters } : {}),
        ...(named.body ? { requestBody: { required: true, content: { 'application/json': { schema: ref(named.body), ...(example ? { example } : {}) } } } } : {}),
        responses: {
          [status]: ok,
          ...errorResponses(operationId, e),
          '4XX': errorResponse('Another refusal: `{ error: { code, message } }`'),
          '5XX': errorResponse('Server or model provider failure (503 answers are safe to retry)'),
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
      license: { name: 'Proprietary', url: 'https://example.com/ai-credits/license' },
    },
    servers: [{ url: '/' }],
    paths,
    components: {
      schemas,
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
