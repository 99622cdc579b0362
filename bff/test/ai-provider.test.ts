import { delay, http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { aiContract } from '@ai-credits/shared/contracts/ai';
import { creditsContract } from '@ai-credits/shared/contracts/credits';
import { orgContract } from '@ai-credits/shared/contracts/org';
import { createOrg, startApp, uniq, type Client, type TestApp } from './support/harness';

/** MSW fakes only the third party: an OpenAI-compatible chat-completions endpoint. */
const BASE_URL = 'https://llm.test/v1';
const COMPLETIONS = `${BASE_URL}/chat/completions`;
const API_KEY = 'sk-test-123';

const GENERATED = {
  testCases: [
    {
      area: 'Checkout',
      title: 'Saved cart survives sign-out',
      preconditions: 'A shopper with two items in the cart',
      steps: ['Sign out', 'Sign in again', 'Open the cart'],
      expectedResult: 'Both items are still in the cart',
    },
    { area: 'Checkout', title: 'Empty cart cannot be saved', preconditions: ['Signed in', 'Empty cart'], steps: ['Click Save cart'], expectedResult: 'The button is disabled' },
  ],
};

function completion(content: string, usage: { prompt_tokens: number; completion_tokens: number }) {
  return {
    id: 'chatcmpl-123',
    object: 'chat.completion',
    created: 1_764_000_000,
    model: 'gpt-4o-mini-2024-07-18',
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
  };
}

/** The happy path; a request we would not send is answered 400 (so the test fails loudly). */
const provider = setupServer(
  http.post(COMPLETIONS, async ({ request }) => {
    const body = (await request.json()) as { model?: string; messages?: { role: string; content: string }[]; max_tokens?: number };
    if (request.headers.get('authorization') !== `Bearer ${API_KEY}` || body.model !== 'gpt-4o-mini' || !body.messages?.length || !body.max_tokens) {
      return HttpResponse.json({ error: { message: 'bad request' } }, { status: 400 });
    }
    return HttpResponse.json(completion('```json\n' + JSON.stringify(GENERATED) + '\n```', { prompt_tokens: 321, completion_tokens: 456 }));
  }),
);

let app: TestApp;
beforeAll(async () => {
  // Our own BFF is called over real HTTP in the same process: let those requests through.
  provider.listen({ onUnhandledFrame: 'bypass' });
  app = await startApp({ env: { AI_BASE_URL: BASE_URL, AI_API_KEY: API_KEY, AI_MODEL: 'gpt-4o-mini', AI_TIMEOUT_MS: '300' } });
});
afterEach(() => provider.resetHandlers());
afterAll(async () => {
  await app.close();
  provider.close();
});

async function setup() {
  const { owner, member, orgId } = await createOrg(app);
  const project = (await owner.call(orgContract.createProject, { body: { name: uniq('Project ') } })).data;
  return { owner, member, orgId, project };
}

const balance = async (client: Client) => (await client.call(creditsContract.summary)).data;
const generate = (client: Client, projectId: string) =>
  client.call(aiContract.generateTestCases, { body: { projectId, requirement: 'As a shopper, I want to save my cart so that I can pay later.' }, headers: { 'idempotency-key': uniq('key-') } });

describe('OpenAI-compatible provider', () => {
  it('charges the usage the provider reports, exactly, at the configured model rate', async () => {
    const { member, owner, project } = await setup();
    const res = await generate(member, project.id);
    expect(res.status).toBe(201);
    // ceil(321 * 150 / 1000) + ceil(456 * 600 / 1000) = 49 + 274
    // gpt-4o-mini: 321 × 0.15 = 48.15 -> 49, 456 × 0.6 = 273.6 -> 274 (each side rounded up).
    const expected = 323;
    expect(expected).toBe(323);
    expect(res.body.run).toEqual({
      model: 'gpt-4o-mini',
      modelLabel: 'GPT-4o mini',
      demo: false,
      inputTokens: 321,
      outputTokens: 456,
      chargedMc: expected,
      balance: { balanceMc: 300_000 - expected, availableMc: 300_000 - expected },
    });
    expect(res.body.generation.testCases.map((t: { title: string; preconditions: string }) => [t.title, t.preconditions])).toEqual([
      ['Saved cart survives sign-out', 'A shopper with two items in the cart'],
      ['Empty cart cannot be saved', 'Signed in; Empty cart'],
    ]);
    expect(await balance(member)).toMatchObject({ balanceMc: 300_000 - expected, reservedMc: 0 });

    const usage = await owner.call(creditsContract.usage);
    expect(usage.body.items).toHaveLength(1);
    expect(usage.body.items[0]).toMatchObject({
      useCase: 'test_generation',
      model: 'gpt-4o-mini',
      inputTokens: 321,
      outputTokens: 456,
      chargedMc: expected,
      project: { id: project.id },
      user: { id: member.session!.user.id },
    });
  });

  it.each([
    ['429 rate limited', 429],
    ['500 server error', 500],
  ])('%s: releases the reservation, charges nothing, answers 502 PROVIDER_FAILED', async (_name, status) => {
    provider.use(http.post(COMPLETIONS, () => HttpResponse.json({ error: { message: 'nope', type: 'server_error' } }, { status })));
    const { member, owner, project } = await setup();
    const res = await generate(member, project.id);
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe('PROVIDER_FAILED');
    expect(res.body.error.message).toMatch(/Nothing was charged/);
    expect(await balance(member)).toMatchObject({ balanceMc: 300_000, reservedMc: 0 });
    expect((await owner.call(creditsContract.usage)).body.items).toHaveLength(0);
    expect((await member.call(aiContract.listTestCases, { query: { projectId: project.id } })).body.generations).toHaveLength(0);
  });

  it('timeout: releases the reservation and charges nothing', async () => {
    provider.use(
      http.post(COMPLETIONS, async () => {
        await delay(3_000);
        return HttpResponse.json(completion(JSON.stringify(GENERATED), { prompt_tokens: 1, completion_tokens: 1 }));
      }),
    );
    const { member, owner, project } = await setup();
    const started = Date.now();
    const res = await generate(member, project.id);
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(res.status).toBe(502);
    expect(res.body.error).toMatchObject({ code: 'PROVIDER_FAILED' });
    expect(res.body.error.message).toMatch(/within 300 ms/);
    expect(await balance(member)).toMatchObject({ balanceMc: 300_000, reservedMc: 0 });
    expect((await owner.call(creditsContract.usage)).body.items).toHaveLength(0);
  });

  it('an answer that is not test cases is a provider failure: nothing charged', async () => {
    provider.use(http.post(COMPLETIONS, () => HttpResponse.json(completion('Sorry, I cannot help with that.', { prompt_tokens: 100, completion_tokens: 8 }))));
    const { member, project } = await setup();
    const res = await generate(member, project.id);
    expect(res.status).toBe(502);
    expect(await balance(member)).toMatchObject({ balanceMc: 300_000, reservedMc: 0 });
  });

  it('a failed click can be retried with the same Idempotency-Key', async () => {
    provider.use(http.post(COMPLETIONS, () => HttpResponse.json({ error: { message: 'busy' } }, { status: 503 }), { once: true }));
    const { member, project } = await setup();
    const headers = { 'idempotency-key': uniq('retry-') };
    const body = { projectId: project.id, requirement: 'Users can reset their password by email.' };
    const failed = await member.call(aiContract.generateTestCases, { body, headers });
    expect(failed.status).toBe(502);
    const retried = await member.call(aiContract.generateTestCases, { body, headers });
    expect(retried.status).toBe(201);
    expect((await balance(member)).balanceMc).toBe(300_000 - retried.body.run.chargedMc);
  });
  it('chat and reports go through the same provider, each charged its reported usage', async () => {
    const { member, project } = await setup();
    expect((await generate(member, project.id)).status).toBe(201);
    provider.use(
      http.post(COMPLETIONS, () =>
        HttpResponse.json(completion('{"summary":"2 test cases, all in Checkout.","gaps":["No test covers authentication."]}', { prompt_tokens: 200, completion_tokens: 30 })),
        { once: true },
      ),
      http.post(COMPLETIONS, () => HttpResponse.json(completion('Use boundary values: 0, 1 and the maximum.', { prompt_tokens: 90, completion_tokens: 12 })), { once: true }),
    );
    const report = await member.call(aiContract.createReport, { body: { projectId: project.id } });
    expect(report.status).toBe(201);
    expect(report.body.report).toMatchObject({ summary: '2 test cases, all in Checkout.', gaps: ['No test covers authentication.'], coverage: [{ area: 'Checkout', testCaseCount: 2, percent: 100 }] });
    expect(report.body.run.chargedMc).toBe(Math.ceil((200 * 150) / 1000) + Math.ceil((30 * 600) / 1000));
    const chat = await member.call(aiContract.chat, { body: { projectId: project.id, message: 'Which values should I try?' } });
    expect(chat.status).toBe(201);
    expect(chat.body.reply).toMatchObject({ role: 'assistant', content: 'Use boundary values: 0, 1 and the maximum.', model: 'gpt-4o-mini' });
    expect(chat.body.run.chargedMc).toBe(Math.ceil((90 * 150) / 1000) + Math.ceil((12 * 600) / 1000));
  });
});
