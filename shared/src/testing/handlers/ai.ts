import { http, HttpResponse, type HttpHandler } from 'msw';
import type { Endpoint } from '../../api';
import { costMc, findModel, MAX_OUTPUT_TOKENS, MIN_OUTPUT_TOKENS, TYPICAL_OUTPUT_TOKENS, type UseCase } from '../../catalog';
import { aiContract, type AiRun, type ChatMessage, type TestCaseGeneration, type Report } from '../../contracts/ai';
import { apiError, json, refuse, requireSession, sseResponse, url, validationFailed } from '../http';
import { charge, noteAiStopped, refusalFor, testCasesFor } from '../store/operations';
import { summaryOf } from '../store/projections';
import { mockId, nextId, nowIso, type MockStore } from '../store/state';

/**
 * The AI features over the store: a run is refused by the ledger's own rules (ledger-rules.ts),
 * and when it runs it is charged (a usage row, the balance goes down), so the dashboard and the
 * charts show it. Answers are what the offline demo model would write (deterministic).
 */
const demo = findModel('demo-model')!;

/** A rough token count (words and punctuation), like the demo model's tokenizer. */
const tokens = (text: string) => (text.match(/[\p{L}\p{N}_]+|[^\s\p{L}\p{N}_]/gu) ?? []).length;
const bytes = (text: string) => new TextEncoder().encode(text).length;

/** The ledger's refusals, in the same words as the BFF (budgets of the project and the member too). */
function refusal(store: MockStore, maxMc: number, projectId: string, minMc?: number): Response | null {
  const denied = refusalFor(store, maxMc, { projectId, userId: store.userId }, minMc);
  if (denied) noteAiStopped(store, denied, { projectId, userId: store.userId });
  return denied ? refuse(denied) : null;
}

/** Charge the run to the signed-in user and the project; the run's balance is after it. */
function runOf(store: MockStore, useCase: UseCase, projectId: string, inputTokens: number, outputTokens: number): AiRun {
  const row = charge(store, { useCase, model: demo.id, inputTokens, outputTokens, projectId, userId: store.userId, apiKeyId: null });
  const summary = summaryOf(store);
  return {
    model: demo.id,
    modelLabel: demo.label,
    demo: true,
    inputTokens,
    outputTokens,
    chargedMc: row.chargedMc,
    balance: { balanceMc: summary.balanceMc, availableMc: summary.availableMc },
  };
}

const maxMcOf = (prompt: string, useCase: UseCase) => Number(costMc(demo, bytes(prompt) + 40, MAX_OUTPUT_TOKENS[useCase]));
/** The least a run is worth (input and MIN_OUTPUT_TOKENS): it is refused only when even this does not fit. */
const minMcOf = (prompt: string, useCase: UseCase) => Number(costMc(demo, bytes(prompt) + 40, MIN_OUTPUT_TOKENS[useCase]));

/** A report as the model writes it (bff prompts.reportText): the summary, then "Gaps:" and a line per gap. */
const reportTextOf = (r: { summary: string; gaps: readonly string[] }) => (r.gaps.length ? `${r.summary}\n\nGaps:\n${r.gaps.map((g) => `- ${g}`).join('\n')}` : r.summary);
/** What a report cut short says: its summary so far, and the gaps written whole. */
function readReport(text: string): { summary: string; gaps: string[] } {
  const [summary = '', rest] = text.split(/^Gaps:$/m);
  return { summary: summary.trim(), gaps: (rest ?? '').split('\n').flatMap((l) => /^- (.*\S)/.exec(l)?.[1] ?? []) };
}

export function aiHandlers(store: MockStore): HttpHandler[] {
  const id = (prefix: number) => (prefix === 0x7a ? mockId(0x7a, parseInt(nextId().slice(-4), 16)) : nextId());
  const done = store.idempotent;
  const { generations, reports, conversations } = store;

  /** Same Idempotency-Key: the first response again. */
  async function once(request: Request, endpoint: Endpoint, run: () => Promise<Response>): Promise<Response> {
    const denied = requireSession(store, request, endpoint);
    if (denied) return denied;
    const key = request.headers.get('idempotency-key');
    const seen = key ? done.get(key) : undefined;
    if (seen) return HttpResponse.json(seen.body as never, { status: seen.status });
    const res = await run();
    if (key && res.ok) done.set(key, { body: await res.clone().json(), status: res.status });
    return res;
  }

  const bodyOf = (request: Request) => request.json().catch(() => undefined);
  const projectQuery = (request: Request) => new URL(request.url).searchParams.get('projectId') ?? '';
  const activeProject = (projectId: string) => {
    const project = store.projects.find((p) => p.id === projectId);
    if (!project) return apiError(404, 'NOT_FOUND', 'Project not found');
    if (project.archivedAt) return apiError(409, 'PROJECT_ARCHIVED', 'This project is archived; restore it to use AI on it');
    return null;
  };

  /** Idempotency-Keys of streamed answers still being written (the same key meanwhile: 409, as on the BFF). */
  const streaming = new Set<string>();

  /** What refuses a chat before anything is held: the project, the ledger's rules, an unknown conversation. */
  function chatRefusal(input: { projectId: string; conversationId?: string | null; message: string }): Response | null {
    const unusable = activeProject(input.projectId);
    if (unusable) return unusable;
    const denied = refusal(store, maxMcOf(input.message, 'chat'), input.projectId, minMcOf(input.message, 'chat'));
    if (denied) return denied;
    if (input.conversationId && !conversations.some((c) => c.id === input.conversationId)) return apiError(404, 'NOT_FOUND', 'Conversation not found');
    return null;
  }

  const chatReplyFor = (message: string) =>
    `Here is how I would approach "${message.slice(0, 80)}":\n` +
    '1. Start from the acceptance criteria and write one positive case per criterion.\n' +
    '2. Add negative cases for each rule and validation.\n' +
    '3. Finish with boundary values and error recovery.\n(Answered by the offline demo model.)';

  /** Save the exchange (a new conversation when none is given) and charge it. */
  function saveChat(input: { projectId: string; conversationId?: string | null; message: string }, replyText: string, stopped: boolean) {
    const at = nowIso(store);
    let conversation = conversations.find((c) => c.id === input.conversationId);
    if (!conversation) {
      conversation = { id: id(0x7d), projectId: input.projectId, title: input.message.slice(0, 80), createdAt: at, updatedAt: at, messages: [] };
      conversations.unshift(conversation);
    }
    const userMessage: ChatMessage = { id: id(0x7f), role: 'user', content: input.message, model: null, stopped: false, createdAt: at };
    const reply: ChatMessage = { id: id(0x7f), role: 'assistant', content: replyText, model: demo.id, stopped, createdAt: at };
    conversation.messages.push(userMessage, reply);
    conversation.updatedAt = at;
    const { messages: _m, ...dto } = conversation;
    return { conversation: dto, userMessage, reply, run: runOf(store, 'chat', input.projectId, tokens(input.message) + 60, tokens(replyText)) };
  }

  /**
   * A streamed run as the BFF sends it (ADR 026): `start` with the hold, a `delta` per piece,
   * then `done` with what `finish` saved. Cancelling the body (the client stops or leaves) saves
   * what was sent, marked stopped, and charges it. The same key afterwards answers `done` (see
   * `alreadyStreamed`).
   */
  function streamed(key: string | null, holdMc: number, pieces: readonly string[], delta: (piece: string, index: number) => unknown, finish: (sentCount: number, stopped: boolean) => unknown): Response {
    const encoder = new TextEncoder();
    let sentCount = 0;
    let finished = false;
    if (key) streaming.add(key);
    const end = (stopped: boolean) => {
      if (finished) return null;
      finished = true;
      if (key) streaming.delete(key);
      const body = finish(sentCount, stopped);
      if (key) done.set(key, { body, status: 200 });
      return body;
    };
    const stream = new ReadableStream<Uint8Array>({
      async start(controller) {
        const send = (name: string, data: unknown) => controller.enqueue(encoder.encode(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`));
        send('start', { model: demo.id, modelLabel: demo.label, demo: true, holdMc });
        for (const [i, piece] of pieces.entries()) {
          if (finished) return;
          sentCount = i + 1;
          send('delta', delta(piece, i));
          await new Promise((resolve) => setTimeout(resolve, store.streamDelayMs));
        }
        const body = end(false);
        if (!body) return;
        send('done', body);
        controller.close();
      },
      cancel() {
        end(true);
      },
    });
    return new HttpResponse(stream, { status: 200, headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform' } });
  }

  /** Before a streamed run: the session, a key already answered (its `done`) or still running (409). */
  function alreadyStreamed(request: Request, endpoint: Endpoint): Response | null {
    const denied = requireSession(store, request, endpoint);
    if (denied) return denied;
    const key = request.headers.get('idempotency-key');
    const seen = key ? done.get(key) : undefined;
    if (seen) return sseResponse([['done', seen.body]]);
    if (key && streaming.has(key)) return apiError(409, 'CONFLICT', 'This request is already running; wait for its result');
    return null;
  }

  /** What a report is over (409 with the reason when the project has no test cases), and the report the demo model writes. */
  function reportBasis(projectId: string): Response | { prompt: string; coverage: Report['coverage']; total: number; summary: string; gaps: string[] } {
    const cases = generations.filter((g) => g.projectId === projectId).flatMap((g) => g.testCases);
    if (cases.length === 0) return apiError(409, 'CONFLICT', 'This project has no test cases yet; generate some first');
    const prompt = cases.map((c) => `- [${c.area}] ${c.title}`).join('\n');
    const unusable = activeProject(projectId);
    if (unusable) return unusable;
    const denied = refusal(store, maxMcOf(prompt, 'report'), projectId, minMcOf(prompt, 'report'));
    if (denied) return denied;
    const byArea = new Map<string, number>();
    for (const c of cases) byArea.set(c.area, (byArea.get(c.area) ?? 0) + 1);
    const coverage = [...byArea.entries()]
      .map(([area, n]) => ({ area, testCaseCount: n, percent: Math.round((n * 100) / cases.length) }))
      .sort((a, b) => b.testCaseCount - a.testCaseCount);
    const gaps = coverage.filter((c) => c.testCaseCount === 1).map((c) => `${c.area} has a single test case; add negative and boundary cases.`);
    return { prompt, coverage, total: cases.length, summary: `${cases.length} test cases across ${coverage.length} areas. ${gaps.length} gaps found.`, gaps };
  }

  function saveReport(projectId: string, basis: Exclude<ReturnType<typeof reportBasis>, Response>, written: { summary: string; gaps: string[] }, outputTokens: number, stopped: boolean) {
    const report: Report = {
      id: id(0x7b),
      projectId,
      model: demo.id,
      testCaseCount: basis.total,
      summary: written.summary,
      coverage: basis.coverage,
      gaps: written.gaps,
      stopped,
      createdAt: nowIso(store),
    };
    reports.unshift(report);
    return { report, run: runOf(store, 'report', projectId, tokens(basis.prompt) + 80, outputTokens) };
  }

  /** What refuses a test generation before anything is held. */
  function generationRefusal(input: { projectId: string; requirement: string }): Response | null {
    return activeProject(input.projectId) ?? refusal(store, maxMcOf(input.requirement, 'test_generation'), input.projectId, minMcOf(input.requirement, 'test_generation'));
  }

  /** The cases as the model writes them (no ids yet). */
  const writtenCases = (input: { projectId: string; requirement: string }) =>
    testCasesFor(input.requirement, input.projectId, mockId(0x7a, 0), nowIso(store)).map(({ area, title, preconditions, steps, expectedResult }) => ({ area, title, preconditions, steps, expectedResult }));

  function saveGeneration(input: { projectId: string; requirement: string }, keep: number | null, outputTokens: number, stopped: boolean) {
    const generationId = id(0x7a);
    const at = nowIso(store);
    const testCases = testCasesFor(input.requirement, input.projectId, generationId, at).slice(0, keep ?? undefined);
    const generation: TestCaseGeneration = { id: generationId, projectId: input.projectId, requirement: input.requirement, model: demo.id, stopped, createdAt: at, testCases };
    generations.unshift(generation);
    return { generation, run: runOf(store, 'test_generation', input.projectId, tokens(input.requirement) + 90, outputTokens) };
  }

  return [
    http.post(url(aiContract.estimate), async ({ request }) => {
      const denied = requireSession(store, request, aiContract.estimate);
      if (denied) return denied;
      const parsed = aiContract.estimate.body.safeParse(await bodyOf(request));
      if (!parsed.success) return validationFailed(parsed.error);
      const summary = summaryOf(store);
      const b = parsed.data;
      const prompt = b.useCase === 'test_generation' ? b.requirement : b.useCase === 'chat' ? b.message : 'report over the project test cases '.repeat(30);
      const maxMc = maxMcOf(prompt, b.useCase);
      const expectedMc = Math.min(maxMc, Number(costMc(demo, tokens(prompt) + 90, TYPICAL_OUTPUT_TOKENS[b.useCase])));
      const blocked = refusalFor(store, maxMc, { projectId: b.projectId, userId: store.userId }, minMcOf(prompt, b.useCase));
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
        canRun: !blocked,
        limitedBy: blocked && 'stoppedBy' in blocked ? (blocked.stoppedBy as 'balance' | 'overage_limit' | 'project_budget' | 'member_budget') : null,
      });
    }),

    http.post(url(aiContract.generateTestCases), ({ request }) =>
      once(request, aiContract.generateTestCases, async () => {
        const parsed = aiContract.generateTestCases.body.safeParse(await bodyOf(request));
        if (!parsed.success) return validationFailed(parsed.error);
        const refused = generationRefusal(parsed.data);
        if (refused) return refused;
        return json(aiContract.generateTestCases, saveGeneration(parsed.data, null, tokens(JSON.stringify({ testCases: writtenCases(parsed.data) })), false), 201);
      }),
    ),

    // Progress (ADR 026): a delta per whole case written, with the meter; stopped, only the cases sent are kept.
    http.post(url(aiContract.generateTestCasesStream), async ({ request }) => {
      const before = alreadyStreamed(request, aiContract.generateTestCasesStream);
      if (before) return before;
      const parsed = aiContract.generateTestCasesStream.body.safeParse(await bodyOf(request));
      if (!parsed.success) return validationFailed(parsed.error);
      const refused = generationRefusal(parsed.data);
      if (refused) return refused;
      const input = parsed.data;
      const cases = writtenCases(input);
      // The JSON as the model writes it: the opening, a piece per case, the closing.
      const pieces = ['{"testCases":[', ...cases.map((c, i) => `${i === 0 ? '' : ','}${JSON.stringify(c)}`), ']}'];
      const inputTokens = tokens(input.requirement) + 90;
      const tokensAfter = (n: number) => tokens(pieces.slice(0, n).join(''));
      /** Whole cases once `n` pieces were sent. */
      const wholeAfter = (n: number) => Math.min(Math.max(n - 1, 0), cases.length);
      return streamed(
        request.headers.get('idempotency-key'),
        maxMcOf(input.requirement, 'test_generation'),
        pieces,
        (_piece, i) => ({
          outputTokens: tokensAfter(i + 1),
          chargedMc: Number(costMc(demo, inputTokens, tokensAfter(i + 1))),
          testCaseCount: wholeAfter(i + 1),
          newCases: cases.slice(wholeAfter(i), wholeAfter(i + 1)).map(({ area, title }) => ({ area, title })),
        }),
        (sent, stopped) => saveGeneration(input, stopped ? wholeAfter(sent) : null, tokensAfter(sent), stopped),
      );
    }),

    http.get(url(aiContract.listTestCases), ({ request }) =>
      requireSession(store, request, aiContract.listTestCases) ??
      json(aiContract.listTestCases, { generations: generations.filter((g) => g.projectId === projectQuery(request)) }),
    ),

    http.get(url(aiContract.listConversations), ({ request }) =>
      requireSession(store, request, aiContract.listConversations) ??
      json(aiContract.listConversations, {
        conversations: conversations.filter((c) => c.projectId === projectQuery(request)).map(({ messages: _m, ...c }) => c),
      }),
    ),

    http.get(url(aiContract.getConversation), ({ request, params }) => {
      const denied = requireSession(store, request, aiContract.getConversation);
      if (denied) return denied;
      const found = conversations.find((c) => c.id === params.conversationId);
      if (!found) return apiError(404, 'NOT_FOUND', 'Conversation not found');
      const { messages, ...conversation } = found;
      return json(aiContract.getConversation, { conversation, messages });
    }),

    http.post(url(aiContract.chat), ({ request }) =>
      once(request, aiContract.chat, async () => {
        const parsed = aiContract.chat.body.safeParse(await bodyOf(request));
        if (!parsed.success) return validationFailed(parsed.error);
        const refused = chatRefusal(parsed.data);
        if (refused) return refused;
        return json(aiContract.chat, saveChat(parsed.data, chatReplyFor(parsed.data.message), false), 201);
      }),
    ),

    // The same answer as Server-Sent Events (ADR 026): start, a delta per word, done. Cancelling
    // the body (the client stops) saves what was sent, marked stopped, and charges it.
    http.post(url(aiContract.chatStream), async ({ request }) => {
      const before = alreadyStreamed(request, aiContract.chatStream);
      if (before) return before;
      const parsed = aiContract.chatStream.body.safeParse(await bodyOf(request));
      if (!parsed.success) return validationFailed(parsed.error);
      const refused = chatRefusal(parsed.data);
      if (refused) return refused;
      const input = parsed.data;
      const words = chatReplyFor(input.message).match(/\S+\s*|\s+/g) ?? [];
      const inputTokens = tokens(input.message) + 60;
      const sentText = (n: number) => words.slice(0, n).join('');
      return streamed(
        request.headers.get('idempotency-key'),
        maxMcOf(input.message, 'chat'),
        words,
        (word, i) => ({ text: word, outputTokens: tokens(sentText(i + 1)), chargedMc: Number(costMc(demo, inputTokens, tokens(sentText(i + 1)))) }),
        (sent, stopped) => saveChat(input, sentText(sent), stopped),
      );
    }),

    http.get(url(aiContract.listReports), ({ request }) => requireSession(store, request, aiContract.listReports) ?? json(aiContract.listReports, { reports: reports.filter((r) => r.projectId === projectQuery(request)) })),

    http.post(url(aiContract.createReport), ({ request }) =>
      once(request, aiContract.createReport, async () => {
        const parsed = aiContract.createReport.body.safeParse(await bodyOf(request));
        if (!parsed.success) return validationFailed(parsed.error);
        const basis = reportBasis(parsed.data.projectId);
        if (basis instanceof Response) return basis;
        return json(aiContract.createReport, saveReport(parsed.data.projectId, basis, basis, tokens(reportTextOf(basis)), false), 201);
      }),
    ),

    // The report as it is written (ADR 026): its text a word at a time; stopped, what was sent is kept.
    http.post(url(aiContract.createReportStream), async ({ request }) => {
      const before = alreadyStreamed(request, aiContract.createReportStream);
      if (before) return before;
      const parsed = aiContract.createReportStream.body.safeParse(await bodyOf(request));
      if (!parsed.success) return validationFailed(parsed.error);
      const basis = reportBasis(parsed.data.projectId);
      if (basis instanceof Response) return basis;
      const words = reportTextOf(basis).match(/\S+\s*|\s+/g) ?? [];
      const inputTokens = tokens(basis.prompt) + 80;
      const sentText = (n: number) => words.slice(0, n).join('');
      return streamed(
        request.headers.get('idempotency-key'),
        maxMcOf(basis.prompt, 'report'),
        words,
        (word, i) => ({ text: word, outputTokens: tokens(sentText(i + 1)), chargedMc: Number(costMc(demo, inputTokens, tokens(sentText(i + 1)))) }),
        (sent, stopped) => saveReport(parsed.data.projectId, basis, stopped ? readReport(sentText(sent)) : basis, tokens(sentText(sent)), stopped),
      );
    }),
  ];
}

