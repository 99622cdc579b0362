/**
 * `pnpm --filter @ai-credits/bff bench:first-token`: time to the first streamed token
 * of a chat answer and of a report against the time to the whole answer (ADR 026, issue 22), end to end: the
 * built BFF as its own process, a local OpenAI-compatible provider over real HTTP that waits
 * FIRST_MS before its first token and then writes TOKENS tokens GAP_MS apart, a member's session,
 * RUNS answers one after another (streamed: time to `start`, to the first `delta`, to `done`;
 * not streamed: POST /api/ai/chat). What the BFF adds is the figure minus the provider's own time.
 * Creates and drops its own database. Figures: docs/benchmarks.md "First streamed token".
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { aiContract } from '@ai-credits/shared/contracts/ai';
import { orgContract } from '@ai-credits/shared/contracts/org';
import { createPostgresDb, migrateToLatest } from '../src/db/db';
import { buildBff, startBff } from '../test/support/bff-process';
import { startFakeOpenAi } from '../test/support/fake-openai';
import { createOrg, uniq, type TestApp } from '../test/support/harness';
import { openChatStream, openStream } from '../test/support/sse';

const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const FIRST_MS = 300;
const TOKENS = 60;
const GAP_MS = 15;
const adminUrl = process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const words = Array.from({ length: TOKENS }, (_, i) => `w${i} `);
const usage = { prompt_tokens: 40, completion_tokens: TOKENS, total_tokens: 40 + TOKENS };
const encoder = new TextEncoder();
const frame = (data: unknown) => encoder.encode(`data: ${JSON.stringify(data)}\n\n`);

const fake = await startFakeOpenAi(async (body) => {
  const request = body as { stream?: boolean; messages: { content: string }[] };
  // The test generation that gives the reports something to read: whole, at once.
  if (request.messages.some((m) => m.content.includes('Requirement:'))) {
    const testCases = ['Valid coupon', 'Expired coupon', 'Sign in'].map((title) => ({ area: 'Checkout', title, preconditions: 'None', steps: ['Do it'], expectedResult: 'Done' }));
    return Response.json({ id: 'g', object: 'chat.completion', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content: JSON.stringify({ testCases }) }, finish_reason: 'stop' }], usage });
  }
  if (!request.stream) {
    await sleep(FIRST_MS + TOKENS * GAP_MS);
    return Response.json({ id: 'c', object: 'chat.completion', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content: words.join('') }, finish_reason: 'stop' }], usage });
  }
  let i = 0;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      await sleep(i === 0 ? FIRST_MS : GAP_MS);
      if (i < TOKENS) controller.enqueue(frame({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content: words[i] }, finish_reason: null }] }));
      else {
        controller.enqueue(frame({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [], usage }));
        controller.enqueue(encoder.encode('data: [DONE]\n\n'));
        controller.close();
      }
      i += 1;
    },
  });
  return new Response(stream, { headers: { 'content-type': 'text/event-stream' } });
});

const name = `ai_credits_bench_ft_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`create database ${name}`);
const url = new URL(adminUrl);
url.pathname = `/${name}`;
const db = createPostgresDb(url.toString(), 2);
await migrateToLatest(db);
await db.destroy();
buildBff();
const bff = await startBff(url.toString(), { AI_BASE_URL: fake.baseUrl, AI_MODEL: 'gpt-4o-mini', AI_API_KEY: 'sk-bench', LOG_LEVEL: 'warn' });

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return `p50 ${q(0.5).toFixed(0)} ms, p95 ${q(0.95).toFixed(0)} ms`;
};

try {
  const { member, owner } = await createOrg({ baseUrl: bff.baseUrl } as TestApp);
  const project = (await owner.call(orgContract.createProject, { body: { name: 'Bench' } })).data;
  const start: number[] = [];
  const first: number[] = [];
  const done: number[] = [];
  const whole: number[] = [];
  for (let run = 0; run < RUNS + 2; run++) {
    const t = performance.now();
    const stream = await openChatStream(member, { projectId: project.id, message: `Question ${run}` }, uniq('bench-'));
    if (!stream.events) throw new Error(`not a stream: ${stream.status} ${JSON.stringify(stream.json)}`);
    let sawStart = 0;
    let sawFirst = 0;
    for await (const e of stream.events) {
      const at = performance.now() - t;
      if (e.event === 'start') sawStart = at;
      if (e.event === 'delta' && !sawFirst) sawFirst = at;
      if (e.event === 'error') throw new Error(JSON.stringify(e.data));
    }
    const end = performance.now() - t;
    const t2 = performance.now();
    const res = await member.call(aiContract.chat, { body: { projectId: project.id, message: `Whole ${run}` }, headers: { 'idempotency-key': uniq('bench-') } });
    if (res.status !== 201 && res.status !== 200) throw new Error(`chat: ${res.status} ${res.text}`);
    const wholeMs = performance.now() - t2;
    if (run < 2) continue; // warm-up
    start.push(sawStart);
    first.push(sawFirst);
    done.push(end);
    whole.push(wholeMs);
  }
  console.log(`provider: first token after ${FIRST_MS} ms, then ${TOKENS} tokens ${GAP_MS} ms apart (${FIRST_MS + TOKENS * GAP_MS} ms of provider time); ${RUNS} runs each`);
  console.log(`chat streamed: 'start' (hold made) ${stats(start)}; first token ${stats(first)}; 'done' ${stats(done)}`);
  console.log(`chat not streamed (POST /api/ai/chat): whole answer ${stats(whole)}`);

  // Reports: the same provider, over the project's test cases.
  const generated = await member.call(aiContract.generateTestCases, { body: { projectId: project.id, requirement: 'A shopper can apply one coupon per order.' }, headers: { 'idempotency-key': uniq('bench-') } });
  if (generated.status !== 201) throw new Error(`generate: ${generated.status} ${generated.text}`);
  const rStart: number[] = [];
  const rFirst: number[] = [];
  const rDone: number[] = [];
  const rWhole: number[] = [];
  for (let run = 0; run < RUNS + 2; run++) {
    const t = performance.now();
    const stream = await openStream(member, aiContract.createReportStream.path, { projectId: project.id }, uniq('bench-'));
    if (!stream.events) throw new Error(`not a stream: ${stream.status} ${JSON.stringify(stream.json)}`);
    let sawStart = 0;
    let sawFirst = 0;
    for await (const e of stream.events) {
      const at = performance.now() - t;
      if (e.event === 'start') sawStart = at;
      if (e.event === 'delta' && !sawFirst) sawFirst = at;
      if (e.event === 'error') throw new Error(JSON.stringify(e.data));
    }
    const end = performance.now() - t;
    const t2 = performance.now();
    const res = await member.call(aiContract.createReport, { body: { projectId: project.id }, headers: { 'idempotency-key': uniq('bench-') } });
    if (res.status !== 201) throw new Error(`report: ${res.status} ${res.text}`);
    const wholeMs = performance.now() - t2;
    if (run < 2) continue; // warm-up
    rStart.push(sawStart);
    rFirst.push(sawFirst);
    rDone.push(end);
    rWhole.push(wholeMs);
  }
  console.log(`report streamed: 'start' (hold made) ${stats(rStart)}; first token ${stats(rFirst)}; 'done' ${stats(rDone)}`);
  console.log(`report not streamed (POST /api/ai/reports): whole report ${stats(rWhole)}`);
} finally {
  bff.signal('SIGTERM');
  await fake.close();
  await sleep(1000);
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.end();
}
