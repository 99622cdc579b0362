import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { costMc, findModel } from '@ai-credits/shared/catalog';
import { aiContract } from '@ai-credits/shared/contracts/ai';
import { creditsContract } from '@ai-credits/shared/contracts/credits';
import { orgContract } from '@ai-credits/shared/contracts/org';
import { countTokens } from '../src/features/ai/tokenizer';
import { waitFor } from './support/fault-helpers';
import { startFakeOpenAi } from './support/fake-openai';
import { createOrg, startApp, uniq, type Client, type TestApp } from './support/harness';
import { expectOrgInvariants } from './support/ledger-assertions';
import { completionOf, streamOf } from './support/provider-stream';
import { openStream, parseSse, readAll, type SseEvent } from './support/sse';

/**
 * Streamed reports and test generation with progress (ADR 026, issue 22) on real PostgreSQL,
 * with the offline demo model and with an OpenAI-compatible provider over real HTTP
 * (startFakeOpenAi). The same guarantees as the streamed chat: the hold before the first token,
 * settled from the provider's final usage; stopped, disconnected or broken off midway, what was
 * produced is charged exactly once and kept (a generation: only its whole cases), marked stopped.
 */
const gpt = findModel('gpt-4o-mini')!;
const demo = findModel('demo-model')!;
const REPORT = aiContract.createReportStream.path;
const GENERATE = aiContract.generateTestCasesStream.path;

let script: (body: { stream?: boolean }) => Response = () => streamOf(['Hello.', { usage: [10, 2] }]);
let demoApp: TestApp;
let gptApp: TestApp;
let fake: Awaited<ReturnType<typeof startFakeOpenAi>>;
beforeAll(async () => {
  fake = await startFakeOpenAi((body) => script(body as { stream?: boolean }));
  [demoApp, gptApp] = await Promise.all([
    startApp(),
    startApp({ env: { AI_BASE_URL: fake.baseUrl, AI_API_KEY: 'sk-stream', AI_MODEL: 'gpt-4o-mini', AI_TIMEOUT_MS: '400', STREAM_STALL_TIMEOUT_MS: '500' } }),
  ]);
});
afterEach(() => {
  script = () => streamOf(['Hello.', { usage: [10, 2] }]);
});
afterAll(async () => {
  await Promise.all([demoApp?.close(), gptApp?.close()]);
  await fake?.close();
});

async function setup(app: TestApp) {
  const org = await createOrg(app);
  const project = (await org.owner.call(orgContract.createProject, { body: { name: uniq('Project ') } })).data;
  return { ...org, project };
}

const REQUIREMENT = 'As a shopper, I want to apply a coupon at checkout. Expired coupons are rejected. A cart holds at most 50 items.';
const aCase = (title: string, area = 'Checkout & payments') => ({ area, title, preconditions: 'A cart with items', steps: ['Open the cart', 'Apply the coupon'], expectedResult: 'The total drops' });

/** Saved test cases to report on: an unstreamed generation answered by the provider. */
async function withCases(member: Client, projectId: string) {
  script = () => completionOf(JSON.stringify({ testCases: [aCase('Valid coupon'), aCase('Expired coupon'), aCase('Sign in', 'Authentication')] }), [100, 80]);
  const res = await member.call(aiContract.generateTestCases, { body: { projectId, requirement: REQUIREMENT }, headers: { 'idempotency-key': uniq('key-') } });
  expect(res.status).toBe(201);
}

const balanceOf = async (client: Client) => (await client.call(creditsContract.summary)).data.balanceMc;
const usageRows = (app: TestApp, orgId: string) => app.db.selectFrom('usage_records').selectAll().where('org_id', '=', orgId).orderBy('occurred_at').execute();
const openReservations = (app: TestApp, orgId: string) => app.db.selectFrom('reservations').select('id').where('org_id', '=', orgId).where('status', '=', 'open').execute();
const texts = (events: SseEvent[]) => events.filter((e) => e.event === 'delta').map((e) => e.data.text as string).join('');

/** The same Idempotency-Key again, until the stopped run is settled: its saved result, as one `done` event. */
async function replay(client: Client, path: string, body: unknown, key: string) {
  let events: SseEvent[] = [];
  await waitFor('the stopped run to be settled', async () => {
    const res = await client.request('POST', path, { body, headers: { 'idempotency-key': key } });
    if (res.status === 409) return false;
    expect(res.status).toBe(200);
    events = parseSse(res.text);
    return true;
  });
  expect(events.map((e) => e.event)).toEqual(['done']);
  return events[0]!.data;
}

/** Reads events until `until` says so, then closes the connection (the Stop button). */
async function readUntil(stream: Awaited<ReturnType<typeof openStream>>, until: (seen: SseEvent[]) => boolean) {
  const seen: SseEvent[] = [];
  for await (const e of stream.events!) {
    seen.push(e);
    if (until(seen)) break;
  }
  stream.abort();
  return seen;
}

describe('streamed reports', () => {
  it('demo model: start, the report as it is written, done; the charge is the usage counted, once; the same key replays it', async () => {
    const { member, orgId, project } = await setup(demoApp);
    await readAll((await openStream(member, GENERATE, { projectId: project.id, requirement: REQUIREMENT }, uniq('key-'))).events!);
    const before = await balanceOf(member);
    const key = uniq('key-');
    const stream = await openStream(member, REPORT, { projectId: project.id }, key);
    expect([stream.status, stream.contentType]).toEqual([200, expect.stringContaining('text/event-stream')]);
    const events = await readAll(stream.events!);
    expect(events[0]).toMatchObject({ event: 'start', data: { model: 'demo-model', demo: true } });
    expect(events.at(-1)!.event).toBe('done');
    const done = events.at(-1)!.data;
    expect(aiContract.createReport.response.safeParse(done).success).toBe(true);
    expect(done.report.stopped).toBe(false);
    // The text streamed is the report: its summary, then the gaps.
    expect(texts(events).startsWith(done.report.summary)).toBe(true);
    for (const gap of done.report.gaps) expect(texts(events)).toContain(`- ${gap}`);
    expect(done.report.gaps.length).toBeGreaterThan(0);
    expect(done.run.outputTokens).toBe(countTokens(texts(events)));
    expect(events[0]!.data.holdMc).toBeGreaterThanOrEqual(done.run.chargedMc);
    expect(events.filter((e) => e.event === 'delta').at(-1)!.data.chargedMc).toBe(done.run.chargedMc);
    expect(await balanceOf(member)).toBe(before - done.run.chargedMc);
    expect(await replay(member, REPORT, { projectId: project.id }, key)).toEqual(done);
    expect(await usageRows(demoApp, orgId)).toHaveLength(2);
    const saved = (await member.call(aiContract.listReports, { query: { projectId: project.id } })).data.reports;
    expect(saved).toEqual([done.report]);
    await expectOrgInvariants(demoApp.db, orgId, demoApp.clock.now());
  });

  it('a project with no test cases: 409 with the reason, before anything is held', async () => {
    const { member, orgId, project } = await setup(demoApp);
    const res = await openStream(member, REPORT, { projectId: project.id }, uniq('key-'));
    expect([res.status, res.json.error.code]).toEqual([409, 'CONFLICT']);
    expect(res.json.error.message).toMatch(/no test cases/);
    expect(await usageRows(demoApp, orgId)).toHaveLength(0);
    expect(await openReservations(demoApp, orgId)).toEqual([]);
  });

  it('charges exactly the usage the provider reports at the end', async () => {
    const { member, orgId, project } = await setup(gptApp);
    await withCases(member, project.id);
    const before = await balanceOf(member);
    script = () => streamOf(['Three cases', ' across two areas.', '\n\nGaps:\n', '- No refund cases.\n', '- Sign-in has one case.', { usage: [410, 37] }]);
    const events = await readAll((await openStream(member, REPORT, { projectId: project.id }, uniq('key-'))).events!);
    expect(events.map((e) => e.event)).toEqual(['start', 'delta', 'delta', 'delta', 'delta', 'delta', 'done']);
    const done = events.at(-1)!.data;
    expect(done.report).toMatchObject({ summary: 'Three cases across two areas.', gaps: ['No refund cases.', 'Sign-in has one case.'], stopped: false, testCaseCount: 3 });
    expect(done.run).toMatchObject({ inputTokens: 410, outputTokens: 37, chargedMc: Number(costMc(gpt, 410, 37)) });
    expect(await balanceOf(member)).toBe(before - done.run.chargedMc);
    await expectOrgInvariants(gptApp.db, orgId, gptApp.clock.now());
  });

  it('a stop after N chunks charges the prompt and the N chunks counted by the tokenizer; the report is saved stopped', async () => {
    const { member, orgId, project } = await setup(gptApp);
    await withCases(member, project.id);
    const before = await balanceOf(member);
    script = () => streamOf(['One two', ' three four', ' five.', 'hang']);
    const key = uniq('key-');
    const seen = await readUntil(await openStream(member, REPORT, { projectId: project.id }, key), (s) => s.length === 4);
    expect(seen.at(-1)!.data).toMatchObject({ text: ' five.', outputTokens: 6 });
    const done = await replay(member, REPORT, { projectId: project.id }, key);
    expect(done.report).toMatchObject({ summary: 'One two three four five.', gaps: [], stopped: true });
    expect(done.run.outputTokens).toBe(6);
    expect(done.run.chargedMc).toBe(Number(costMc(gpt, done.run.inputTokens, 6)));
    expect(seen.at(-1)!.data.chargedMc).toBe(done.run.chargedMc);
    expect(await balanceOf(member)).toBe(before - done.run.chargedMc);
    expect(await openReservations(gptApp, orgId)).toEqual([]);
    await expectOrgInvariants(gptApp.db, orgId, gptApp.clock.now());
  });

  it('a client that disconnects midway (the socket closes) is charged for what was produced, once', async () => {
    const { member, orgId, project } = await setup(gptApp);
    await withCases(member, project.id);
    const before = await balanceOf(member);
    script = () => streamOf(['Coverage is thin', ' in checkout.', 'hang']);
    const { port } = new URL(gptApp.baseUrl);
    const body = JSON.stringify({ projectId: project.id });
    const socket = net.connect(Number(port), '127.0.0.1');
    let received = '';
    socket.on('data', (b: Buffer) => (received += b.toString('utf8')));
    socket.write(
      `POST ${REPORT} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Cookie: ${member.cookie}\r\nX-CSRF-Token: ${member.csrfToken}\r\nIdempotency-Key: ${uniq('key-')}\r\n\r\n${body}`,
    );
    await waitFor('two deltas', async () => (received.match(/event: delta/g) ?? []).length >= 2);
    socket.destroy();
    await waitFor('the disconnected report to be settled', async () => (await usageRows(gptApp, orgId)).length === 2);
    const report = await gptApp.db.selectFrom('ai_reports').select(['stopped', 'summary', 'usage_id']).where('org_id', '=', orgId).executeTakeFirstOrThrow();
    expect(report).toMatchObject({ stopped: true, summary: 'Coverage is thin in checkout.' });
    const usage = (await usageRows(gptApp, orgId)).at(-1)!;
    expect([usage.id, usage.output_tokens]).toEqual([report.usage_id, countTokens('Coverage is thin in checkout.')]);
    expect(await balanceOf(member)).toBe(before - Number(usage.charged_mc));
    expect(await openReservations(gptApp, orgId)).toEqual([]);
    await expectOrgInvariants(gptApp.db, orgId, gptApp.clock.now());
  });

  it('a provider that fails midway: the partial report is saved, marked stopped, and what was sent is charged', async () => {
    const { member, orgId, project } = await setup(gptApp);
    await withCases(member, project.id);
    const before = await balanceOf(member);
    script = () => streamOf(['Partial', ' report', { wait: 50 }, 'error']);
    const events = await readAll((await openStream(member, REPORT, { projectId: project.id }, uniq('key-'))).events!);
    expect(events.map((e) => e.event)).toEqual(['start', 'delta', 'delta', 'done']);
    const done = events.at(-1)!.data;
    expect(done.report).toMatchObject({ summary: 'Partial report', stopped: true });
    expect(done.run.outputTokens).toBe(2);
    expect(await balanceOf(member)).toBe(before - done.run.chargedMc);
    expect(await usageRows(gptApp, orgId)).toHaveLength(2);
    await expectOrgInvariants(gptApp.db, orgId, gptApp.clock.now());
  });
});

describe('streamed test generation (progress)', () => {
  it('demo model: the count of whole cases grows as they are written; done has them all; charged once', async () => {
    const { member, orgId, project } = await setup(demoApp);
    const before = await balanceOf(member);
    const events = await readAll((await openStream(member, GENERATE, { projectId: project.id, requirement: REQUIREMENT }, uniq('key-'))).events!);
    expect(events[0]).toMatchObject({ event: 'start', data: { demo: true } });
    const done = events.at(-1)!;
    expect(done.event).toBe('done');
    expect(aiContract.generateTestCases.response.safeParse(done.data).success).toBe(true);
    const { generation, run } = done.data;
    expect(generation.stopped).toBe(false);
    const deltas = events.filter((e) => e.event === 'delta').map((e) => e.data);
    const counts = deltas.map((d) => d.testCaseCount as number);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(counts[0]).toBe(0);
    expect(counts.at(-1)).toBe(generation.testCases.length);
    expect(deltas.flatMap((d) => d.newCases.map((c: { title: string }) => c.title))).toEqual(generation.testCases.map((t: { title: string }) => t.title));
    expect(deltas.at(-1)!.chargedMc).toBe(run.chargedMc);
    expect(run.chargedMc).toBe(Number(costMc(demo, run.inputTokens, run.outputTokens)));
    expect(await balanceOf(member)).toBe(before - run.chargedMc);
    expect(await usageRows(demoApp, orgId)).toHaveLength(1);
    await expectOrgInvariants(demoApp.db, orgId, demoApp.clock.now());
  });

  it('charges exactly the usage the provider reports at the end', async () => {
    const { member, orgId, project } = await setup(gptApp);
    const before = await balanceOf(member);
    const json = JSON.stringify({ testCases: [aCase('Valid coupon'), aCase('Expired coupon')] });
    script = () => streamOf([json.slice(0, 60), json.slice(60, 200), json.slice(200), { usage: [222, 99] }]);
    const events = await readAll((await openStream(member, GENERATE, { projectId: project.id, requirement: REQUIREMENT }, uniq('key-'))).events!);
    const done = events.at(-1)!.data;
    expect(done.generation.testCases.map((t: { title: string }) => t.title)).toEqual(['Valid coupon', 'Expired coupon']);
    expect(done.run).toMatchObject({ inputTokens: 222, outputTokens: 99, chargedMc: Number(costMc(gpt, 222, 99)) });
    expect(await balanceOf(member)).toBe(before - done.run.chargedMc);
    await expectOrgInvariants(gptApp.db, orgId, gptApp.clock.now());
  });

  it('a stop midway keeps only the whole cases and charges what was produced', async () => {
    const { member, orgId, project } = await setup(gptApp);
    const before = await balanceOf(member);
    const first = JSON.stringify(aCase('Valid coupon'));
    const pieces = ['{"testCases":[', first, ',{"area":"Checkout","title":"Half a ca', 'hang'];
    script = () => streamOf(pieces);
    const key = uniq('key-');
    const body = { projectId: project.id, requirement: REQUIREMENT };
    const seen = await readUntil(await openStream(member, GENERATE, body, key), (s) => s.length === 4);
    expect(seen.map((e) => e.data.testCaseCount)).toEqual([undefined, 0, 1, 1]);
    expect(seen[2]!.data.newCases).toEqual([{ area: 'Checkout & payments', title: 'Valid coupon' }]);
    const done = await replay(member, GENERATE, body, key);
    expect(done.generation.stopped).toBe(true);
    expect(done.generation.testCases.map((t: { title: string }) => t.title)).toEqual(['Valid coupon']);
    const produced = pieces.slice(0, 3).join('');
    expect(done.run.outputTokens).toBe(countTokens(produced));
    expect(done.run.chargedMc).toBe(Number(costMc(gpt, done.run.inputTokens, countTokens(produced))));
    expect(await balanceOf(member)).toBe(before - done.run.chargedMc);
    const saved = (await member.call(aiContract.listTestCases, { query: { projectId: project.id } })).data.generations;
    expect(saved.map((g) => [g.stopped, g.testCases.length])).toEqual([[true, 1]]);
    expect(await openReservations(gptApp, orgId)).toEqual([]);
    await expectOrgInvariants(gptApp.db, orgId, gptApp.clock.now());
  });

  it('a provider that fails midway: the whole cases are saved, marked stopped, and what was sent is charged', async () => {
    const { member, orgId, project } = await setup(gptApp);
    const before = await balanceOf(member);
    script = () => streamOf(['{"testCases":[', JSON.stringify(aCase('Valid coupon')), ',{"area":"Che', { wait: 50 }, 'error']);
    const events = await readAll((await openStream(member, GENERATE, { projectId: project.id, requirement: REQUIREMENT }, uniq('key-'))).events!);
    expect(events.map((e) => e.event)).toEqual(['start', 'delta', 'delta', 'delta', 'done']);
    const done = events.at(-1)!.data;
    expect(done.generation.stopped).toBe(true);
    expect(done.generation.testCases).toHaveLength(1);
    expect(await balanceOf(member)).toBe(before - done.run.chargedMc);
    expect(await usageRows(gptApp, orgId)).toHaveLength(1);
    await expectOrgInvariants(gptApp.db, orgId, gptApp.clock.now());
  });
});

describe('shutdown', () => {
  it('stops a running report and a running generation: each is settled for what it produced, and its client gets done', async () => {
    const { member, orgId, project } = await setup(demoApp);
    await readAll((await openStream(member, GENERATE, { projectId: project.id, requirement: REQUIREMENT }, uniq('key-'))).events!);
    const report = await openStream(member, REPORT, { projectId: project.id }, uniq('key-'));
    const generation = await openStream(member, GENERATE, { projectId: project.id, requirement: `${REQUIREMENT} Refunds go to the card.` }, uniq('key-'));
    await report.events!.next();
    await generation.events!.next();
    await demoApp.services.ai.drainStreams(50);
    const [reportRest, generationRest] = await Promise.all([readAll(report.events!), readAll(generation.events!)]);
    expect(reportRest.at(-1)!.event).toBe('done');
    expect(reportRest.at(-1)!.data.report).toMatchObject({ stopped: true, summary: texts(reportRest).trim() });
    expect(generationRest.at(-1)!.event).toBe('done');
    expect(generationRest.at(-1)!.data.generation.stopped).toBe(true);
    expect(await usageRows(demoApp, orgId)).toHaveLength(3);
    expect(await openReservations(demoApp, orgId)).toEqual([]);
    await expectOrgInvariants(demoApp.db, orgId, demoApp.clock.now());
  });
});
