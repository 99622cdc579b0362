import { z } from 'zod/mini';
import { endpoint, IdSchema, IsoDateTimeSchema, MillicreditsSchema, TextSchema } from '../api';
import { BalanceAfterSchema, UseCaseSchema } from './credits';

/**
 * AI features that spend credits (docs/product.md "AI features"): test case generation, the chat
 * assistant and reports. Every POST that calls the model takes an optional `Idempotency-Key`
 * header (the SPA sends one per click); GETs keep working when AI is turned off.
 */

/** Limits keep one call's reservation small and predictable. */
export const REQUIREMENT_MAX_CHARS = 8_000;
export const CHAT_MESSAGE_MAX_CHARS = 4_000;

export const TestCaseSchema = z.object({
  id: IdSchema,
  projectId: IdSchema,
  generationId: IdSchema,
  /** Functional area the case belongs to (used by the coverage report). */
  area: z.string(),
  title: z.string(),
  preconditions: z.string(),
  steps: z.array(z.string()),
  expectedResult: z.string(),
  createdAt: IsoDateTimeSchema,
});
export type TestCase = z.infer<typeof TestCaseSchema>;

/** What one metered model call cost, and the balance after it. */
export const AiRunSchema = z.object({
  model: z.string(),
  modelLabel: z.string(),
  /** True when the built-in offline demo model answered. */
  demo: z.boolean(),
  inputTokens: z.int(),
  outputTokens: z.int(),
  chargedMc: MillicreditsSchema,
  balance: BalanceAfterSchema,
});
export type AiRun = z.infer<typeof AiRunSchema>;

export const TestCaseGenerationSchema = z.object({
  id: IdSchema,
  projectId: IdSchema,
  requirement: z.string(),
  model: z.string(),
  createdAt: IsoDateTimeSchema,
  /** A streamed generation cut short (stopped, connection lost, provider failed midway): only the whole cases written by then are kept. */
  stopped: z.boolean(),
  testCases: z.array(TestCaseSchema),
});
export type TestCaseGeneration = z.infer<typeof TestCaseGenerationSchema>;

export const ConversationSchema = z.object({
  id: IdSchema,
  projectId: IdSchema,
  title: z.string(),
  createdAt: IsoDateTimeSchema,
  updatedAt: IsoDateTimeSchema,
});
export type Conversation = z.infer<typeof ConversationSchema>;

export const ChatMessageSchema = z.object({
  id: IdSchema,
  role: z.enum(['user', 'assistant']),
  content: z.string(),
  /** Model that wrote an assistant message; null for the user's own. */
  model: z.nullable(z.string()),
  /** A streamed answer cut short (stopped, connection lost, provider failed midway): what was produced, charged as such. */
  stopped: z.boolean(),
  createdAt: IsoDateTimeSchema,
});
export type ChatMessage = z.infer<typeof ChatMessageSchema>;

export const CoverageAreaSchema = z.object({
  area: z.string(),
  testCaseCount: z.int(),
  /** Share of the project's test cases in this area, in whole percent. */
  percent: z.int(),
});

export const ReportSchema = z.object({
  id: IdSchema,
  projectId: IdSchema,
  model: z.string(),
  testCaseCount: z.int(),
  summary: z.string(),
  coverage: z.array(CoverageAreaSchema),
  gaps: z.array(z.string()),
  /** A streamed report cut short (stopped, connection lost, provider failed midway): what was written, charged as such. */
  stopped: z.boolean(),
  createdAt: IsoDateTimeSchema,
});
export type Report = z.infer<typeof ReportSchema>;

export const EstimateBodySchema = z.discriminatedUnion('useCase', [
  z.strictObject({ useCase: z.literal('test_generation'), projectId: IdSchema, requirement: TextSchema.check(z.maxLength(REQUIREMENT_MAX_CHARS)) }),
  z.strictObject({
    useCase: z.literal('chat'),
    projectId: IdSchema,
    conversationId: z.nullish(IdSchema),
    message: TextSchema.check(z.maxLength(CHAT_MESSAGE_MAX_CHARS)),
  }),
  z.strictObject({ useCase: z.literal('report'), projectId: IdSchema }),
]);
export type EstimateBody = z.infer<typeof EstimateBodySchema>;

export const EstimateSchema = z.object({
  useCase: UseCaseSchema,
  model: z.string(),
  modelLabel: z.string(),
  demo: z.boolean(),
  /** A typical cost for this prompt ("about N credits"). */
  expectedMc: MillicreditsSchema,
  /** What will be reserved: the most the call can cost (prompt bytes + overhead, max output tokens). */
  maxMc: MillicreditsSchema,
  balanceMc: MillicreditsSchema,
  availableMc: MillicreditsSchema,
  /** Overage still allowed this month on top of the available credits. */
  overageRoomMc: MillicreditsSchema,
  aiEnabled: z.boolean(),
  /** False when the call would be refused (AI off, or the reservation cannot be covered). */
  canRun: z.boolean(),
  /** What would refuse it (shared/budgets.ts checkCoverage: the lowest limit wins); absent or null when it fits. */
  limitedBy: z.nullish(z.enum(['balance', 'overage_limit', 'project_budget', 'member_budget'])),
});
export type Estimate = z.infer<typeof EstimateSchema>;

const ProjectQuery = z.strictObject({ projectId: IdSchema });

const ChatBodySchema = z.strictObject({
  projectId: IdSchema,
  conversationId: z.nullish(IdSchema),
  message: TextSchema.check(z.trim(), z.minLength(1), z.maxLength(CHAT_MESSAGE_MAX_CHARS)),
});

export const ChatResponseSchema = z.object({ conversation: ConversationSchema, userMessage: ChatMessageSchema, reply: ChatMessageSchema, run: AiRunSchema });
export type ChatResponse = z.infer<typeof ChatResponseSchema>;

/**
 * A streamed chat answer (`POST /api/ai/chat/stream`, text/event-stream; ADR 026) is a series of
 * Server-Sent Events, each `event: <name>` with one JSON `data:` line:
 * - `start` once, when the hold is made (before the first token);
 * - `delta` per piece of text, with the run's credits so far;
 * - `done` once at the end: the saved exchange and its charge (`reply.stopped` when it was cut
 *   short) — the same body as `POST /api/ai/chat`;
 * - `error` instead of `done` when nothing could be kept (the provider failed before its first
 *   token): nothing was charged.
 * A request refused before the hold (validation, AI off, no credits) is an ordinary JSON error.
 * Closing the connection stops the answer: what was produced is saved, marked stopped, and
 * charged; the same Idempotency-Key then answers the saved exchange as a single `done` event.
 */
export const ChatStreamStartSchema = z.object({
  model: z.string(),
  modelLabel: z.string(),
  demo: z.boolean(),
  /** Credits held for this run (the most it can cost). */
  holdMc: MillicreditsSchema,
});
export const ChatStreamDeltaSchema = z.object({
  text: z.string(),
  /** Output tokens so far (counted by the tokenizer until the provider reports its usage). */
  outputTokens: z.int(),
  /** What the run would cost if it stopped now. */
  chargedMc: MillicreditsSchema,
});
export type ChatStreamStart = z.infer<typeof ChatStreamStartSchema>;
export type ChatStreamDelta = z.infer<typeof ChatStreamDeltaSchema>;
export const CHAT_STREAM_EVENTS = ['start', 'delta', 'done', 'error'] as const;
export type ChatStreamEventName = (typeof CHAT_STREAM_EVENTS)[number];

/**
 * A streamed report (`POST /api/ai/reports/stream`) has the chat's events: `start`, `delta`
 * (the report's text as written: the summary, then "Gaps:" and one "- " line per gap), `done`
 * with the body of `POST /api/ai/reports` (`report.stopped` when cut short), or `error`.
 *
 * A streamed test generation (`POST /api/ai/test-cases/generate/stream`) sends progress rather
 * than text (its answer is JSON, usable only by whole cases): `start`, a `delta` per piece with
 * the meter and the whole test cases written so far (`testCaseCount`, the titles of the new ones),
 * then `done` with the body of `POST /api/ai/test-cases/generate` (a stopped generation keeps
 * only its whole cases, `generation.stopped`), or `error`.
 */
export const GenerationStreamDeltaSchema = z.object({
  outputTokens: z.int(),
  chargedMc: MillicreditsSchema,
  /** Whole test cases written so far. */
  testCaseCount: z.int(),
  /** The cases completed by this piece (usually none). */
  newCases: z.array(z.object({ area: z.string(), title: z.string() })),
});
export type GenerationStreamDelta = z.infer<typeof GenerationStreamDeltaSchema>;

const GenerateBodySchema = z.strictObject({ projectId: IdSchema, requirement: TextSchema.check(z.trim(), z.minLength(10), z.maxLength(REQUIREMENT_MAX_CHARS)) });
export const GenerationResponseSchema = z.object({ generation: TestCaseGenerationSchema, run: AiRunSchema });
export type GenerationResponse = z.infer<typeof GenerationResponseSchema>;
export const ReportResponseSchema = z.object({ report: ReportSchema, run: AiRunSchema });
export type ReportResponse = z.infer<typeof ReportResponseSchema>;

export const aiContract = {
  estimate: endpoint({
    method: 'POST',
    path: '/api/ai/estimate',
    summary: 'Estimated cost of an AI action before running it, with the credits available',
    auth: 'session',
    body: EstimateBodySchema,
    response: EstimateSchema,
  }),
  generateTestCases: endpoint({
    method: 'POST',
    path: '/api/ai/test-cases/generate',
    verifiedEmail: 'required',
    summary: 'Generate test cases from a requirement and save them to the project (spends credits)',
    auth: 'session',
    idempotencyKey: 'optional',
    body: GenerateBodySchema,
    response: GenerationResponseSchema,
    status: 201,
  }),
  generateTestCasesStream: endpoint({
    method: 'POST',
    path: '/api/ai/test-cases/generate/stream',
    verifiedEmail: 'required',
    summary:
      'Generate test cases with progress as Server-Sent Events (start, delta with the whole cases so far, done | error); closing the connection stops it, keeps the whole cases and charges what was produced (spends credits)',
    auth: 'session',
    idempotencyKey: 'optional',
    body: GenerateBodySchema,
    response: null,
    produces: 'text/event-stream',
  }),
  listTestCases: endpoint({
    method: 'GET',
    path: '/api/ai/test-cases',
    summary: "A project's generated test cases, newest generation first",
    auth: 'session',
    query: ProjectQuery,
    response: z.object({ generations: z.array(TestCaseGenerationSchema) }),
  }),
  listConversations: endpoint({
    method: 'GET',
    path: '/api/ai/conversations',
    summary: "The signed-in user's chat conversations in a project, most recent first",
    auth: 'session',
    query: ProjectQuery,
    response: z.object({ conversations: z.array(ConversationSchema) }),
  }),
  getConversation: endpoint({
    method: 'GET',
    path: '/api/ai/conversations/:conversationId',
    summary: 'A conversation with its messages, oldest first',
    auth: 'session',
    params: z.strictObject({ conversationId: IdSchema }),
    response: z.object({ conversation: ConversationSchema, messages: z.array(ChatMessageSchema) }),
  }),
  chat: endpoint({
    method: 'POST',
    path: '/api/ai/chat',
    verifiedEmail: 'required',
    summary: 'Send a message to the AI assistant (starts a conversation when none is given; spends credits)',
    auth: 'session',
    idempotencyKey: 'optional',
    body: ChatBodySchema,
    response: ChatResponseSchema,
    status: 201,
  }),
  chatStream: endpoint({
    method: 'POST',
    path: '/api/ai/chat/stream',
    verifiedEmail: 'required',
    summary:
      'Send a message to the AI assistant and receive the answer as Server-Sent Events (start, delta, done | error); closing the connection stops it and charges what was produced (spends credits)',
    auth: 'session',
    idempotencyKey: 'optional',
    body: ChatBodySchema,
    response: null,
    produces: 'text/event-stream',
  }),
  listReports: endpoint({
    method: 'GET',
    path: '/api/ai/reports',
    summary: "A project's AI reports, newest first",
    auth: 'session',
    query: ProjectQuery,
    response: z.object({ reports: z.array(ReportSchema) }),
  }),
  createReport: endpoint({
    method: 'POST',
    path: '/api/ai/reports',
    verifiedEmail: 'required',
    summary: "Write a report over the project's test cases: coverage by area and gaps (spends credits)",
    auth: 'session',
    idempotencyKey: 'optional',
    body: z.strictObject({ projectId: IdSchema }),
    response: ReportResponseSchema,
    status: 201,
  }),
  createReportStream: endpoint({
    method: 'POST',
    path: '/api/ai/reports/stream',
    verifiedEmail: 'required',
    summary:
      "Write a report over the project's test cases as Server-Sent Events (start, delta, done | error); closing the connection stops it and charges what was produced (spends credits)",
    auth: 'session',
    idempotencyKey: 'optional',
    body: z.strictObject({ projectId: IdSchema }),
    response: null,
    produces: 'text/event-stream',
  }),
};
