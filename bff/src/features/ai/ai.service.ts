import { checkCoverage } from '@ai-credits/shared/budgets';
import { costMc, MIN_OUTPUT_TOKENS, outputTokensWithin, type UseCase } from '@ai-credits/shared/catalog';
import type { MeteredUsage } from '@ai-credits/shared/contracts/metering';
import type { AiRun, ChatMessage, ChatStreamDelta, ChatStreamEventName, ChatStreamStart, Conversation, EstimateBody, Estimate, GenerationStreamDelta, Report, TestCase, TestCaseGeneration } from '@ai-credits/shared/contracts/ai';
import type { Transaction } from 'kysely';
import type { Database } from '../../db/database';
import type { Db } from '../../db/db';
import { HttpError, notFound } from '../../http/http-error';
import { toSafeNumber } from '../../lib/bigint';
import type { Clock } from '../../lib/clock';
import type { Logger } from '../../lib/logger';
import { requestHash as hashOf } from '../../lib/request-hash';
import type { BudgetsService } from '../budgets/budgets.service';
import type { CreditsService } from '../credits/credits.service';
import type { LedgerService } from '../ledger/ledger.service';
import type { OrgService } from '../org/org.service';
import { ProviderError, type ModelProvider, type ProviderMessage } from './model-provider';
import * as prompts from './prompts';
import { countPromptTokens, countTokens, inputTokensUpperBound } from './tokenizer';
import * as repo from './ai.repository';

export interface AiDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  ledger: LedgerService;
  credits: Pick<CreditsService, 'summary'>;
  org: Pick<OrgService, 'projectOrThrow' | 'projectForUsageOrThrow'>;
  budgets: Pick<BudgetsService, 'withUse'>;
  provider: ModelProvider;
  /** A pending idempotency claim older than this was abandoned (its process died). */
  staleClaimMs: number;
}

/** Who asks, for what, under which Idempotency-Key. */
export interface AiCaller {
  orgId: string;
  userId: string;
  idempotencyKey?: string;
}

type ChatInput = { projectId: string; conversationId?: string | null; message: string };
type GenerationInput = { projectId: string; requirement: string };

/** Records a click's response in the transaction that saves its answer (see `idempotent`). */
type CompleteRequest = (trx: Transaction<Database>, result: unknown) => Promise<void>;

/** PostgreSQL text cannot hold NUL: refuse it up front (400), before anything is reserved. */
function assertStorable(fields: Record<string, string>) {
  for (const [name, value] of Object.entries(fields)) {
    if (value.includes('\u0000')) throw new HttpError(400, 'VALIDATION_FAILED', `${name}: must not contain NUL characters`);
  }
}

/** `value` with every NUL character removed from its strings, however deep. */
function withoutNul<T>(value: T): T {
  if (typeof value === 'string') return value.replaceAll('\u0000', '') as T;
  if (Array.isArray(value)) return value.map(withoutNul) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutNul(v)])) as T;
  return value;
}

const toTestCase = (t: {
  id: string;
  project_id: string;
  generation_id: string;
  area: string;
  title: string;
  preconditions: string;
  steps: unknown;
  expected_result: string;
  created_at: Date;
}): TestCase => ({
  id: t.id,
  projectId: t.project_id,
  generationId: t.generation_id,
  area: t.area,
  title: t.title,
  preconditions: t.preconditions,
  steps: t.steps as string[],
  expectedResult: t.expected_result,
  createdAt: t.created_at.toISOString(),
});

const toConversation = (c: { id: string; project_id: string; title: string; created_at: Date; updated_at: Date }): Conversation => ({
  id: c.id,
  projectId: c.project_id,
  title: c.title,
  createdAt: c.created_at.toISOString(),
  updatedAt: c.updated_at.toISOString(),
});

const toMessage = (m: { id: string; role: 'user' | 'assistant'; content: string; model: string | null; stopped: boolean; created_at: Date }): ChatMessage => ({
  id: m.id,
  role: m.role,
  content: m.content,
  model: m.model,
  stopped: m.stopped,
  createdAt: m.created_at.toISOString(),
});

const toReport = (r: {
  id: string;
  project_id: string;
  model: string;
  test_case_count: number;
  summary: string;
  coverage: unknown;
  gaps: unknown;
  stopped: boolean;
  created_at: Date;
}): Report => ({
  id: r.id,
  projectId: r.project_id,
  model: r.model,
  testCaseCount: r.test_case_count,
  summary: r.summary,
  coverage: r.coverage as Report['coverage'],
  gaps: r.gaps as string[],
  stopped: r.stopped,
  createdAt: r.created_at.toISOString(),
});

/**
 * The AI features. Each call is metered in two phases through the ledger (docs/product.md
 * "Consumption"): reserve the most the call can cost (refused up front when AI is off or the
 * org cannot cover it), call the model, settle the real token counts; on any model failure
 * release, so nothing is charged. What the model wrote is stored and stays readable.
 */
export function createAiService(deps: AiDeps) {
  const { db, clock, ledger, provider } = deps;
  const model = provider.model;

  /** The reservation: a token is at least one byte, so the prompt's bytes bound its input tokens. */
  function maxCostMc(messages: ProviderMessage[], useCase: UseCase): bigint {
    return costMc(model, inputTokensUpperBound(messages), prompts.MAX_OUTPUT_TOKENS[useCase]);
  }

  /** The least a run is worth holding: its input and a useful minimum of output (shared/catalog.ts MIN_OUTPUT_TOKENS). */
  function minCostMc(messages: ProviderMessage[], useCase: UseCase): bigint {
    return costMc(model, inputTokensUpperBound(messages), MIN_OUTPUT_TOKENS[useCase]);
  }

  /**
   * Same key + same request: the first response. Same key + another request: 422. `run` gets
   * `complete`, which records the response inside the transaction that saves the answer and
   * its charge, so a click is either done (all three) or not at all and can run again.
   */
  async function idempotent<T>(caller: AiCaller, operation: string, request: unknown, run: (complete: CompleteRequest) => Promise<T>): Promise<T> {
    const key = caller.idempotencyKey;
    const complete = completer(caller);
    if (!key) return run(complete);
    const replay = await claim(caller, operation, request);
    if (replay) return replay.response as T;
    try {
      return await run(complete);
    } catch (error) {
      // Nothing of the click was kept: free its key so the same click can run again. If the
      // database is gone too, the claim goes stale and is taken over (staleClaimMs).
      await dropKey(caller);
      throw error;
    }
  }

  function completer(caller: AiCaller): CompleteRequest {
    return async (trx, result) => {
      if (caller.idempotencyKey) await repo.completeRequest(trx, caller.orgId, caller.idempotencyKey, result);
    };
  }

  /** Frees a failed click's key (see idempotent); a database that is gone leaves it to go stale. */
  async function dropKey(caller: AiCaller) {
    const key = caller.idempotencyKey;
    if (!key) return;
    await repo.dropPendingRequest(db, caller.orgId, key).catch((dropError: unknown) => deps.logger.warn({ err: dropError, key }, 'could not free an idempotency key'));
  }

  /** Claims the caller's key for this request: null when claimed, the stored response when it is done; 422/409 otherwise. */
  async function claim(caller: AiCaller, operation: string, request: unknown): Promise<{ response: unknown } | null> {
    const key = caller.idempotencyKey;
    if (!key) return null;
    const requestHash = hashOf({ operation, userId: caller.userId, request });
    const now = clock.now();
    let claimed = await repo.claimRequest(db, { org_id: caller.orgId, idempotency_key: key, operation, request_hash: requestHash, created_at: now });
    if (!claimed) {
      const existing = await repo.findRequest(db, caller.orgId, key);
      if (existing && (existing.operation !== operation || existing.request_hash !== requestHash)) {
        throw new HttpError(422, 'IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used for a different request');
      }
      if (existing?.status === 'done') return { response: existing.response };
      claimed = existing
        ? await repo.takeOverStaleRequest(db, caller.orgId, key, new Date(now.getTime() - deps.staleClaimMs), now)
        : await repo.claimRequest(db, { org_id: caller.orgId, idempotency_key: key, operation, request_hash: requestHash, created_at: now });
      if (!claimed) throw new HttpError(409, 'CONFLICT', 'This request is already running; wait for its result');
    }
    return null;
  }

  /**
   * Reserve -> call the model -> parse -> settle and save in one transaction. Any failure of the
   * model (HTTP error, timeout, unusable answer) releases the reservation and answers 502
   * PROVIDER_FAILED; a save that fails rolls the charge back with it and releases too.
   */
  async function metered<P, R>(
    caller: AiCaller,
    projectId: string,
    useCase: UseCase,
    messages: ProviderMessage[],
    parse: (text: string) => P,
    save: (trx: Transaction<Database>, parsed: P, usage: MeteredUsage) => Promise<R>,
    complete: CompleteRequest,
  ): Promise<R & { run: AiRun }> {
    const { reservation, maxOutputTokens } = await hold(caller, projectId, useCase, messages);
    try {
      const completion = await provider.complete({ task: useCase, messages, maxOutputTokens });
      // PostgreSQL text and jsonb cannot hold NUL: a model that writes one (raw, or as a JSON
      // \u0000 escape) still gets its answer saved.
      const parsed = withoutNul(parse(completion.text.replaceAll('\u0000', '')));
      const settleInput = {
        orgId: caller.orgId,
        reservationId: reservation.id,
        inputTokens: completion.inputTokens,
        outputTokens: completion.outputTokens,
        // The usage record keeps the click's key (docs/product.md "Consumption"); ai_requests is its idempotency.
        usageKey: caller.idempotencyKey ? `app:${caller.idempotencyKey}` : undefined,
      };
      return await ledger.settleAnd(settleInput, async (trx, settled) => {
        const saved = await save(trx, parsed, settled.usage);
        const result = {
          ...saved,
          run: {
            model: model.id,
            modelLabel: model.label,
            demo: model.demo,
            inputTokens: settled.usage.inputTokens,
            outputTokens: settled.usage.outputTokens,
            chargedMc: settled.usage.chargedMc,
            balance: settled.balance,
          },
        };
        await complete(trx, result);
        return result;
      });
    } catch (error) {
      await ledger.release({ orgId: caller.orgId, reservationId: reservation.id }).catch((releaseError: unknown) => {
        // It expires by itself after the reservation TTL.
        deps.logger.warn({ err: releaseError, reservationId: reservation.id }, 'could not release a reservation');
      });
      if (error instanceof ProviderError) {
        deps.logger.warn({ err: error, detail: error.detail, model: model.id }, 'model call failed');
        throw new HttpError(502, 'PROVIDER_FAILED', `${error.message}. Nothing was charged; try again.`);
      }
      if (error instanceof HttpError && error.code === 'SETTLE_EXCEEDS_RESERVATION') {
        throw new HttpError(502, 'PROVIDER_FAILED', 'The model used more tokens than it was allowed. Nothing was charged; try again.');
      }
      if (error instanceof HttpError && error.code === 'RESERVATION_EXPIRED') {
        throw new HttpError(502, 'PROVIDER_FAILED', 'The model took longer than a reservation lasts. Nothing was charged; try again.');
      }
      throw error;
    }
  }

  /** The exchange of a chat call: the conversation (new or touched), the user's message and the reply. */
  async function saveChat(trx: Transaction<Database>, caller: AiCaller, input: ChatInput, reply: string, usage: MeteredUsage, stopped: boolean) {
    const now = clock.now();
    const conversation = input.conversationId
      ? await repo.touchConversation(trx, caller.orgId, input.conversationId, now)
      : await repo.insertConversation(trx, {
          org_id: caller.orgId,
          project_id: input.projectId,
          user_id: caller.userId,
          title: input.message.split('\n')[0]!.slice(0, 80),
          created_at: now,
          updated_at: now,
        });
    const base = { org_id: caller.orgId, conversation_id: conversation.id, created_at: now };
    const userMessage = await repo.insertMessage(trx, { ...base, role: 'user', content: input.message, model: null, usage_id: null });
    const replyMessage = await repo.insertMessage(trx, { ...base, role: 'assistant', content: reply, model: model.id, usage_id: usage.id, stopped });
    return { conversation: toConversation(conversation), userMessage: toMessage(userMessage), reply: toMessage(replyMessage) };
  }

  async function ownConversation(orgId: string, userId: string, conversationId: string) {
    const conversation = await repo.findConversation(db, orgId, conversationId);
    // Conversations are per user: another member's is as good as missing.
    if (!conversation || conversation.user_id !== userId) throw notFound('Conversation');
    return conversation;
  }

  async function promptFor(orgId: string, userId: string, body: EstimateBody): Promise<ProviderMessage[]> {
    const project = await deps.org.projectOrThrow(orgId, body.projectId);
    switch (body.useCase) {
      case 'test_generation':
        return prompts.testGenerationPrompt(project.name, body.requirement);
      case 'chat': {
        const conversation = body.conversationId ? await ownConversation(orgId, userId, body.conversationId) : null;
        if (conversation && conversation.project_id !== project.id) throw notFound('Conversation');
        const history = conversation ? await repo.lastMessages(db, orgId, conversation.id, prompts.CHAT_HISTORY_MESSAGES) : [];
        const count = await repo.countTestCasesOfProject(db, orgId, project.id);
        return prompts.chatPrompt(project.name, count, history, body.message);
      }
      case 'report': {
        const cases = await repo.listTestCasesOfProject(db, orgId, project.id, prompts.REPORT_MAX_TEST_CASES);
        return prompts.reportPrompt(project.name, cases);
      }
    }
  }

  /** A generation and its test cases (a stopped one: the whole cases written by then, maybe none). */
  async function saveGeneration(trx: Transaction<Database>, caller: AiCaller, input: GenerationInput, cases: prompts.GeneratedTestCase[], usage: MeteredUsage, stopped: boolean) {
    const now = clock.now();
    const generation = await repo.insertGeneration(trx, {
      org_id: caller.orgId,
      project_id: input.projectId,
      user_id: caller.userId,
      requirement: input.requirement,
      model: model.id,
      usage_id: usage.id,
      stopped,
      created_at: now,
    });
    const rows = await repo.insertTestCases(
      trx,
      cases.map((c, position) => ({
        org_id: caller.orgId,
        project_id: input.projectId,
        generation_id: generation.id,
        position,
        area: c.area,
        title: c.title,
        preconditions: c.preconditions,
        steps: JSON.stringify(c.steps),
        expected_result: c.expectedResult,
        created_at: now,
      })),
    );
    const dto: TestCaseGeneration = {
      id: generation.id,
      projectId: generation.project_id,
      requirement: generation.requirement,
      model: generation.model,
      stopped: generation.stopped,
      createdAt: generation.created_at.toISOString(),
      testCases: rows.sort((a, b) => a.position - b.position).map(toTestCase),
    };
    return { generation: dto };
  }

  /** What a report is over: the project's test cases by area. None: 409 before anything is held. */
  async function reportBasis(caller: AiCaller, projectId: string) {
    const project = await deps.org.projectOrThrow(caller.orgId, projectId);
    const areas = await repo.countByArea(db, caller.orgId, project.id);
    const total = areas.reduce((sum, a) => sum + Number(a.n), 0);
    if (total === 0) throw new HttpError(409, 'CONFLICT', 'This project has no test cases yet; generate some first');
    const messages = await promptFor(caller.orgId, caller.userId, { useCase: 'report', projectId: project.id });
    const coverage = areas
      .map((a) => ({ area: a.area, testCaseCount: Number(a.n), percent: Math.round((Number(a.n) * 100) / total) }))
      .sort((a, b) => b.testCaseCount - a.testCaseCount || a.area.localeCompare(b.area));
    return { projectId: project.id, total, coverage, messages };
  }
  type ReportBasis = Awaited<ReturnType<typeof reportBasis>>;

  async function saveReport(trx: Transaction<Database>, caller: AiCaller, basis: ReportBasis, written: { summary: string; gaps: string[] }, usage: MeteredUsage, stopped: boolean) {
    const row = await repo.insertReport(trx, {
      org_id: caller.orgId,
      project_id: basis.projectId,
      user_id: caller.userId,
      model: model.id,
      usage_id: usage.id,
      test_case_count: basis.total,
      summary: written.summary,
      coverage: JSON.stringify(basis.coverage),
      gaps: JSON.stringify(written.gaps),
      stopped,
      created_at: clock.now(),
    });
    return { report: toReport(row) };
  }

  // Streamed answers (ADR 026) -------------------------------------------------------------

  /** Streams in flight: shutdown stops them (they settle what they produced) and waits for them. */
  const streams = new Set<{ stop: AbortController; finished: Promise<void> }>();

  /** One server-sent event: its name and one JSON data line (JSON.stringify never writes a raw newline). */
  const sse = (name: ChatStreamEventName, data: unknown) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;

  async function* replayed(response: unknown): AsyncGenerator<string> {
    yield sse('done', response);
  }

  /**
   * What differs between the streamed features (chat, report, test generation); the rules of a
   * streamed run — hold first, settle once, charge what was produced — are `openStream`'s.
   */
  interface StreamSpec<P, R extends object> {
    caller: AiCaller;
    /** The use case charged, also the Idempotency-Key's operation (shared with the unstreamed endpoint). */
    useCase: UseCase;
    /** The request the key is bound to. */
    request: unknown;
    /** Everything that refuses the call before the hold (throws HttpError); the project and the prompt. */
    prepare(): Promise<{ projectId: string; messages: ProviderMessage[] }>;
    /** The `delta` event of a piece of text: the meter, and what the client is shown of it. */
    delta(piece: string, produced: string, meter: { outputTokens: number; chargedMc: number }): unknown;
    /** What is kept of the text produced, whole (`stopped` false) or cut short; throws ProviderError when nothing is usable. */
    parse(produced: string, stopped: boolean): P;
    /** Saves it in the settle's transaction; the `done` body is this and the run. */
    save(trx: Transaction<Database>, parsed: P, stopped: boolean, usage: MeteredUsage): Promise<R>;
  }

  /**
   * The hold of an app run (streamed or not): the project must take usage (an archived one keeps
   * its history but takes no new usage), then the reservation of what the run may cost, capped at
   * what is left but never below its useful minimum (issue 24); the model writes only what the
   * hold covers.
   */
  async function hold(caller: AiCaller, projectId: string, useCase: UseCase, messages: ProviderMessage[]) {
    await deps.org.projectForUsageOrThrow(caller.orgId, projectId);
    const { reservation } = await ledger.reserve({
      orgId: caller.orgId,
      userId: caller.userId,
      projectId,
      apiKeyId: null,
      source: 'app',
      useCase,
      model: model.id,
      estimateMc: maxCostMc(messages, useCase),
      minEstimateMc: minCostMc(messages, useCase),
    });
    const holdMc = BigInt(reservation.estimateMc);
    const maxOutputTokens = outputTokensWithin(model, inputTokensUpperBound(messages), holdMc, prompts.MAX_OUTPUT_TOKENS[useCase]);
    return { reservation, holdMc, maxOutputTokens };
  }

  /**
   * A streamed run (ADR 026). Everything that can refuse it (the key, the project, AI off,
   * coverage) does so before the first byte, as an ordinary error; the hold is made before the
   * first token; then the events of `streamRun`.
   */
  async function openStream<P, R extends object>(spec: StreamSpec<P, R>, clientGone: AbortSignal): Promise<AsyncIterable<string>> {
    const { caller, useCase } = spec;
    const replay = await claim(caller, useCase, spec.request);
    if (replay) return replayed(replay.response);
    try {
      const { projectId, messages } = await spec.prepare();
      const { reservation, holdMc, maxOutputTokens } = await hold(caller, projectId, useCase, messages);
      return streamRun(spec, messages, reservation, holdMc, maxOutputTokens, clientGone);
    } catch (error) {
      await dropKey(caller);
      throw error;
    }
  }

  /**
   * The answer as it is written, after the hold (`reservation`) was made: `start`, `delta`s,
   * then `done` (settled and saved) or `error` (released: nothing to keep). Whatever ends it —
   * the model finishing, the client closing the connection or reading nothing (`clientGone`), the
   * provider failing midway, a shutdown — it settles exactly once: the provider's reported usage
   * when it finished, else the prompt and what was produced counted by the tokenizer, and saves
   * what can be kept of it marked stopped. Nothing produced: released.
   */
  async function* streamRun<P, R extends object>(
    spec: StreamSpec<P, R>,
    messages: ProviderMessage[],
    reservation: { id: string },
    holdMc: bigint,
    maxOutput: number,
    clientGone: AbortSignal,
  ): AsyncGenerator<string> {
    const { caller } = spec;
    const stop = new AbortController();
    const onGone = () => stop.abort(clientGone.reason);
    clientGone.addEventListener('abort', onGone, { once: true });
    if (clientGone.aborted) onGone();
    let markFinished!: () => void;
    const entry = { stop, finished: new Promise<void>((resolve) => (markFinished = resolve)) };
    streams.add(entry);

    const promptTokens = countPromptTokens(messages);
    let produced = '';
    let reported: { inputTokens: number; outputTokens: number } | null = null;
    let failure: ProviderError | null = null;
    let outcome: { response: R & { run: AiRun } } | { error: string } | null = null;
    /** The response was closed under us (client gone or cut off for not reading) before the answer ended. */
    let abandoned = false;
    const outputSoFar = () => Math.min(countTokens(produced), maxOutput);

    /** Settle (or release) once, and save; never throws. */
    const finish = async (): Promise<{ response: R & { run: AiRun } } | { error: string }> => {
      if (outcome) return outcome;
      const stopped = stop.signal.aborted || failure !== null || abandoned;
      try {
        if (stopped && !produced.trim()) throw failure ?? new ProviderError('The answer was stopped before it started');
        const kept = spec.parse(produced, stopped);
        const usage = reported && !stopped ? reported : { inputTokens: reported?.inputTokens ?? promptTokens, outputTokens: reported?.outputTokens ?? outputSoFar() };
        const settleInput = {
          orgId: caller.orgId,
          reservationId: reservation.id,
          inputTokens: usage.inputTokens,
          outputTokens: usage.outputTokens,
          usageKey: caller.idempotencyKey ? `app:${caller.idempotencyKey}` : undefined,
        };
        const response = await ledger.settleAnd(settleInput, async (trx, settled) => {
          const saved = await spec.save(trx, kept, stopped, settled.usage);
          const result = { ...saved, run: runOf(settled) };
          await completer(caller)(trx, result);
          return result;
        });
        outcome = { response };
      } catch (error) {
        await ledger.release({ orgId: caller.orgId, reservationId: reservation.id }).catch((releaseError: unknown) => {
          deps.logger.warn({ err: releaseError, reservationId: reservation.id }, 'could not release a reservation');
        });
        await dropKey(caller);
        outcome = { error: failureMessage(error) };
      }
      return outcome;
    };

    try {
      yield sse('start', { model: model.id, modelLabel: model.label, demo: model.demo, holdMc: toSafeNumber(holdMc) } satisfies ChatStreamStart);
      try {
        for await (const part of provider.stream({ task: spec.useCase, messages, maxOutputTokens: maxOutput }, stop.signal)) {
          if (part.type === 'usage') {
            reported = { inputTokens: part.inputTokens, outputTokens: part.outputTokens };
            continue;
          }
          // PostgreSQL text cannot hold NUL (see metered).
          const text = part.text.replaceAll('\u0000', '');
          if (!text) continue;
          produced += text;
          yield sse('delta', spec.delta(text, produced, { outputTokens: outputSoFar(), chargedMc: toSafeNumber(costMc(model, promptTokens, outputSoFar())) }));
        }
      } catch (error) {
        if (!stop.signal.aborted) {
          failure = error instanceof ProviderError ? error : new ProviderError('The answer broke off', error);
          deps.logger.warn({ err: error, detail: failure.detail, model: model.id }, 'streamed model call failed');
        }
      }
      const result = await finish();
      if ('response' in result) yield sse('done', result.response);
      else yield sse('error', { error: { code: 'PROVIDER_FAILED', message: result.error } });
    } finally {
      // The client left while a part was being written (the generator was closed): settle here.
      if (!outcome) abandoned = true;
      await finish();
      clientGone.removeEventListener('abort', onGone);
      streams.delete(entry);
      markFinished();
    }
  }

  function runOf(settled: { usage: MeteredUsage; balance: AiRun['balance'] }): AiRun {
    return {
      model: model.id,
      modelLabel: model.label,
      demo: model.demo,
      inputTokens: settled.usage.inputTokens,
      outputTokens: settled.usage.outputTokens,
      chargedMc: settled.usage.chargedMc,
      balance: settled.balance,
    };
  }

  /** The words of a run that kept nothing (PROVIDER_FAILED). */
  function failureMessage(error: unknown): string {
    if (error instanceof ProviderError) return `${error.message}. Nothing was charged; try again.`;
    if (error instanceof HttpError && error.code === 'SETTLE_EXCEEDS_RESERVATION') return 'The model used more tokens than it was allowed. Nothing was charged; try again.';
    if (error instanceof HttpError && error.code === 'RESERVATION_EXPIRED') return 'The model took longer than a reservation lasts. Nothing was charged; try again.';
    deps.logger.error({ err: error }, 'a streamed answer could not be saved');
    return 'The answer could not be saved. Nothing was charged; try again.';
  }

  return {
    model,

    /** "About N credits; you have M" before the user runs the action. */
    async estimate(caller: AiCaller, body: EstimateBody): Promise<Estimate> {
      const messages = await promptFor(caller.orgId, caller.userId, body);
      const summary = await deps.credits.summary(caller.orgId);
      const maxMc = maxCostMc(messages, body.useCase);
      const expectedMc = costMc(model, countPromptTokens(messages), prompts.TYPICAL_OUTPUT_TOKENS[body.useCase]);
      const overageRoomMc = Math.max(0, summary.overage.limitMc - summary.overage.usedMc);
      // The same rule the engine applies at reserve time (budgets of this project and this user).
      const budgets = await deps.budgets.withUse(caller.orgId, new Date(summary.period.start));
      const room = (type: 'project' | 'user', id: string | null) => {
        const b = budgets.find((x) => x.subjectType === type && x.subjectId === id);
        return b ? b.limitMc - b.usedMc : null;
      };
      const verdict = checkCoverage({
        costMc: maxMc,
        minCostMc: minCostMc(messages, body.useCase),
        availableMc: BigInt(summary.availableMc),
        overageLimitMc: BigInt(summary.overage.limitMc),
        projectBudgetLeftMc: room('project', body.projectId),
        memberBudgetLeftMc: room('user', caller.userId),
      });
      const holdMc = verdict.fits ? verdict.holdMc : maxMc;
      return {
        useCase: body.useCase,
        model: model.id,
        modelLabel: model.label,
        demo: model.demo,
        expectedMc: toSafeNumber(expectedMc < holdMc ? expectedMc : holdMc),
        // What the run would hold: its maximum capped at what is left (the model writes only what it covers).
        maxMc: toSafeNumber(holdMc),
        balanceMc: summary.balanceMc,
        availableMc: summary.availableMc,
        overageRoomMc,
        aiEnabled: summary.aiEnabled,
        canRun: summary.aiEnabled && verdict.fits,
        limitedBy: verdict.fits ? null : verdict.stoppedBy,
      };
    },

    generateTestCases(caller: AiCaller, input: GenerationInput) {
      assertStorable({ requirement: input.requirement });
      return idempotent(caller, 'test_generation', input, async (complete) => {
        const project = await deps.org.projectOrThrow(caller.orgId, input.projectId);
        const messages = prompts.testGenerationPrompt(project.name, input.requirement);
        return metered(caller, project.id, 'test_generation', messages, prompts.parseTestCases, (trx, cases, usage) => saveGeneration(trx, caller, input, cases, usage, false), complete);
      });
    },

    /**
     * Test generation with progress as Server-Sent Events (ADR 026): the meter and the whole
     * cases written so far; cut short, only the whole cases are kept, and what was produced is charged.
     */
    async generateTestCasesStream(caller: AiCaller, input: GenerationInput, clientGone: AbortSignal): Promise<AsyncIterable<string>> {
      assertStorable({ requirement: input.requirement });
      let whole = 0;
      return openStream(
        {
          caller,
          useCase: 'test_generation',
          request: input,
          prepare: async () => {
            const project = await deps.org.projectOrThrow(caller.orgId, input.projectId);
            return { projectId: project.id, messages: prompts.testGenerationPrompt(project.name, input.requirement) };
          },
          delta: (piece, produced, meter): GenerationStreamDelta => {
            // A case ends with a closing brace: only then can the count change.
            const cases = piece.includes('}') ? prompts.wholeTestCases(produced) : null;
            const newCases = cases ? cases.slice(whole).map((c) => ({ area: c.area, title: c.title })) : [];
            if (cases) whole = Math.max(whole, cases.length);
            return { ...meter, testCaseCount: whole, newCases };
          },
          parse: (produced, stopped) => (stopped ? prompts.wholeTestCases(produced) : prompts.parseTestCases(produced)),
          save: (trx, cases, stopped, usage) => saveGeneration(trx, caller, input, cases, usage, stopped),
        },
        clientGone,
      );
    },

    async listTestCases(orgId: string, projectId: string): Promise<TestCaseGeneration[]> {
      await deps.org.projectOrThrow(orgId, projectId);
      const generations = await repo.listGenerations(db, orgId, projectId, 50);
      const cases = await repo.listTestCasesOfGenerations(
        db,
        orgId,
        generations.map((g) => g.id),
      );
      return generations.map((g) => ({
        id: g.id,
        projectId: g.project_id,
        requirement: g.requirement,
        model: g.model,
        stopped: g.stopped,
        createdAt: g.created_at.toISOString(),
        testCases: cases.filter((c) => c.generation_id === g.id).map(toTestCase),
      }));
    },

    async listConversations(orgId: string, userId: string, projectId: string) {
      await deps.org.projectOrThrow(orgId, projectId);
      return (await repo.listConversations(db, orgId, userId, projectId, 100)).map(toConversation);
    },

    async getConversation(orgId: string, userId: string, conversationId: string) {
      const conversation = await ownConversation(orgId, userId, conversationId);
      const messages = await repo.listMessages(db, orgId, conversation.id);
      return { conversation: toConversation(conversation), messages: messages.map(toMessage) };
    },

    chat(caller: AiCaller, input: ChatInput) {
      assertStorable({ message: input.message });
      return idempotent(caller, 'chat', input, async (complete) => {
        const messages = await promptFor(caller.orgId, caller.userId, { useCase: 'chat', ...input });
        return metered(
          caller,
          input.projectId,
          'chat',
          messages,
          prompts.parseChatReply,
          (trx, reply, usage) => saveChat(trx, caller, input, reply, usage, false),
          complete,
        );
      });
    },

    /**
     * The chat answer streamed as Server-Sent Events (ADR 026). Everything that can refuse the
     * call (validation, the key, the project, AI off, coverage) does so before the first byte,
     * as an ordinary error response; the hold is made before the first token.
     */
    async chatStream(caller: AiCaller, input: ChatInput, clientGone: AbortSignal): Promise<AsyncIterable<string>> {
      assertStorable({ message: input.message });
      return openStream(
        {
          caller,
          useCase: 'chat',
          request: input,
          prepare: async () => ({ projectId: input.projectId, messages: await promptFor(caller.orgId, caller.userId, { useCase: 'chat', ...input }) }),
          delta: (text, _produced, meter): ChatStreamDelta => ({ text, ...meter }),
          // Cut short: what was written, as it is.
          parse: (produced, stopped) => (stopped ? produced : prompts.parseChatReply(produced)),
          save: (trx, reply, stopped, usage) => saveChat(trx, caller, input, reply, usage, stopped),
        },
        clientGone,
      );
    },

    /**
     * Shutdown: streams still running after `stopAfterMs` are stopped (each settles what it
     * produced and ends its response); resolves when none is left.
     */
    async drainStreams(stopAfterMs: number): Promise<void> {
      const timer = setTimeout(() => {
        for (const s of streams) s.stop.abort(new Error('The server is shutting down'));
      }, stopAfterMs);
      try {
        while (streams.size > 0) await Promise.all([...streams].map((s) => s.finished));
      } finally {
        clearTimeout(timer);
      }
    },

    async listReports(orgId: string, projectId: string) {
      await deps.org.projectOrThrow(orgId, projectId);
      return (await repo.listReports(db, orgId, projectId, 50)).map(toReport);
    },

    createReport(caller: AiCaller, input: { projectId: string }) {
      return idempotent(caller, 'report', input, async (complete) => {
        const basis = await reportBasis(caller, input.projectId);
        return metered(caller, basis.projectId, 'report', basis.messages, prompts.parseReport, (trx, written, usage) => saveReport(trx, caller, basis, written, usage, false), complete);
      });
    },

    /** The report streamed as Server-Sent Events (ADR 026): its text as written; cut short, what was written is kept and charged. */
    async createReportStream(caller: AiCaller, input: { projectId: string }, clientGone: AbortSignal): Promise<AsyncIterable<string>> {
      let basis: ReportBasis | null = null;
      return openStream(
        {
          caller,
          useCase: 'report',
          request: input,
          prepare: async () => (basis = await reportBasis(caller, input.projectId)),
          delta: (text, _produced, meter): ChatStreamDelta => ({ text, ...meter }),
          parse: (produced) => prompts.parseReport(produced),
          save: (trx, written, stopped, usage) => saveReport(trx, caller, basis!, written, usage, stopped),
        },
        clientGone,
      );
    },
  };
}

export type AiService = ReturnType<typeof createAiService>;
