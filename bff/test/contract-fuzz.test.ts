import querystring from 'node:querystring';
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { creditsContract } from '@ai-credits/shared/contracts/credits';
import { orgContract } from '@ai-credits/shared/contracts/org';
import { contractGroups } from '../src/features/openapi/openapi.service';
import { expectLedgerConsistent } from './support/ledger-assertions';
import { createOrg, startApp, uniq, type Client, type TestApp } from './support/harness';

/**
 * Schema-driven fuzzing of every endpoint in the shared contracts (the one API definition, as
 * the OpenAPI document reads it): thousands of seeded cases of valid-ish and hostile params,
 * queries, bodies and headers, as the owner (cookie + CSRF), with an API key and anonymously.
 * Every answer must be below 500. Mutating routes only ever get input their own contract
 * refuses (checked with the same schemas before sending), so the org's state must not change
 * at all: compared row by row before and after.
 */

const SEED = 20261125;
const RUNS = 2500;

type Contract = ReturnType<typeof contractGroups>[string][string];
const ENDPOINTS: [string, Contract][] = Object.entries(contractGroups()).flatMap(([group, endpoints]) =>
  Object.entries(endpoints).map(([name, e]) => [`${group}.${name}`, e] as [string, Contract]),
);

let app: TestApp;
let owner: Client;
let orgId: string;
let apiToken: string;
let projectId: string;

beforeAll(async () => {
  app = await startApp();
  const org = await createOrg(app);
  ({ owner, orgId } = org);
  apiToken = (await owner.request('POST', '/api/api-keys', { body: { name: 'fuzz' } })).body.token;
  projectId = (await owner.call(orgContract.createProject, { body: { name: uniq('Fuzz ') } })).body.id;
  // Some usage, so history, charts and CSV have rows to page through.
  for (let i = 0; i < 3; i++) {
    await fetch(app.baseUrl + '/api/v1/metering/record', {
      method: 'POST',
      headers: { authorization: `Bearer ${apiToken}`, 'idempotency-key': uniq('fuzz-seed-'), 'content-type': 'application/json' },
      body: JSON.stringify({ useCase: 'chat', model: 'gpt-4o-mini', projectId, inputTokens: 100, outputTokens: 100 }),
    });
  }
});
afterAll(() => app.close());

// Generators -----------------------------------------------------------------------------

const HOSTILE_STRINGS = [
  '', ' ', '\u0000', 'a\u0000b', '\ud800', 'x\udc00y', '\udbff\udfff', '😀', 'null', 'true', '0', '-1', 'NaN', '1e309',
  '%', '%ZZ', '%00', '%E0%A4%A', '../../etc/passwd', "'; drop table users; --", '<script>alert(1)</script>', '$where', '__proto__',
  '00000000-0000-0000-0000-000000000000', '00000000-0000-4000-8000-000000000000', 'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz',
  '2026-01-01', '2026-02-30', '0000-01-01', '9999-12-31', '9999-12-31T23:59:59Z', '+275760-09-13T00:00:00.000Z', '2026-05-01T00:00:00Z',
  'chat', 'test_generation', 'report', 'admin', 'member', 'owner', 'starter', 'professional', 'success', 'failure', 'card', 'gpt-4o-mini',
  'x'.repeat(300), 'y'.repeat(9000),
];

const anyChar = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
const hostileString = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: anyChar, maxLength: 40 }) },
  { weight: 1, arbitrary: fc.uuid() },
  { weight: 1, arbitrary: fc.constant('__PROJECT__') },
  { weight: 1, arbitrary: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()) },
);

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: hostileString },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.constantFrom(0, -1, 1.5, 1e20, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 2 ** 31) },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.array(hostileString, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(hostileString, hostileString, { maxKeys: 3 }) },
);

/** The field names a schema knows (objects, unions of objects); fuzzing mostly uses them. */
function keysOf(schema: z.core.$ZodType | undefined): string[] {
  if (!schema) return [];
  // The definition, the same for classic zod and zod/mini (the contracts are zod/mini).
  const def = schema._zod.def as { shape?: Record<string, unknown>; options?: z.core.$ZodType[] };
  if (def.shape) return Object.keys(def.shape);
  if (def.options) return [...new Set(def.options.flatMap(keysOf))];
  return [];
}

function objectFor(schema: z.core.$ZodType | undefined): fc.Arbitrary<Record<string, unknown>> {
  const keys = [...keysOf(schema), 'extra', '__proto__'];
  return fc.dictionary(fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...keys) }, { weight: 1, arbitrary: hostileString }), hostileValue, { maxKeys: keys.length + 1 });
}

/** encodeURIComponent, except that a lone surrogate (which it refuses) goes out as the invalid UTF-8 a sloppy client would send. */
function enc(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return encodeURIComponent(s.replace(/[\ud800-\udfff]/g, '')) + '%ED%A0%80';
  }
}

type Part = { kind: 'value'; value: string } | { kind: 'raw'; raw: string };
const RAW_PATH_SEGMENTS = ['%ZZ', '%', '%E0%A4%A', '%C0%80', '%00', '%2F..%2F', '%ED%A0%80'];

interface Case {
  endpoint: string;
  identity: 'owner' | 'apiKey' | 'anonymous';
  params: Record<string, Part>;
  query: string;
  body: { kind: 'json'; value: unknown } | { kind: 'raw'; raw: string } | null;
  idempotencyKey: string | null;
}

function caseFor([name, e]: [string, Contract]): fc.Arbitrary<Case> {
  const paramNames = [...e.path.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1]!);
  const part: fc.Arbitrary<Part> = fc.oneof(
    { weight: 4, arbitrary: hostileString.map((value): Part => ({ kind: 'value', value })) },
    { weight: 1, arbitrary: fc.constantFrom(...RAW_PATH_SEGMENTS).map((raw): Part => ({ kind: 'raw', raw })) },
  );
  const params = fc.record(Object.fromEntries(paramNames.map((p) => [p, part])) as Record<string, fc.Arbitrary<Part>>);
  const queryKeys = [...keysOf(e.query), 'sort', 'limit'];
  const query = fc.oneof(
    fc.constant(''),
    fc
      .array(fc.tuple(fc.constantFrom(...queryKeys), fc.oneof({ weight: 5, arbitrary: hostileString.map(enc) }, { weight: 1, arbitrary: fc.constantFrom('%', '%ZZ', '%00', '%E0%A4%A') })), { maxLength: 4 })
      .map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&')),
  );
  const body = fc.oneof(
    { weight: 6, arbitrary: objectFor(e.body).map((value) => ({ kind: 'json' as const, value })) },
    { weight: 1, arbitrary: hostileValue.map((value) => ({ kind: 'json' as const, value })) },
    { weight: 1, arbitrary: fc.constantFrom('{"a":', 'not json', '[1,2', '{"name":"\\u0000"}', '"\\ud800"', '').map((raw) => ({ kind: 'raw' as const, raw })) },
    { weight: 1, arbitrary: fc.constant(null) },
  );
  return fc.record({
    endpoint: fc.constant(name),
    identity: fc.constantFrom('owner' as const, 'owner' as const, e.auth === 'apiKey' ? ('apiKey' as const) : ('owner' as const), 'anonymous' as const),
    params,
    query,
    body: e.method === 'GET' ? fc.constant(null) : body,
    idempotencyKey: fc.oneof(fc.constant(null), fc.constantFrom('fuzz-key-1234', 'bad key\u0000', 'k'), fc.uuid()),
  });
}

const anyCase = fc.oneof(...ENDPOINTS.map(caseFor));

// What the server will see -----------------------------------------------------------------

const resolve = (s: string) => s.replaceAll('__PROJECT__', projectId);
const resolveDeep = (v: unknown): unknown =>
  typeof v === 'string' ? resolve(v) : Array.isArray(v) ? v.map(resolveDeep) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolveDeep(x)])) : v;

function decodedParam(p: Part): string | null {
  if (p.kind === 'value') return resolve(p.value);
  try {
    return decodeURIComponent(p.raw);
  } catch {
    return null;
  }
}

/** Would the endpoint's own contract accept this request? (Mutating routes only get input it refuses.) */
function acceptedByContract(e: Contract, c: Case): boolean {
  if (e.params) {
    const decoded: Record<string, string> = {};
    for (const [k, p] of Object.entries(c.params)) {
      const v = decodedParam(p);
      if (v === null || v === '') return false;
      decoded[k] = v;
    }
    if (!e.params.safeParse(decoded).success) return false;
  }
  if (e.query && !e.query.safeParse({ ...querystring.parse(resolve(c.query)) }).success) return false;
  if (e.body) {
    let value: unknown = undefined;
    if (c.body?.kind === 'json') value = resolveDeep(c.body.value);
    if (c.body?.kind === 'raw') {
      try {
        value = JSON.parse(c.body.raw);
      } catch {
        return false;
      }
    }
    // express.json (strict) refuses top-level primitives and null
    if (value !== undefined && (value === null || typeof value !== 'object')) return false;
    if (!e.body.safeParse(value ?? {}).success) return false;
  }
  return true;
}

function urlFor(e: Contract, c: Case): string {
  const path = e.path.replace(/:([A-Za-z]+)/g, (_, name: string) => {
    const p = c.params[name]!;
    return p.kind === 'raw' ? p.raw : enc(resolve(p.value)) || 'x';
  });
  return app.baseUrl + path + (c.query ? `?${resolve(c.query)}` : '');
}

// State --------------------------------------------------------------------------------------

const ORG_TABLES = [
  'memberships', 'projects', 'grants', 'ledger_entries', 'reservations', 'usage_records', 'usage_daily', 'usage_daily_keys', 'idempotency_keys', 'overage_invoices',
  'audit_log', 'purchases', 'billing_webhook_events', 'sandbox_payments', 'api_keys', 'ai_requests', 'test_case_generations', 'test_cases',
  'ai_conversations', 'ai_messages', 'ai_reports', 'invitations',
] as const;

async function snapshot() {
  const counts: Record<string, number> = {};
  for (const table of ORG_TABLES) {
    const { rows } = await sql<{ n: string }>`select count(*) as n from ${sql.table(table)} where org_id = ${orgId}`.execute(app.db);
    counts[table] = Number(rows[0]!.n);
  }
  const org = await app.db.selectFrom('organizations').selectAll().where('id', '=', orgId).executeTakeFirstOrThrow();
  const account = await app.db.selectFrom('credit_accounts').selectAll().where('org_id', '=', orgId).executeTakeFirstOrThrow();
  const sessions = await sql<{ n: string }>`select count(*) as n from sessions where org_id = ${orgId}`.execute(app.db);
  const revoked = await app.db.selectFrom('api_keys').select(['id', 'revoked_at', 'name']).where('org_id', '=', orgId).orderBy('id').execute();
  const projects = await app.db.selectFrom('projects').select(['id', 'name']).where('org_id', '=', orgId).orderBy('id').execute();
  const roles = await app.db.selectFrom('memberships').select(['user_id', 'role']).where('org_id', '=', orgId).orderBy('user_id').execute();
  return { counts, org, account, sessions: Number(sessions.rows[0]!.n), apiKeys: revoked, projects, roles };
}

// The test -------------------------------------------------------------------------------------

describe('contract fuzzing: every endpoint, thousands of hostile cases', () => {
  // Thousands of requests: a bound for a loaded 2-core machine (nothing here is timed).
  it('never answers 5xx and never changes state on input its contract refuses', { timeout: 180_000 }, async () => {
    expect(ENDPOINTS.length).toBeGreaterThan(30);
    const before = await snapshot();
    const statuses = new Map<number, number>();
    const sentTo = new Set<string>();
    let sent = 0;

    await fc.assert(
      fc.asyncProperty(anyCase, async (c) => {
        const e = ENDPOINTS.find(([n]) => n === c.endpoint)![1];
        const mutating = e.method !== 'GET';
        // Mutating routes: only input the contract refuses (the webhook has no schema: its signature always fails).
        if (mutating && e.auth !== 'signature' && acceptedByContract(e, c)) return;
        const headers: Record<string, string> = {};
        if (c.identity === 'owner') {
          headers.cookie = owner.cookie;
          if (mutating) headers['x-csrf-token'] = owner.csrfToken;
        }
        if (c.identity === 'apiKey') headers.authorization = `Bearer ${apiToken}`;
        if (c.idempotencyKey !== null) headers['idempotency-key'] = c.idempotencyKey.replace(/[^\t\x20-\x7e]/g, '?');
        let body: string | undefined;
        if (c.body) {
          headers['content-type'] = 'application/json';
          body = c.body.kind === 'raw' ? c.body.raw : JSON.stringify(resolveDeep(c.body.value));
        }
        const res = await fetch(urlFor(e, c), { method: e.method, headers, body });
        const text = await res.text();
        sent++;
        sentTo.add(c.endpoint);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status >= 500) throw new Error(`${e.method} ${urlFor(e, c)} as ${c.identity} -> ${res.status} ${text.slice(0, 300)}\nbody: ${body?.slice(0, 300)}`);
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );

    // Meaningful: most endpoints were reached, many refusals were validation, many reads succeeded.
    expect(sent).toBeGreaterThan(RUNS / 2);
    expect(sentTo.size).toBeGreaterThan(ENDPOINTS.length - 3);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(200);
    expect(statuses.get(200) ?? 0).toBeGreaterThan(20);
    expect(await snapshot()).toEqual(before);
    await expectLedgerConsistent(app.db, orgId, new Date());
    // The owner's session still works (nothing signed it out).
    expect((await owner.call(creditsContract.summary)).status).toBe(200);
  });
});

