import { EventSourceParserStream } from 'eventsource-parser/stream';
import { aiContract, ChatResponseSchema, ChatStreamDeltaSchema, ChatStreamStartSchema, type ChatResponse, type ChatStreamDelta, type ChatStreamStart } from '@ai-credits/shared/contracts/ai';
import { ApiErrorSchema } from '@ai-credits/shared/errors';
import { ApiError, apiStream } from '@/lib/api-client';

export interface ChatStreamInput {
  projectId: string;
  conversationId: string | null;
  message: string;
  idempotencyKey: string;
}

export interface ChatStreamHandlers {
  onStart(start: ChatStreamStart): void;
  onDelta(delta: ChatStreamDelta): void;
}

/** How often, and how long apart, the saved exchange of a stopped answer is asked for while the server settles it. */
const SETTLE_POLLS = 20;
const SETTLE_POLL_MS = 250;

/**
 * A chat answer streamed from `POST /api/ai/chat/stream` (Server-Sent Events, ADR 026). Aborting
 * `signal` is the Stop button: the connection closes, the server settles what was written and
 * saves it marked stopped; once any text had arrived, this then reads that saved exchange (the
 * same Idempotency-Key answers it) and resolves with it. Stopped before any text: nothing was
 * charged, and the AbortError is rethrown.
 */
export async function streamChat({ idempotencyKey, ...body }: ChatStreamInput, signal: AbortSignal, handlers: ChatStreamHandlers): Promise<ChatResponse> {
  const headers = { 'Idempotency-Key': idempotencyKey };
  let gotText = false;
  try {
    const response = await apiStream(aiContract.chatStream, { body, headers, signal });
    return await readChatEvents(response, {
      onStart: handlers.onStart,
      onDelta: (delta) => {
        gotText = true;
        handlers.onDelta(delta);
      },
    });
  } catch (error) {
    if (!(signal.aborted && gotText)) throw error;
  }
  return savedAfterStop(body, headers);
}

async function savedAfterStop(body: Omit<ChatStreamInput, 'idempotencyKey'>, headers: Record<string, string>): Promise<ChatResponse> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await readChatEvents(await apiStream(aiContract.chatStream, { body, headers }), { onStart: () => {}, onDelta: () => {} });
    } catch (error) {
      // 409: the stopped run is still being settled.
      if (!(error instanceof ApiError && error.status === 409) || attempt >= SETTLE_POLLS) throw error;
      await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS));
    }
  }
}

async function readChatEvents(response: Response, handlers: ChatStreamHandlers): Promise<ChatResponse> {
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
          handlers.onDelta(ChatStreamDeltaSchema.parse(data));
          break;
        case 'done':
          return ChatResponseSchema.parse(data);
        case 'error': {
          const parsed = ApiErrorSchema.safeParse(data);
          throw parsed.success ? new ApiError(502, parsed.data.error.code, parsed.data.error.message) : new ApiError(502, 'BAD_RESPONSE', 'The answer failed');
        }
      }
    }
  } catch (error) {
    if (error instanceof ApiError || (error instanceof DOMException && error.name === 'AbortError')) throw error;
    throw new ApiError(0, 'NETWORK', 'The answer was cut off. Check your connection; what was written is saved in the conversation.');
  } finally {
    // Done (or failed): nothing more is read from this response.
    void reader.cancel().catch(() => undefined);
  }
  throw new ApiError(0, 'NETWORK', 'The answer was cut off. Check your connection; what was written is saved in the conversation.');
}
