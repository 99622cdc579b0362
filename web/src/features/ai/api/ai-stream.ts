import { EventSourceParserStream } from 'eventsource-parser/stream';
import {
  aiContract,
  ChatResponseSchema,
  ChatStreamDeltaSchema,
  ChatStreamStartSchema,
  GenerationResponseSchema,
  GenerationStreamDeltaSchema,
  ReportResponseSchema,
  type ChatResponse,
  type ChatStreamDelta,
  type ChatStreamStart,
  type GenerationResponse,
  type GenerationStreamDelta,
  type ReportResponse,
} from '@ai-credits/shared/contracts/ai';
import { ApiErrorSchema } from '@ai-credits/shared/errors';
import { ApiError, apiStream } from '@/lib/api-client';

/** What the page does with the events of a streamed run: the hold, then each piece with the meter. */
export interface StreamHandlers<D> {
  onStart(start: ChatStreamStart): void;
  onDelta(delta: D): void;
}
export type ChatStreamHandlers = StreamHandlers<ChatStreamDelta>;
export type ReportStreamHandlers = StreamHandlers<ChatStreamDelta>;
export type GenerationStreamHandlers = StreamHandlers<GenerationStreamDelta>;

export interface ChatStreamInput {
  projectId: string;
  conversationId: string | null;
  message: string;
  idempotencyKey: string;
}

/** How often, and how long apart, the saved result of a stopped run is asked for while the server settles it. */
const SETTLE_POLLS = 20;
const SETTLE_POLL_MS = 250;

type StreamEndpoint = typeof aiContract.chatStream | typeof aiContract.createReportStream | typeof aiContract.generateTestCasesStream;

/** A streamed endpoint with how to read its `delta` and `done` events. */
interface StreamKind<E extends StreamEndpoint, D, R> {
  endpoint: E;
  delta: { parse(data: unknown): D };
  done: { parse(data: unknown): R };
}

const CHAT = { endpoint: aiContract.chatStream, delta: ChatStreamDeltaSchema, done: ChatResponseSchema } satisfies StreamKind<typeof aiContract.chatStream, ChatStreamDelta, ChatResponse>;
const REPORT = { endpoint: aiContract.createReportStream, delta: ChatStreamDeltaSchema, done: ReportResponseSchema } satisfies StreamKind<typeof aiContract.createReportStream, ChatStreamDelta, ReportResponse>;
const GENERATION = { endpoint: aiContract.generateTestCasesStream, delta: GenerationStreamDeltaSchema, done: GenerationResponseSchema } satisfies StreamKind<
  typeof aiContract.generateTestCasesStream,
  GenerationStreamDelta,
  GenerationResponse
>;

/** A chat answer streamed from `POST /api/ai/chat/stream` (see `streamRun`). */
export function streamChat({ idempotencyKey, ...body }: ChatStreamInput, signal: AbortSignal, handlers: ChatStreamHandlers): Promise<ChatResponse> {
  return streamRun(CHAT, body, idempotencyKey, signal, handlers);
}

/** A report streamed from `POST /api/ai/reports/stream` (see `streamRun`). */
export function streamReport({ idempotencyKey, ...body }: { projectId: string; idempotencyKey: string }, signal: AbortSignal, handlers: ReportStreamHandlers): Promise<ReportResponse> {
  return streamRun(REPORT, body, idempotencyKey, signal, handlers);
}

/** A test generation with progress from `POST /api/ai/test-cases/generate/stream` (see `streamRun`). */
export function streamGeneration(
  { idempotencyKey, ...body }: { projectId: string; requirement: string; idempotencyKey: string },
  signal: AbortSignal,
  handlers: GenerationStreamHandlers,
): Promise<GenerationResponse> {
  return streamRun(GENERATION, body, idempotencyKey, signal, handlers);
}

/**
 * A run streamed as Server-Sent Events (ADR 026). Aborting `signal` is the Stop button: the
 * connection closes, the server settles what was produced and saves it marked stopped; once any
 * piece had arrived, this then reads that saved result (the same Idempotency-Key answers it) and
 * resolves with it. Stopped before any piece: nothing was charged, and the AbortError is rethrown.
 */
async function streamRun<E extends StreamEndpoint, D, R>(kind: StreamKind<E, D, R>, body: unknown, idempotencyKey: string, signal: AbortSignal, handlers: StreamHandlers<D>): Promise<R> {
  const headers = { 'Idempotency-Key': idempotencyKey };
  let gotPiece = false;
  try {
    const response = await apiStream(kind.endpoint, { body: body as never, headers, signal });
    return await readEvents(kind, response, {
      onStart: handlers.onStart,
      onDelta: (delta) => {
        gotPiece = true;
        handlers.onDelta(delta);
      },
    });
  } catch (error) {
    if (!(signal.aborted && gotPiece)) throw error;
  }
  return savedAfterStop(kind, body, headers);
}

async function savedAfterStop<E extends StreamEndpoint, D, R>(kind: StreamKind<E, D, R>, body: unknown, headers: Record<string, string>): Promise<R> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await readEvents(kind, await apiStream(kind.endpoint, { body: body as never, headers }), { onStart: () => {}, onDelta: () => {} });
    } catch (error) {
      // 409: the stopped run is still being settled.
      if (!(error instanceof ApiError && error.status === 409) || attempt >= SETTLE_POLLS) throw error;
      await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS));
    }
  }
}

const CUT_OFF = 'The answer was cut off. Check your connection; what was written is saved.';

async function readEvents<E extends StreamEndpoint, D, R>(kind: StreamKind<E, D, R>, response: Response, handlers: StreamHandlers<D>): Promise<R> {
  if (!response.body) throw new ApiError(response.status, 'BAD_RESPONSE', 'The answer could not be read');
  const events = response.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream());
  const reader = events.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      const data: unknown = JSON.parse(value.data);
      switch (value.event) {
        case 'start':
          handlers.onStart(ChatStreamStartSchema.parse(data));
          break;
        case 'delta':
          handlers.onDelta(kind.delta.parse(data));
          break;
        case 'done':
          return kind.done.parse(data);
        case 'error': {
          const parsed = ApiErrorSchema.safeParse(data);
          throw parsed.success ? new ApiError(502, parsed.data.error.code, parsed.data.error.message) : new ApiError(502, 'BAD_RESPONSE', 'The answer failed');
        }
      }
    }
  } catch (error) {
    if (error instanceof ApiError || (error instanceof DOMException && error.name === 'AbortError')) throw error;
    throw new ApiError(0, 'NETWORK', CUT_OFF);
  } finally {
    // Done (or failed): nothing more is read from this response.
    void reader.cancel().catch(() => undefined);
  }
  throw new ApiError(0, 'NETWORK', CUT_OFF);
}
