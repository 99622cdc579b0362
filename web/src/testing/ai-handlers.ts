import { http, HttpResponse, type HttpHandler } from 'msw';
import type { Endpoint, ResponseInputOf } from '@ai-credits/shared/api';
import { costMc, findModel } from '@ai-credits/shared/catalog';
import { aiContract, type AiRun, type ChatMessage, type Conversation, type Report, type TestCaseGeneration } from '@ai-credits/shared/contracts/ai';
import { apiKeysContract, type ApiKey } from '@ai-credits/shared/contracts/api-keys';
import { creditsContract, type CreditSummary } from '@ai-credits/shared/contracts/credits';
import type { ErrorCode } from '@ai-credits/shared/errors';
import { mockId } from './mock-db';

/**
 * Mock API of the AI features and API keys, over an in-memory store of their own. Credits and
 * "AI enabled" come from the scenario's own summary endpoint (requested through MSW), so the
 * AI pages agree with the dashboard: aiDisabled answers 403 AI_DISABLED, a low balance 402.
 * Answers are what the offline demo model would write (deterministic, from the prompt).
 */
const url = (e: Endpoint) => `*${e.path}`;
const json = <E extends Endpoint>(_e: E, body: ResponseInputOf<E>, status = 200) => HttpResponse.json(body as never, { status });
const apiError = (status: number, code: ErrorCode, message: string) => HttpResponse.json({ error: { code, message } }, { status });

const demo = findModel('demo-model')!;
const PROJECT_1 = mockId(0x0c, 1);
const SEEDED_AT = '2026-11-18T10:15:00.000Z';

/** A rough token count (words and punctuation), like the demo model's tokenizer. */
const tokens = (text: string) => (text.match(/[\p{L}\p{N}_]+|[^\s\p{L}\p{N}_]/gu) ?? []).length;
const bytes = (text: string) => new TextEncoder().encode(text).length;
const MAX_OUTPUT = { test_generation: 1_500, chat: 600, report: 900 } as const;
const TYPICAL_OUTPUT = { test_generation: 700, chat: 200, report: 350 } as const;

async function summaryOf(request: Request): Promise<CreditSummary | Response> {
  // Through MSW like any request: the scenario's handlers answer it.
  const res = await fetch(new URL(creditsContract.summary.path, request.url), { headers: { cookie: request.headers.get('cookie') ?? '' } });
  if (!res.ok) return new HttpResponse(await res.text(), { status: res.status, headers: { 'content-type': 'application/json' } });
  return (await res.json()) as CreditSummary;
}

/** The ledger's refusals, in the same words as the BFF. */
function refusal(summary: CreditSummary, maxMc: number): Response | null {
  if (!summary.aiEnabled) return apiError(403, 'AI_DISABLED', 'AI features are turned off for this organization by its owner');
  const room = summary.availableMc + summary.overage.limitMc;
  if (maxMc <= room) return null;
  const c = (mc: number) => (mc / 1000).toLocaleString('en-US', { maximumFractionDigits: 3 });
  return summary.overage.limitMc === 0
    ? apiError(402, 'INSUFFICIENT_CREDITS', `This needs up to ${c(maxMc)} credits and the organization has ${c(Math.max(summary.availableMc, 0))} available. The owner can buy credits or allow overage.`)
    : apiError(402, 'OVERAGE_LIMIT_REACHED', `This needs up to ${c(maxMc)} credits, which would pass the monthly overage limit of ${c(summary.overage.limitMc)} credits. The owner can raise the limit or buy credits.`);
}

function runOf(summary: CreditSummary, inputTokens: number, outputTokens: number): AiRun {
  const chargedMc = Number(costMc(demo, inputTokens, outputTokens));
  return {
    model: demo.id,
    modelLabel: demo.label,
    demo: true,
    inputTokens,
    outputTokens,
    chargedMc,
    balance: { balanceMc: summary.balanceMc - chargedMc, availableMc: summary.availableMc - chargedMc },
  };
}

const maxMcOf = (prompt: string, useCase: keyof typeof MAX_OUTPUT) => Number(costMc(demo, bytes(prompt) + 40, MAX_OUTPUT[useCase]));

function testCasesFor(requirement: string, projectId: string, generationId: string, at: string): TestCaseGeneration['testCases'] {
  const sentences = requirement
    .split(/(?<=[.!?])\s+|\n+/)
    .map((s) => s.trim().replace(/[.!?]+$/, ''))
    .filter((s) => s.split(/\s+/).length >= 3)
    .slice(0, 6);
  const cases = (sentences.length ? sentences : [requirement.trim()]).map((s) => ({
    area: /pay|cart|checkout|order|coupon/i.test(s) ? 'Checkout & payments' : /password|log ?in|sign/i.test(s) ? 'Authentication' : 'Core flow',
    title: `Verify ${s.charAt(0).toLowerCase()}${s.slice(1)}`,
    preconditions: 'A user is signed in with access to the feature',
    steps: ['Open the feature', `Perform the flow: ${s.charAt(0).toLowerCase()}${s.slice(1)}`, 'Check the result on screen and after a reload'],
    expectedResult: `${s}.`,
  }));
  cases.push({
    area: 'Error handling',
    title: 'Invalid or missing input is rejected',
    preconditions: 'A user is signed in with access to the feature',
    steps: ['Leave required fields empty or enter malformed values', 'Submit'],
    expectedResult: 'Each invalid field shows an error; nothing is saved',
  });
  return cases.map((c, i) => ({ ...c, id: mockId(0x7e, parseInt(generationId.slice(-4), 16) * 100 + i), projectId, generationId, createdAt: at }));
}

export function createAiHandlers(): HttpHandler[] {
  let counter = 0;
  const id = (prefix: number) => mockId(prefix, ++counter);
  const done = new Map<string, { body: unknown; status: number }>();

  const seededGeneration: TestCaseGeneration = {
    id: mockId(0x7a, 9000),
    projectId: PROJECT_1,
    requirement: 'As a shopper, I want to save my cart so that I can finish the purchase later. Guests cannot apply a coupon at checkout.',
    model: demo.id,
    createdAt: SEEDED_AT,
    testCases: [],
  };
  seededGeneration.testCases = testCasesFor(seededGeneration.requirement, PROJECT_1, seededGeneration.id, SEEDED_AT);
  const generations: TestCaseGeneration[] = [seededGeneration];
  const reports: Report[] = [
    {
      id: mockId(0x7b, 9000),
      projectId: PROJECT_1,
      model: demo.id,
      testCaseCount: 3,
      summary: '3 test cases across 2 areas. The best covered area is Checkout & payments (2). 3 gaps found.',
      coverage: [
        { area: 'Checkout & payments', testCaseCount: 2, percent: 67 },
        { area: 'Error handling', testCaseCount: 1, percent: 33 },
      ],
      gaps: ['Error handling has a single test case; add negative and boundary cases.', 'No test covers authentication.', 'No test covers concurrent use or performance.'],
      createdAt: '2026-11-19T08:00:00.000Z',
    },
  ];
  // One saved conversation, so chat history has something to read (also while AI is off).
  const conversations: (Conversation & { messages: ChatMessage[] })[] = [
    {
      id: mockId(0x7d, 9000),
      projectId: PROJECT_1,
      title: 'Which coupon edge cases matter?',
      createdAt: '2026-11-18T11:00:00.000Z',
      updatedAt: '2026-11-18T11:00:05.000Z',
      messages: [
        { id: mockId(0x7e, 9001), role: 'user', content: 'Which coupon edge cases matter?', model: null, createdAt: '2026-11-18T11:00:00.000Z' },
        {
          id: mockId(0x7e, 9002),
          role: 'assistant',
          content: 'Test an expired coupon, a coupon at its usage limit, two coupons at once, and a coupon on a zero-value cart.',
          model: demo.id,
          createdAt: '2026-11-18T11:00:05.000Z',
        },
      ],
    },
  ];
  const apiKeys: ApiKey[] = [
    {
      id: mockId(0x7c, 9000),
      name: 'CI test runner',
      prefix: 'aic_0000000a…x9Qw',
      createdAt: '2026-11-16T09:00:00.000Z',
      createdBy: { id: mockId(0x0b, 1), name: 'Olivia Owens' },
      lastUsedAt: '2026-11-20T11:42:00.000Z',
      revokedAt: null,
    },
  ];

  /** Same Idempotency-Key: the first response again. */
  async function once(request: Request, run: () => Promise<Response>): Promise<Response> {
    const key = request.headers.get('idempotency-key');
    const seen = key ? done.get(key) : undefined;
    if (seen) return HttpResponse.json(seen.body as never, { status: seen.status });
    const res = await run();
    if (key && res.ok) done.set(key, { body: await res.clone().json(), status: res.status });
    return res;
  }

  const bodyOf = (request: Request) => request.json().catch(() => undefined);
  const projectQuery = (request: Request) => new URL(request.url).searchParams.get('projectId') ?? '';

  return [
    http.post(url(aiContract.estimate), async ({ request }) => {
      const parsed = aiContract.estimate.body.safeParse(await bodyOf(request));
      if (!parsed.success) return apiError(400, 'VALIDATION_FAILED', parsed.error.issues[0]?.message ?? 'Bad request');
      const summary = await summaryOf(request);
      if (summary instanceof Response) return summary;
      const b = parsed.data;
      const prompt = b.useCase === 'test_generation' ? b.requirement : b.useCase === 'chat' ? b.message : 'report over the project test cases '.repeat(30);
      const maxMc = maxMcOf(prompt, b.useCase);
      const expectedMc = Math.min(maxMc, Number(costMc(demo, tokens(prompt) + 90, TYPICAL_OUTPUT[b.useCase])));
      return json(aiContract.estimate, {
        useCase: b.useCase,
        model: demo.id,
        modelLabel: demo.label,
        demo: true,
        expectedMc,
        maxMc,
        balanceMc: summary.balanceMc,
        availableMc: summary.availableMc,
        overageRoomMc: Math.max(0, summary.overage.limitMc - summary.overage.usedMc),
        aiEnabled: summary.aiEnabled,
        canRun: summary.aiEnabled && maxMc <= summary.availableMc + summary.overage.limitMc,
      });
    }),

    http.post(url(aiContract.generateTestCases), ({ request }) =>
      once(request, async () => {
        const parsed = aiContract.generateTestCases.body.safeParse(await bodyOf(request));
        if (!parsed.success) return apiError(400, 'VALIDATION_FAILED', parsed.error.issues[0]?.message ?? 'Bad request');
        const summary = await summaryOf(request);
        if (summary instanceof Response) return summary;
        const denied = refusal(summary, maxMcOf(parsed.data.requirement, 'test_generation'));
        if (denied) return denied;
        const generationId = id(0x7a);
        const at = new Date().toISOString();
        const testCases = testCasesFor(parsed.data.requirement, parsed.data.projectId, generationId, at);
        const generation: TestCaseGeneration = { id: generationId, projectId: parsed.data.projectId, requirement: parsed.data.requirement, model: demo.id, createdAt: at, testCases };
        generations.unshift(generation);
        const run = runOf(summary, tokens(parsed.data.requirement) + 90, tokens(JSON.stringify(testCases)));
        return json(aiContract.generateTestCases, { generation, run }, 201);
      }),
    ),

    http.get(url(aiContract.listTestCases), ({ request }) =>
      json(aiContract.listTestCases, { generations: generations.filter((g) => g.projectId === projectQuery(request)) }),
    ),

    http.get(url(aiContract.listConversations), ({ request }) =>
      json(aiContract.listConversations, {
        conversations: conversations.filter((c) => c.projectId === projectQuery(request)).map(({ messages: _m, ...c }) => c),
      }),
    ),

    http.get(url(aiContract.getConversation), ({ params }) => {
      const found = conversations.find((c) => c.id === params.conversationId);
      if (!found) return apiError(404, 'NOT_FOUND', 'Conversation not found');
      const { messages, ...conversation } = found;
      return json(aiContract.getConversation, { conversation, messages });
    }),

    http.post(url(aiContract.chat), ({ request }) =>
      once(request, async () => {
        const parsed = aiContract.chat.body.safeParse(await bodyOf(request));
        if (!parsed.success) return apiError(400, 'VALIDATION_FAILED', parsed.error.issues[0]?.message ?? 'Bad request');
        const summary = await summaryOf(request);
        if (summary instanceof Response) return summary;
        const denied = refusal(summary, maxMcOf(parsed.data.message, 'chat'));
        if (denied) return denied;
        const at = new Date().toISOString();
        let conversation = conversations.find((c) => c.id === parsed.data.conversationId);
        if (parsed.data.conversationId && !conversation) return apiError(404, 'NOT_FOUND', 'Conversation not found');
        if (!conversation) {
          conversation = { id: id(0x7d), projectId: parsed.data.projectId, title: parsed.data.message.slice(0, 80), createdAt: at, updatedAt: at, messages: [] };
          conversations.unshift(conversation);
        }
        const replyText =
          `Here is how I would approach "${parsed.data.message.slice(0, 80)}":\n` +
          '1. Start from the acceptance criteria and write one positive case per criterion.\n' +
          '2. Add negative cases for each rule and validation.\n' +
          '3. Finish with boundary values and error recovery.\n(Answered by the offline demo model.)';
        const userMessage: ChatMessage = { id: id(0x7f), role: 'user', content: parsed.data.message, model: null, createdAt: at };
        const reply: ChatMessage = { id: id(0x7f), role: 'assistant', content: replyText, model: demo.id, createdAt: at };
        conversation.messages.push(userMessage, reply);
        conversation.updatedAt = at;
        const { messages: _m, ...dto } = conversation;
        return json(aiContract.chat, { conversation: dto, userMessage, reply, run: runOf(summary, tokens(parsed.data.message) + 60, tokens(replyText)) }, 201);
      }),
    ),

    http.get(url(aiContract.listReports), ({ request }) => json(aiContract.listReports, { reports: reports.filter((r) => r.projectId === projectQuery(request)) })),

    http.post(url(aiContract.createReport), ({ request }) =>
      once(request, async () => {
        const parsed = aiContract.createReport.body.safeParse(await bodyOf(request));
        if (!parsed.success) return apiError(400, 'VALIDATION_FAILED', parsed.error.issues[0]?.message ?? 'Bad request');
        const cases = generations.filter((g) => g.projectId === parsed.data.projectId).flatMap((g) => g.testCases);
        if (cases.length === 0) return apiError(409, 'CONFLICT', 'This project has no test cases yet; generate some first');
        const summary = await summaryOf(request);
        if (summary instanceof Response) return summary;
        const prompt = cases.map((c) => `- [${c.area}] ${c.title}`).join('\n');
        const denied = refusal(summary, maxMcOf(prompt, 'report'));
        if (denied) return denied;
        const byArea = new Map<string, number>();
        for (const c of cases) byArea.set(c.area, (byArea.get(c.area) ?? 0) + 1);
        const coverage = [...byArea.entries()]
          .map(([area, n]) => ({ area, testCaseCount: n, percent: Math.round((n * 100) / cases.length) }))
          .sort((a, b) => b.testCaseCount - a.testCaseCount);
        const gaps = coverage.filter((c) => c.testCaseCount === 1).map((c) => `${c.area} has a single test case; add negative and boundary cases.`);
        const report: Report = {
          id: id(0x7b),
          projectId: parsed.data.projectId,
          model: demo.id,
          testCaseCount: cases.length,
          summary: `${cases.length} test cases across ${coverage.length} areas. ${gaps.length} gaps found.`,
          coverage,
          gaps,
          createdAt: new Date().toISOString(),
        };
        reports.unshift(report);
        return json(aiContract.createReport, { report, run: runOf(summary, tokens(prompt) + 80, tokens(JSON.stringify({ summary: report.summary, gaps }))) }, 201);
      }),
    ),

    http.get(url(apiKeysContract.list), () => json(apiKeysContract.list, { apiKeys })),

    http.post(url(apiKeysContract.create), async ({ request }) => {
      const parsed = apiKeysContract.create.body.safeParse(await bodyOf(request));
      if (!parsed.success) return apiError(400, 'VALIDATION_FAILED', 'Enter a name.');
      const token = `aic_0000000a00004000800000000000000${(counter % 10).toString()}_${'mockSecretToken'.padEnd(43, 'x')}`;
      const apiKey: ApiKey = {
        id: id(0x7c),
        name: parsed.data.name,
        prefix: `${token.slice(0, 12)}…${token.slice(-4)}`,
        createdAt: new Date().toISOString(),
        createdBy: { id: mockId(0x0b, 1), name: 'Olivia Owens' },
        lastUsedAt: null,
        revokedAt: null,
      };
      apiKeys.unshift(apiKey);
      return json(apiKeysContract.create, { apiKey, token }, 201);
    }),

    http.delete(url(apiKeysContract.revoke), ({ params }) => {
      const key = apiKeys.find((k) => k.id === params.apiKeyId);
      if (!key) return apiError(404, 'NOT_FOUND', 'API key not found');
      key.revokedAt ??= new Date().toISOString();
      return json(apiKeysContract.revoke, key);
    }),
  ];
}

/** The happy-path handlers (handlers.ts composes them); tests wanting a fresh store use createAiHandlers(). */
export const aiHandlers: HttpHandler[] = createAiHandlers();
