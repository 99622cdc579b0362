import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeysContract } from '@ai-credits/shared/contracts/api-keys';
import { creditsContract } from '@ai-credits/shared/contracts/credits';
import { meteringContract } from '@ai-credits/shared/contracts/metering';
import { orgContract } from '@ai-credits/shared/contracts/org';
import type { Endpoint } from '@ai-credits/shared/api';
import { CONTRACT_MODULES } from '../src/features/openapi/openapi.service';
import { createOrg, startApp, type Client, type TestApp } from './support/harness';
import { orgState } from './support/org-state';

let app: TestApp;
beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  await app.close();
});

/** A service of the platform: no cookie, just the org API key. */
async function meter(e: Endpoint, token: string, body: unknown, idempotencyKey: string | null = `k-${randomUUID()}`) {
  const headers: Record<string, string> = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
  const res = await fetch(app.baseUrl + e.path, { method: e.method, headers, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as any };
}

async function newKey(client: Client, name = 'ci-runner') {
  const res = await client.call(apiKeysContract.create, { body: { name } });
  expect(res.status).toBe(201);
  return res.data;
}

const summary = async (client: Client) => (await client.call(creditsContract.summary)).data;

describe('API keys', () => {
  it('owner and admin create keys (token shown once), list them without the secret, and revoke them', async () => {
    const { owner, admin, member } = await createOrg(app);
    const created = await newKey(admin, 'billing-service');
    expect(created.token).toMatch(/^aic_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/);
    expect(created.apiKey).toMatchObject({ name: 'billing-service', lastUsedAt: null, revokedAt: null, createdBy: { id: admin.session!.user.id } });
    expect(created.token.startsWith(created.apiKey.prefix.split('…')[0]!)).toBe(true);

    const before = await orgState(owner);
    const refusals = [await member.call(apiKeysContract.list), await member.call(apiKeysContract.create, { body: { name: 'x' } })];
    expect(refusals.map((res) => [res.status, res.error.code])).toEqual([
      [403, 'FORBIDDEN'],
      [403, 'FORBIDDEN'],
    ]);
    expect(await orgState(owner)).toEqual(before);

    const list = await owner.call(apiKeysContract.list);
    expect(list.status).toBe(200);
    expect(list.body.apiKeys).toEqual([created.apiKey]);
    expect(JSON.stringify(list.body)).not.toContain(created.token);

    const used = await meter(meteringContract.record, created.token, { useCase: 'chat', model: 'gpt-4o-mini', inputTokens: 10, outputTokens: 10 });
    expect(used.status).toBe(200);
    const [afterUse] = (await owner.call(apiKeysContract.list)).body.apiKeys;
    expect(afterUse.lastUsedAt).not.toBeNull();

    const revoked = await owner.call(apiKeysContract.revoke, { params: { apiKeyId: created.apiKey.id } });
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).not.toBeNull();
    const refused = await meter(meteringContract.record, created.token, { useCase: 'chat', model: 'gpt-4o-mini', inputTokens: 10, outputTokens: 10 });
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('UNAUTHENTICATED');

    const audit = await owner.call(orgContract.auditLog);
    expect(audit.body.entries.map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(['api_key.created', 'api_key.revoked']));
  });

  it('refuses unknown and malformed bearer tokens, and session endpoints with a key', async () => {
    const { owner } = await createOrg(app);
    const { token } = await newKey(owner);
    const forged = token.slice(0, -4) + 'AAAA';
    expect((await meter(meteringContract.record, forged, { useCase: 'chat', model: 'gpt-4o-mini', inputTokens: 1, outputTokens: 1 })).status).toBe(401);
    expect((await meter(meteringContract.record, 'not-a-key', { useCase: 'chat', model: 'gpt-4o-mini', inputTokens: 1, outputTokens: 1 })).status).toBe(401);
    const sessionOnly = await fetch(app.baseUrl + creditsContract.summary.path, { headers: { authorization: `Bearer ${token}` } });
    expect(sessionOnly.status).toBe(401);
    // and a signed-in user cannot call the metering API without a key
    const withCookie = await owner.call(meteringContract.record, { body: { useCase: 'chat', model: 'gpt-4o-mini', inputTokens: 1, outputTokens: 1 }, headers: { 'idempotency-key': 'k-12345678' } });
    expect(withCookie.status).toBe(401);
  });
});

describe('usage per API key (issue 22)', () => {
  it('owner and admin read each key’s calls and credits this period; an open or released hold counts nothing; members are refused', async () => {
    const { owner, admin, member } = await createOrg(app);
    const other = await createOrg(app);
    const ci = await newKey(owner, 'ci-runner');
    const billing = await newKey(admin, 'billing-service');
    const idle = await newKey(owner, 'idle');
    const elsewhere = await newKey(other.owner, 'other-org');

    // ci-runner: a record and a settled reservation; billing-service: one record, an open hold, a released one.
    const chat = { useCase: 'chat', model: 'gpt-4o-mini', inputTokens: 1000, outputTokens: 500 };
    expect((await meter(meteringContract.record, ci.token, chat)).status).toBe(200);
    const held = await meter(meteringContract.reserve, ci.token, { useCase: 'report', model: 'gpt-4o-mini', estimateMc: 5_000 });
    expect((await meter(meteringContract.settle, ci.token, { reservationId: held.body.reservation.id, inputTokens: 2000, outputTokens: 1000 })).status).toBe(200);
    expect((await meter(meteringContract.record, billing.token, { ...chat, inputTokens: 10 })).status).toBe(200);
    expect((await meter(meteringContract.reserve, billing.token, { useCase: 'chat', model: 'gpt-4o-mini', estimateMc: 9_000 })).status).toBe(200);
    const released = await meter(meteringContract.reserve, billing.token, { useCase: 'chat', model: 'gpt-4o-mini', estimateMc: 9_000 });
    expect((await meter(meteringContract.release, billing.token, { reservationId: released.body.reservation.id })).status).toBe(200);
    expect((await meter(meteringContract.record, elsewhere.token, chat)).status).toBe(200);
    // Revoked keys keep their calls of the period.
    expect((await owner.call(apiKeysContract.revoke, { params: { apiKeyId: billing.apiKey.id } })).status).toBe(200);

    const res = await admin.call(apiKeysContract.usage);
    expect(res.status).toBe(200);
    const sum = await summary(owner);
    expect(res.body.period).toEqual({ start: sum.period.start, end: sum.period.end });
    // gpt-4o-mini: 150 mc per 1k input, 600 per 1k output.
    expect(res.body.keys).toEqual([
      { apiKeyId: idle.apiKey.id, name: 'idle', calls: 0, chargedMc: 0 },
      { apiKeyId: ci.apiKey.id, name: 'ci-runner', calls: 2, chargedMc: 150 + 300 + 300 + 600 },
      { apiKeyId: billing.apiKey.id, name: 'billing-service', calls: 1, chargedMc: 2 + 300 },
    ]);
    // The same sums as the usage history filtered by key.
    for (const key of res.body.keys) {
      const history = await owner.call(creditsContract.usage, { query: { apiKeyId: key.apiKeyId, from: sum.period.start } });
      expect(history.body.totals, key.name).toEqual({ count: key.calls, chargedMc: key.chargedMc });
    }

    const refused = await member.call(apiKeysContract.usage);
    expect([refused.status, refused.error.code]).toEqual([403, 'FORBIDDEN']);
    expect((await fetch(app.baseUrl + apiKeysContract.usage.path, { headers: { authorization: `Bearer ${ci.token}` } })).status).toBe(401);
  });
});

describe('metering API', () => {
  it('reserve -> settle charges exactly the tokens at the model rate; responses carry the balance', async () => {
    const { owner, orgId } = await createOrg(app);
    const project = (await owner.call(orgContract.createProject, { body: { name: 'Payments API' } })).body;
    const { token } = await newKey(owner);

    const reserved = await meter(meteringContract.reserve, token, {
      useCase: 'report',
      model: 'gpt-4o-mini',
      maxInputTokens: 4000,
      maxOutputTokens: 1000,
      projectId: project.id,
      userId: owner.session!.user.id,
    });
    expect(reserved.status).toBe(200);
    // gpt-4o-mini: 150 mc per 1k input tokens, 600 per 1k output: 4,000 × 0.15 + 1,000 × 0.6.
    const estimate = 1_200;
    expect(reserved.body.reservation).toMatchObject({ status: 'open', estimateMc: estimate, useCase: 'report', model: 'gpt-4o-mini' });
    expect(reserved.body.balance).toEqual({ balanceMc: 300_000, availableMc: 300_000 - estimate });

    const settled = await meter(meteringContract.settle, token, { reservationId: reserved.body.reservation.id, inputTokens: 3333, outputTokens: 777 });
    expect(settled.status).toBe(200);
    const cost = Math.ceil((3333 * 150) / 1000) + Math.ceil((777 * 600) / 1000);
    expect(settled.body.usage).toMatchObject({ useCase: 'report', model: 'gpt-4o-mini', inputTokens: 3333, outputTokens: 777, chargedMc: cost, overageMc: 0 });
    expect(settled.body.balance).toEqual({ balanceMc: 300_000 - cost, availableMc: 300_000 - cost });

    const usage = await owner.call(creditsContract.usage);
    expect(usage.body.items[0]).toMatchObject({ source: 'api', chargedMc: cost, project: { id: project.id }, user: { id: owner.session!.user.id } });
    expect((await summary(owner)).balanceMc).toBe(300_000 - cost);
    expect(orgId).toBe(owner.session!.org.id);
  });

  it('release gives the reservation back; settle above the reservation is refused', async () => {
    const { owner } = await createOrg(app);
    const { token } = await newKey(owner);
    const r = await meter(meteringContract.reserve, token, { useCase: 'chat', model: 'gpt-4o-mini', estimateMc: 100 });
    expect(r.status).toBe(200);
    const over = await meter(meteringContract.settle, token, { reservationId: r.body.reservation.id, inputTokens: 1000, outputTokens: 1000 });
    expect(over.status).toBe(409);
    expect(over.body.error.code).toBe('SETTLE_EXCEEDS_RESERVATION');
    const released = await meter(meteringContract.release, token, { reservationId: r.body.reservation.id });
    expect(released.status).toBe(200);
    expect(released.body.reservation.status).toBe('released');
    expect(released.body.balance).toEqual({ balanceMc: 300_000, availableMc: 300_000 });
  });

  it('requires an Idempotency-Key, and the same key twice has one effect', async () => {
    const { owner } = await createOrg(app);
    const { token } = await newKey(owner);
    const body = { useCase: 'chat', model: 'gpt-4o-mini', inputTokens: 1000, outputTokens: 1000 };
    const missing = await meter(meteringContract.record, token, body, null);
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toMatch(/Idempotency-Key/);

    const key = `k-${randomUUID()}`;
    const [a, b] = await Promise.all([meter(meteringContract.record, token, body, key), meter(meteringContract.record, token, body, key)]);
    expect(a.status).toBe(200);
    expect(b.body).toEqual(a.body);
    const again = await meter(meteringContract.record, token, body, key);
    expect(again.body).toEqual(a.body);
    expect((await summary(owner)).balanceMc).toBe(300_000 - 750);
    expect((await owner.call(creditsContract.usage)).body.items).toHaveLength(1);

    const reused = await meter(meteringContract.record, token, { ...body, inputTokens: 5 }, key);
    expect(reused.status).toBe(422);
    expect(reused.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it("a key of org A cannot spend org B's credits nor settle B's reservation", async () => {
    const a = await createOrg(app);
    const b = await createOrg(app);
    const keyA = await newKey(a.owner);
    const keyB = await newKey(b.owner);
    const projectB = (await b.owner.call(orgContract.createProject, { body: { name: 'B project' } })).body;

    const reservedB = await meter(meteringContract.reserve, keyB.token, { useCase: 'chat', model: 'gpt-4o-mini', estimateMc: 5000 });
    expect(reservedB.status).toBe(200);

    const settle = await meter(meteringContract.settle, keyA.token, { reservationId: reservedB.body.reservation.id, inputTokens: 10, outputTokens: 10 });
    expect(settle.status).toBe(404);
    const release = await meter(meteringContract.release, keyA.token, { reservationId: reservedB.body.reservation.id });
    expect(release.status).toBe(404);
    // Attributing usage to B's project or B's user is refused too.
    expect((await meter(meteringContract.record, keyA.token, { useCase: 'chat', model: 'gpt-4o-mini', inputTokens: 1, outputTokens: 1, projectId: projectB.id })).status).toBe(404);
    expect((await meter(meteringContract.record, keyA.token, { useCase: 'chat', model: 'gpt-4o-mini', inputTokens: 1, outputTokens: 1, userId: b.owner.session!.user.id })).status).toBe(404);

    expect(await summary(b.owner)).toMatchObject({ balanceMc: 300_000, reservedMc: 5000 });
    expect((await summary(a.owner)).balanceMc).toBe(300_000);
  });

  it('AI disabled: 403 AI_DISABLED, nothing charged; coverage refused with 402', async () => {
    const { owner } = await createOrg(app);
    const { token } = await newKey(owner);
    const tooBig = await meter(meteringContract.reserve, token, { useCase: 'chat', model: 'gpt-4o-mini', estimateMc: 300_001 });
    expect(tooBig.status).toBe(402);
    expect(tooBig.body.error.code).toBe('INSUFFICIENT_CREDITS');
    const unknown = await meter(meteringContract.reserve, token, { useCase: 'chat', model: 'gpt-9', estimateMc: 10 });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toEqual({ code: 'UNKNOWN_MODEL', message: 'Unknown model "gpt-9"; the models and their rates are listed in Settings → Models and rates (/settings/models)' });

    await owner.call(creditsContract.setAiEnabled, { body: { enabled: false } });
    for (const [e, body] of [
      [meteringContract.reserve, { useCase: 'chat', model: 'gpt-4o-mini', estimateMc: 10 }],
      [meteringContract.record, { useCase: 'chat', model: 'gpt-4o-mini', inputTokens: 10, outputTokens: 10 }],
    ] as const) {
      const res = await meter(e, token, body);
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('AI_DISABLED');
    }
    expect((await summary(owner)).balanceMc).toBe(300_000);
  });
});

describe('OpenAPI document', () => {
  it('describes every contract endpoint, generated from the shared zod schemas', async () => {
    const res = await fetch(`${app.baseUrl}/api/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as any;
    expect(doc.openapi).toBe('3.1.0');
    const reserve = doc.paths['/api/v1/metering/reserve'].post;
    expect(reserve.security).toEqual([{ apiKey: [] }]);
    expect(reserve.parameters).toContainEqual(expect.objectContaining({ name: 'Idempotency-Key', in: 'header', required: true }));
    const bodyRef: string = reserve.requestBody.content['application/json'].schema.$ref;
    const body = doc.components.schemas[bodyRef.replace('#/components/schemas/', '')];
    expect(body.properties.useCase.enum).toEqual(['test_generation', 'chat', 'report']);
    expect(doc.paths['/api/ai/conversations/{conversationId}'].get.parameters[0]).toMatchObject({ name: 'conversationId', in: 'path', required: true });
    expect(doc.components.securitySchemes.apiKey).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));

    // Every endpoint of every contract module is in the document.
    for (const mod of Object.values(CONTRACT_MODULES)) {
      for (const [name, contract] of Object.entries(mod)) {
        if (!name.endsWith('Contract')) continue;
        for (const e of Object.values(contract as Record<string, Endpoint>)) {
          expect(doc.paths[e.path.replace(/:([A-Za-z]+)/g, '{$1}')]?.[e.method.toLowerCase()], `${e.method} ${e.path}`).toBeDefined();
        }
      }
    }
  });

  it('lists every module of shared/src/contracts', async () => {
    const { readdir } = await import('node:fs/promises');
    const files = (await readdir(new URL('../../shared/src/contracts/', import.meta.url))).filter((f) => f.endsWith('.ts') && !f.includes('.test.'));
    expect(Object.keys(CONTRACT_MODULES).sort()).toEqual(files.map((f) => f.replace(/\.ts$/, '')).sort());
  });
});
