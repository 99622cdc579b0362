import net from 'node:net';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { costMc, findModel } from '@ai-credits/shared/catalog';
import { aiContract } from '@ai-credits/shared/contracts/ai';
import { creditsContract } from '@ai-credits/shared/contracts/credits';
import { orgContract } from '@ai-credits/shared/contracts/org';
import { countTokens } from '../src/features/ai/tokenizer';
import { waitFor } from './support/fault-helpers';
import { createOrg, startApp, uniq, type Client, type TestApp } from './support/harness';
import { startFakeOpenAi } from './support/fake-openai';
import { expectOrgInvariants } from './support/ledger-assertions';
import { streamOf, type Part } from './support/provider-stream';
import { openChatStream, parseSse, readAll, type SseEvent } from './support/sse';

/**
 * Streamed chat answers (ADR 026) on real PostgreSQL: with the offline demo model, and with an
 * OpenAI-compatible provider faked by MSW (the third party only) speaking its streaming format.
 * Whatever ends a stream, it is charged exactly once and the ledger invariants hold.
 */
const BASE_URL = 'https://llm-stream.test/v1';
const gpt = findModel('gpt-4o-mini')!;

function* flood(piece: string, count: number): Generator<Part> {
  for (let i = 0; i < count; i += 1) yield piece;
  yield { usage: [30, 600] };
}

let script: () => Response = () => streamOf(['Hello', ' there.', { usage: [10, 3] }]);
const requests: { stream?: boolean; stream_options?: { include_usage?: boolean }; max_tokens?: number }[] = [];
const provider = setupServer(
  http.post(`${BASE_URL}/chat/completions`, async ({ request }) => {
    requests.push((await request.json()) as (typeof requests)[number]);
    return script();
  }),
);

let demoApp: TestApp;
/** On the MSW provider. */
let gptApp: TestApp;
/** On the same script served over real HTTP (startFakeOpenAi): for the runs that abort the provider's response midway, which MSW's interception does not survive. */
let realApp: TestApp;
let fake: Awaited<ReturnType<typeof startFakeOpenAi>>;
const gptEnv = { AI_API_KEY: 'sk-stream', AI_MODEL: 'gpt-4o-mini', AI_TIMEOUT_MS: '400', STREAM_STALL_TIMEOUT_MS: '500' };
beforeAll(async () => {
  provider.listen({ onUnhandledFrame: 'bypass' });
  fake = await startFakeOpenAi((body) => {
    requests.push(body as (typeof requests)[number]);
    return script();
  });
  [demoApp, gptApp, realApp] = await Promise.all([startApp(), startApp({ env: { AI_BASE_URL: BASE_URL, ...gptEnv } }), startApp({ env: { AI_BASE_URL: fake.baseUrl, ...gptEnv } })]);
});
afterEach(() => {
  requests.length = 0;
});
afterAll(async () => {
  await Promise.all([demoApp?.close(), gptApp?.close(), realApp?.close()]);
  await fake?.close();
  provider.close();
});

async function setup(app: TestApp) {
  const org = await createOrg(app);
  const project = (await org.owner.call(orgContract.createProject, { body: { name: uniq('Project ') } })).data;
  return { ...org, project };
}

const balanceOf = async (client: Client) => (await client.call(creditsContract.summary)).data.balanceMc;
const usageRows = (app: TestApp, orgId: string) => app.db.selectFrom('usage_records').selectAll().where('org_id', '=', orgId).execute();
const openReservations = (app: TestApp, orgId: string) => app.db.selectFrom('reservations').select('id').where('org_id', '=', orgId).where('status', '=', 'open').execute();
const texts = (events: SseEvent[]) => events.filter((e) => e.event === 'delta').map((e) => e.data.text as string).join('');

/** The same Idempotency-Key again, until the stopped run is settled: its saved exchange, as one `done` event. */
async function replay(client: Client, projectId: string, message: string, key: string) {
  let events: SseEvent[] = [];
  await waitFor('the stopped answer to be settled', async () => {
    const res = await client.request('POST', aiContract.chatStream.path, { body: { projectId, message }, headers: { 'idempotency-key': key } });
    if (res.status === 409) return false;
    expect(res.status).toBe(200);
    events = parseSse(res.text);
    return true;
  });
  expect(events.map((e) => e.event)).toEqual(['done']);
  return events[0]!.data;
}

describe('streamed chat with the offline demo model', () => {
  it('streams start, the answer word by word, then done; charges what the demo model counted, once', async () => {
    const { member, orgId, project } = await setup(demoApp);
    const before = await balanceOf(member);
    const key = uniq('key-');
    const started = Date.now();
    const stream = await openChatStream(member, { projectId: project.id, message: 'How should I test the coupon rules?' }, key);
    expect(stream.status).toBe(200);
    const first = await stream.events!.next();
    const firstEventMs = Date.now() - started;
    expect(first.value).toMatchObject({ event: 'start', data: { model: 'demo-model', demo: true } });
    const rest = await readAll(stream.events!);
    expect(rest.at(-1)?.event).toBe('done');
    const deltas = rest.filter((e) => e.event === 'delta');
    expect(deltas.length).toBeGreaterThan(10);
    const done = rest.at(-1)!.data;
    expect(aiContract.chat.response.safeParse(done).success).toBe(true);
    expect(done.reply).toMatchObject({ role: 'assistant', stopped: false, content: texts(rest).trim() });
    // The meter: credits so far never go down and end at the charge; the hold covers it.
    const meter = deltas.map((d) => d.data.chargedMc as number);
    expect(meter).toEqual([...meter].sort((a, b) => a - b));
    expect(meter.at(-1)).toBe(done.run.chargedMc);
    expect(first.value!.data.holdMc).toBeGreaterThanOrEqual(done.run.chargedMc);
    expect(done.run.outputTokens).toBe(countTokens(done.reply.content));
    expect(await balanceOf(member)).toBe(before - done.run.chargedMc);
    expect(await usageRows(demoApp, orgId)).toHaveLength(1);
    expect(firstEventMs).toBeLessThan(5_000); // "within a second" is measured against a separate provider process (docs/benchmarks.md)
    // The same key again: the saved exchange, not a second charge.
    expect(await replay(member, project.id, 'How should I test the coupon rules?', key)).toEqual(done);
    expect(await usageRows(demoApp, orgId)).toHaveLength(1);
    const conversation = (await member.call(aiContract.getConversation, { params: { conversationId: done.conversation.id } })).data;
    expect(conversation.messages.map((m) => [m.role, m.stopped])).toEqual([['user', false], ['assistant', false]]);
    await expectOrgInvariants(demoApp.db, orgId, demoApp.clock.now());
  });

  it('refuses before the stream starts with an ordinary JSON error (nothing held)', async () => {
    const { member, owner, orgId, project } = await setup(demoApp);
    const empty = await openChatStream(member, { projectId: project.id, message: '   ' }, uniq('key-'));
    expect([empty.status, empty.json.error.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect((await owner.call(creditsContract.setAiEnabled, { body: { enabled: false } })).status).toBe(200);
    const off = await openChatStream(member, { projectId: project.id, message: 'Anything?' }, uniq('key-'));
    expect([off.status, off.json.error.code]).toEqual([403, 'AI_DISABLED']);
    expect(await usageRows(demoApp, orgId)).toHaveLength(0);
    expect(await openReservations(demoApp, orgId)).toEqual([]);
  });

  it('the user stops it midway: what was produced is saved, marked stopped, and charged once', async () => {
    const { member, orgId, project } = await setup(demoApp);
    const before = await balanceOf(member);
    const key = uniq('key-');
    const message = 'How do I write a good bug report?';
    const stream = await openChatStream(member, { projectId: project.id, message }, key);
    const seen: SseEvent[] = [];
    for await (const e of stream.events!) {
      seen.push(e);
      if (seen.filter((x) => x.event === 'delta').length === 5) break;
    }
    stream.abort();
    const done = await replay(member, project.id, message, key);
    expect(done.reply.stopped).toBe(true);
    // At least what the client saw, and less than the whole answer.
    expect(done.reply.content.startsWith(texts(seen))).toBe(true);
    expect(done.run.outputTokens).toBe(countTokens(done.reply.content));
    expect(done.run.chargedMc).toBe(Number(costMc(findModel('demo-model')!, done.run.inputTokens, done.run.outputTokens)));
    expect(await balanceOf(member)).toBe(before - done.run.chargedMc);
    expect(await usageRows(demoApp, orgId)).toHaveLength(1);
    expect(await openReservations(demoApp, orgId)).toEqual([]);
    await expectOrgInvariants(demoApp.db, orgId, demoApp.clock.now());
  });

  it('a shutdown stops running streams: each is settled for what it produced and its client gets done', async () => {
    const { member, orgId, project } = await setup(demoApp);
    const stream = await openChatStream(member, { projectId: project.id, message: 'What should I automate first?' }, uniq('key-'));
    await stream.events!.next();
    await demoApp.services.ai.drainStreams(50);
    const rest = await readAll(stream.events!);
    const done = rest.at(-1)!;
    expect(done.event).toBe('done');
    expect(done.data.reply.stopped).toBe(true);
    expect(done.data.reply.content).toBe(texts(rest));
    expect(await usageRows(demoApp, orgId)).toHaveLength(1);
    await expectOrgInvariants(demoApp.db, orgId, demoApp.clock.now());
  });
});

describe('streamed chat with an OpenAI-compatible provider', () => {
  it('asks for a stream with the usage chunk and charges exactly the usage it reports', async () => {
    script = () => streamOf(['Cover the', ' expired coupon', ' first.', { usage: [321, 45] }]);
    const { member, orgId, project } = await setup(gptApp);
    const before = await balanceOf(member);
    const events = await readAll((await openChatStream(member, { projectId: project.id, message: 'Which coupon case first?' }, uniq('key-'))).events!);
    expect(requests[0]).toMatchObject({ stream: true, stream_options: { include_usage: true }, max_tokens: 600 });
    expect(events.map((e) => e.event)).toEqual(['start', 'delta', 'delta', 'delta', 'done']);
    const done = events.at(-1)!.data;
    // 321 × 0.15 = 48.15 -> 49, 45 × 0.6 = 27 (each side rounded up).
    expect(done.run).toMatchObject({ model: 'gpt-4o-mini', inputTokens: 321, outputTokens: 45, chargedMc: 49 + 27 });
    expect(done.reply).toMatchObject({ content: 'Cover the expired coupon first.', stopped: false });
    expect(await balanceOf(member)).toBe(before - 76);
    await expectOrgInvariants(gptApp.db, orgId, gptApp.clock.now());
  });

  it('a stop after N chunks charges the prompt and the N chunks counted by the tokenizer', async () => {
    script = () => streamOf(['One two', ' three four', ' five.', 'hang']);
    const { member, orgId, project } = await setup(realApp);
    const before = await balanceOf(member);
    const key = uniq('key-');
    const stream = await openChatStream(member, { projectId: project.id, message: 'Stop me' }, key);
    const seen: SseEvent[] = [];
    for await (const e of stream.events!) {
      seen.push(e);
      if (seen.length === 4) break;
    }
    expect(seen.at(-1)!.data).toMatchObject({ text: ' five.', outputTokens: 6 });
    stream.abort();
    const done = await replay(member, project.id, 'Stop me', key);
    expect(done.reply).toMatchObject({ content: 'One two three four five.', stopped: true });
    expect(done.run.outputTokens).toBe(6);
    expect(done.run.chargedMc).toBe(Number(costMc(gpt, done.run.inputTokens, 6)));
    expect(seen.at(-1)!.data.chargedMc).toBe(done.run.chargedMc);
    expect(await balanceOf(member)).toBe(before - done.run.chargedMc);
    expect(await openReservations(realApp, orgId)).toEqual([]);
    await expectOrgInvariants(realApp.db, orgId, realApp.clock.now());
  });

  for (const [name, tail] of [
    ['breaks the connection', 'error'],
    ['stops sending (timeout mid-stream)', 'hang'],
    ['sends a malformed chunk', { raw: 'data: {"choices": [{"delta": {"content": "unterminated\n\n' }],
  ] as const) {
    it(`a provider that ${name} midway: the partial answer is saved, marked stopped, and charged`, async () => {
      script = () => streamOf(['Partial', ' answer', { wait: 50 }, tail as Part]);
      const { member, orgId, project } = await setup(realApp);
      const before = await balanceOf(member);
      const events = await readAll((await openChatStream(member, { projectId: project.id, message: 'Break midway' }, uniq('key-'))).events!);
      expect(events.map((e) => e.event)).toEqual(['start', 'delta', 'delta', 'done']);
      const done = events.at(-1)!.data;
      expect(done.reply).toMatchObject({ content: 'Partial answer', stopped: true });
      expect(done.run.outputTokens).toBe(2);
      expect(await balanceOf(member)).toBe(before - done.run.chargedMc);
      expect(await usageRows(realApp, orgId)).toHaveLength(1);
      await expectOrgInvariants(realApp.db, orgId, realApp.clock.now());
    });
  }

  it('a provider that fails before its first token: error event, nothing charged, the same key can run again', async () => {
    script = () => HttpResponse.json({ error: { message: 'overloaded' } }, { status: 503 });
    const { member, orgId, project } = await setup(gptApp);
    const before = await balanceOf(member);
    const key = uniq('key-');
    const events = await readAll((await openChatStream(member, { projectId: project.id, message: 'Fail first' }, key)).events!);
    expect(events.map((e) => e.event)).toEqual(['start', 'error']);
    expect(events[1]!.data.error.code).toBe('PROVIDER_FAILED');
    expect(await balanceOf(member)).toBe(before);
    expect(await openReservations(gptApp, orgId)).toEqual([]);
    script = () => streamOf(['Now it works.', { usage: [20, 4] }]);
    const again = await readAll((await openChatStream(member, { projectId: project.id, message: 'Fail first' }, key)).events!);
    expect(again.at(-1)!.data.run.chargedMc).toBe(Number(costMc(gpt, 20, 4)));
    await expectOrgInvariants(gptApp.db, orgId, gptApp.clock.now());
  });

  it('a client that reads nothing is cut off after STREAM_STALL_TIMEOUT_MS and charged for what was produced', async () => {
    // Far more than the socket buffers hold (up to 32 MiB on loopback here), so the writes have to
    // wait for a reader that never comes; the provider is read only as fast as we write.
    const piece = 'x'.repeat(16_000) + ' ';
    script = () => streamOf(flood(piece, 10_000));
    const { member, orgId, project } = await setup(realApp);
    const { port } = new URL(realApp.baseUrl);
    const body = JSON.stringify({ projectId: project.id, message: 'Flood me' });
    const socket = net.connect(Number(port), '127.0.0.1');
    socket.pause();
    socket.write(
      `POST ${aiContract.chatStream.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Cookie: ${member.cookie}\r\nX-CSRF-Token: ${member.csrfToken}\r\nIdempotency-Key: ${uniq('key-')}\r\n\r\n${body}`,
    );
    try {
      await waitFor('the stalled stream to be settled', async () => (await usageRows(realApp, orgId)).length === 1, 20_000);
      const reply = await realApp.db.selectFrom('ai_messages').select(['stopped', 'content']).where('org_id', '=', orgId).where('role', '=', 'assistant').executeTakeFirstOrThrow();
      expect(reply.stopped).toBe(true);
      expect(reply.content.length).toBeLessThan(piece.length * 10_000);
      expect(await openReservations(realApp, orgId)).toEqual([]);
      await expectOrgInvariants(realApp.db, orgId, realApp.clock.now());
    } finally {
      socket.destroy();
    }
  });
});
