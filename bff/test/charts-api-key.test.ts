import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeysContract } from '@ai-credits/shared/contracts/api-keys';
import { creditsContract } from '@ai-credits/shared/contracts/credits';
import { orgContract } from '@ai-credits/shared/contracts/org';
import { TestClock } from '../src/lib/clock';
import { createOrg, startApp, type TestApp } from './support/harness';
import { expectOrgInvariants } from './support/ledger-assertions';

// Issue 24 item 9 (ADR 039): the charts filtered by an API key (and the "by API key" breakdown)
// must say exactly what a sum over the usage rows says, whatever they are read from: several
// keys, models, projects, use cases and users, app calls without a key beside them, and calls
// on both sides of UTC midnight (the charts' days are whole UTC days).
let app: TestApp;
const clock = new TestClock();
let org: Awaited<ReturnType<typeof createOrg>>;
let keys: { k1: string; k2: string; k3: string };
let projects: { a: string; b: string };
let member: string;

beforeAll(async () => {
  app = await startApp({ clock, env: { SESSION_TTL_HOURS: '2160' } });
  clock.set('2026-06-10T08:00:00Z');
  org = await createOrg(app);
  member = org.member.session!.user.id;
  const key = async (name: string) => (await org.owner.call(apiKeysContract.create, { body: { name } })).body.apiKey.id as string;
  keys = { k1: await key('CI'), k2: await key('Nightly'), k3: await key('Staging') };
  const project = async (name: string) => (await org.owner.call(orgContract.createProject, { body: { name } })).body.id as string;
  projects = { a: await project('Alpha'), b: await project('Beta') };
  const times = [
    '2026-06-10T12:00:00.000Z',
    '2026-06-10T23:59:59.999Z',
    '2026-06-11T00:00:00.000Z',
    '2026-06-11T13:30:00.000Z',
    '2026-06-12T23:59:59.999Z',
    '2026-06-13T00:00:00.000Z',
    '2026-06-13T00:00:00.001Z',
    '2026-06-14T09:00:00.000Z',
  ];
  let n = 0;
  for (const t of times) {
    clock.set(t);
    const calls = [
      { apiKeyId: keys.k1, userId: null, projectId: projects.a, useCase: 'chat', model: 'demo-model', source: 'api' },
      { apiKeyId: keys.k1, userId: null, projectId: null, useCase: 'test_generation', model: 'gpt-4o-mini', source: 'api' },
      { apiKeyId: keys.k2, userId: null, projectId: projects.b, useCase: 'report', model: 'gpt-4o-mini', source: 'api' },
      { apiKeyId: keys.k2, userId: null, projectId: projects.b, useCase: 'report', model: 'gpt-4o-mini', source: 'api' },
      { apiKeyId: keys.k3, userId: member, projectId: projects.a, useCase: 'chat', model: 'demo-model', source: 'api' },
      { apiKeyId: null, userId: member, projectId: projects.a, useCase: 'chat', model: 'demo-model', source: 'app' },
    ] as const;
    for (const c of calls) {
      n++;
      // different token counts, so no two sums agree by accident
      await app.services.ledger.record({ orgId: org.orgId, ...c, inputTokens: 0, outputTokens: 100 + ((n * 37) % 400) });
    }
  }
  clock.set('2026-06-14T18:00:00Z');
});
afterAll(() => app.close());

type Filters = { apiKeyId?: string; useCase?: string; userId?: string; projectId?: string; model?: string; from?: string; to?: string };
type Slice = { id: string; mc: number };
const byId = (rows: Slice[]) => rows.map((r) => ({ id: r.id, mc: r.mc })).sort((x, y) => x.id.localeCompare(y.id));

/** What the charts must show, summed straight from usage_records over the whole UTC days the response covers. */
async function expected(f: Filters, range: { from: string; to: string }) {
  const DAY = 86_400_000;
  const from = new Date(Math.floor(Date.parse(range.from) / DAY) * DAY);
  const to = new Date(Math.ceil(Date.parse(range.to) / DAY) * DAY);
  const conditions = [sql`org_id = ${org.orgId}`, sql`occurred_at >= ${from}`, sql`occurred_at < ${to}`];
  if (f.apiKeyId) conditions.push(sql`api_key_id = ${f.apiKeyId}`);
  if (f.useCase) conditions.push(sql`use_case = ${f.useCase}`);
  if (f.userId) conditions.push(sql`user_id = ${f.userId}`);
  if (f.projectId) conditions.push(sql`project_id = ${f.projectId}`);
  if (f.model) conditions.push(sql`model = ${f.model}`);
  const where = sql.join(conditions, sql` and `);
  const group = async (expr: ReturnType<typeof sql>, extra = sql`true`) =>
    (
      await sql<{ id: string; mc: string }>`select ${expr} as id, sum(charged_mc)::text as mc from usage_records where ${where} and ${extra} group by 1`.execute(app.db)
    ).rows.map((r) => ({ id: r.id, mc: Number(r.mc) }));
  const daily = await group(sql`to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD') || ' ' || use_case`);
  return {
    daily: daily.sort((x, y) => x.id.localeCompare(y.id)),
    byUser: byId(await group(sql`coalesce(user_id::text, 'api')`)),
    byProject: byId(await group(sql`coalesce(project_id::text, 'none')`)),
    byModel: byId(await group(sql`model`)),
    byApiKey: byId(await group(sql`api_key_id::text`, sql`api_key_id is not null`)),
  };
}

async function charts(f: Filters) {
  const res = await org.member.call(creditsContract.charts, { query: f });
  expect(res.status).toBe(200);
  const c = res.body as {
    range: { from: string; to: string };
    daily: ({ date: string; totalMc: number } & Record<string, number | string>)[];
    byUser: Slice[];
    byProject: Slice[];
    byModel: Slice[];
    byApiKey: (Slice & { label: string })[];
  };
  const daily = c.daily
    .flatMap((d) => (['chat', 'report', 'test_generation'] as const).map((u) => ({ id: `${d.date} ${u}`, mc: d[u] as number })))
    .filter((d) => d.mc !== 0)
    .sort((x, y) => x.id.localeCompare(y.id));
  return { c, got: { daily, byUser: byId(c.byUser), byProject: byId(c.byProject), byModel: byId(c.byModel), byApiKey: byId(c.byApiKey) } };
}

describe('charts filtered by API key', () => {
  const cases: [string, () => Filters][] = [
    ['each key, the period so far', () => ({ apiKeyId: keys.k1 })],
    ['the second key', () => ({ apiKeyId: keys.k2 })],
    ['a key used by a member', () => ({ apiKeyId: keys.k3 })],
    ['a range starting at midnight, after a call at 23:59:59.999', () => ({ apiKeyId: keys.k1, from: '2026-06-11', to: '2026-06-12' })],
    ['a one-day range ending before a call at 00:00:00.000', () => ({ apiKeyId: keys.k2, from: '2026-06-12', to: '2026-06-12' })],
    ['a range ending mid-day (rounded up to whole days)', () => ({ apiKeyId: keys.k3, from: '2026-06-10', to: '2026-06-13T00:00:00.000Z' })],
    ['key and model', () => ({ apiKeyId: keys.k1, model: 'gpt-4o-mini' })],
    ['key and use case', () => ({ apiKeyId: keys.k1, useCase: 'chat' })],
    ['key and project', () => ({ apiKeyId: keys.k2, projectId: projects.b })],
    ['key and a project it never used', () => ({ apiKeyId: keys.k2, projectId: projects.a })],
    ['key and user', () => ({ apiKeyId: keys.k3, userId: member })],
    ['no key: the by-key breakdown of the whole org', () => ({})],
    ['no key, by model: the breakdown follows the filter', () => ({ model: 'gpt-4o-mini' })],
    ['no key, by project and range', () => ({ projectId: projects.a, from: '2026-06-11', to: '2026-06-13' })],
  ];
  for (const [name, filters] of cases) {
    it(`equals the sum over usage_records: ${name}`, async () => {
      const f = filters();
      const { c, got } = await charts(f);
      const want = await expected(f, c.range);
      expect(got).toEqual(want);
    });
  }

  it('is not empty where the key metered, and names the keys', async () => {
    const { got, c } = await charts({ apiKeyId: keys.k1, from: '2026-06-11', to: '2026-06-12' });
    expect(got.daily.length).toBeGreaterThan(0);
    expect(c.byApiKey.map((k) => k.label)).toEqual(['CI']);
    const all = await charts({});
    expect(all.c.byApiKey.map((k) => k.label).sort()).toEqual(['CI', 'Nightly', 'Staging']);
  });

  it('reads nothing for a key of another org', async () => {
    const other = await createOrg(app);
    const foreign = (await other.owner.call(apiKeysContract.create, { body: { name: 'Theirs' } })).body.apiKey.id as string;
    clock.set('2026-06-14T18:30:00Z');
    await app.services.ledger.record({ orgId: other.orgId, userId: null, projectId: null, apiKeyId: foreign, source: 'api', useCase: 'chat', model: 'demo-model', inputTokens: 0, outputTokens: 500 });
    const { got } = await charts({ apiKeyId: foreign });
    expect(got).toEqual({ daily: [], byUser: [], byProject: [], byModel: [], byApiKey: [] });
  });

  it('stays exact under concurrent calls: keys and app calls of two orgs in the same batches', async () => {
    clock.set('2026-06-14T19:00:00Z');
    const other = await createOrg(app);
    const key = async (o: typeof other, name: string) => (await o.owner.call(apiKeysContract.create, { body: { name } })).body.apiKey.id as string;
    const mine = [keys.k1, keys.k2];
    const theirs = [await key(other, 'A'), await key(other, 'B')];
    const call = (orgId: string, apiKeyId: string | null, i: number) =>
      app.services.ledger.record({
        orgId,
        userId: apiKeyId ? null : member,
        projectId: i % 3 ? projects.a : null,
        apiKeyId,
        source: apiKeyId ? 'api' : 'app',
        useCase: i % 2 ? 'chat' : 'report',
        model: 'demo-model',
        inputTokens: 0,
        outputTokens: 50 + i,
      });
    const before = await charts({ apiKeyId: keys.k1, from: '2026-06-14', to: '2026-06-14' });
    await Promise.all(
      Array.from({ length: 60 }, (_, i) => [call(org.orgId, i % 5 === 4 ? null : mine[i % 2]!, i), call(other.orgId, theirs[i % 2]!, i)]).flat(),
    );
    await expectOrgInvariants(app.db, org.orgId, clock.now());
    await expectOrgInvariants(app.db, other.orgId, clock.now());
    const after = await charts({ apiKeyId: keys.k1, from: '2026-06-14', to: '2026-06-14' });
    expect(after.got).toEqual(await expected({ apiKeyId: keys.k1 }, after.c.range));
    expect(after.got.byApiKey[0]!.mc).toBeGreaterThan(before.got.byApiKey[0]!.mc);
    for (const k of theirs) {
      const res = await other.member.call(creditsContract.charts, { query: { apiKeyId: k } });
      const [row] = (
        await sql<{ mc: string }>`select sum(charged_mc)::text as mc from usage_records where org_id = ${other.orgId} and api_key_id = ${k}`.execute(app.db)
      ).rows;
      expect(res.body.byApiKey).toEqual([{ id: k, label: k === theirs[0] ? 'A' : 'B', mc: Number(row!.mc) }]);
    }
  });
});
