import type { ModelRate } from '@ai-credits/shared/catalog';
import { EventSourceParserStream } from 'eventsource-parser/stream';
import { z } from 'zod';
import { ProviderError, type Completion, type CompletionRequest, type ModelProvider, type StreamPart } from './model-provider';

/** The parts of an OpenAI chat-completions response we rely on. */
const ChatCompletionSchema = z.object({
  choices: z.array(z.object({ message: z.object({ content: z.string().nullable() }) })).min(1),
  usage: z.object({ prompt_tokens: z.number().int().min(0), completion_tokens: z.number().int().min(0) }),
});

/**
 * One chunk of a streamed answer (`stream: true`): text in `choices[0].delta.content`; with
 * `stream_options.include_usage` the last chunk has no choices and the call's `usage`.
 */
const ChatCompletionChunkSchema = z.object({
  choices: z.array(z.object({ delta: z.optional(z.object({ content: z.optional(z.string().nullable()) })) })),
  usage: z.optional(z.object({ prompt_tokens: z.number().int().min(0), completion_tokens: z.number().int().min(0) }).nullable()),
});

/** At most this many characters of one server-sent event are buffered (a provider that never ends a line is a failure). */
const MAX_EVENT_CHARS = 1_000_000;

export interface OpenAiProviderOptions {
  /** e.g. https://api.openai.com/v1 — `/chat/completions` is appended. */
  baseUrl: string;
  apiKey: string | undefined;
  /** The model name the provider expects. */
  providerModel: string;
  /** The catalog model the calls are charged at. */
  model: ModelRate;
  timeoutMs: number;
}

/** An OpenAI-compatible chat-completions endpoint (OpenAI, Azure-compatible gateways, vLLM, Ollama, ...). */
export function createOpenAiProvider(options: OpenAiProviderOptions): ModelProvider {
  const url = `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  const headers = {
    'content-type': 'application/json',
    ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
  };
  return {
    model: options.model,
    /**
     * The streaming API: AI_TIMEOUT_MS bounds the wait for the answer to start and every gap
     * between two chunks (a provider that stalls midway fails like one that never answers).
     */
    async *stream(request: CompletionRequest, signal: AbortSignal): AsyncGenerator<StreamPart> {
      const stalled = new AbortController();
      let timer: NodeJS.Timeout | undefined;
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(() => stalled.abort(new ProviderError(`The model did not answer within ${options.timeoutMs} ms`)), options.timeoutMs);
      };
      const fail = (error: unknown, otherwise: () => ProviderError): never => {
        if (signal.aborted) throw signal.reason;
        if (stalled.signal.aborted) throw stalled.signal.reason;
        if (error instanceof ProviderError) throw error;
        throw otherwise();
      };
      arm();
      try {
        let response: Response;
        try {
          response = await fetch(url, {
            method: 'POST',
            headers,
            body: JSON.stringify({
              model: options.providerModel,
              messages: request.messages,
              max_tokens: request.maxOutputTokens,
              temperature: 0.2,
              stream: true,
              // The last chunk carries the call's token counts: what is charged.
              stream_options: { include_usage: true },
            }),
            signal: AbortSignal.any([signal, stalled.signal]),
          });
        } catch (error) {
          return fail(error, () => new ProviderError('The model provider could not be reached', error));
        }
        if (!response.ok || !response.body) {
          const detail = await response.text().catch(() => undefined);
          throw new ProviderError(response.status === 429 ? 'The model provider is rate limiting us (429)' : `The model provider answered ${response.status}`, detail);
        }
        const events = response.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream({ onError: 'terminate', maxBufferSize: MAX_EVENT_CHARS }));
        try {
          for await (const event of events) {
            arm();
            if (event.data === '[DONE]') return;
            let json: unknown;
            try {
              json = JSON.parse(event.data);
            } catch (error) {
              throw new ProviderError('The model provider sent a malformed chunk', { data: event.data.slice(0, 200), error });
            }
            const parsed = ChatCompletionChunkSchema.safeParse(json);
            if (!parsed.success) throw new ProviderError('The model provider sent an unexpected chunk', parsed.error.issues);
            const text = parsed.data.choices[0]?.delta?.content;
            if (text) yield { type: 'text', text };
            const usage = parsed.data.usage;
            if (usage) yield { type: 'usage', inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens };
          }
        } catch (error) {
          return fail(error, () => new ProviderError('The model provider broke off the answer', error));
        }
        // Every answer ends with `data: [DONE]`: without it the connection was cut midway.
        throw new ProviderError('The model provider broke off the answer');
      } finally {
        clearTimeout(timer);
      }
    },
    async complete(request: CompletionRequest): Promise<Completion> {
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
          },
          body: JSON.stringify({
            model: options.providerModel,
            messages: request.messages,
            // Bounds the output tokens: the reservation covers exactly this many.
            max_tokens: request.maxOutputTokens,
            temperature: 0.2,
          }),
          signal: AbortSignal.timeout(options.timeoutMs),
        });
      } catch (error) {
        const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
        throw new ProviderError(timedOut ? `The model did not answer within ${options.timeoutMs} ms` : 'The model provider could not be reached', error);
      }
      let json: unknown;
      try {
        json = await response.json();
      } catch (error) {
        const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
        throw new ProviderError(timedOut ? `The model did not answer within ${options.timeoutMs} ms` : `The model provider answered ${response.status} without JSON`, error);
      }
      if (!response.ok) {
        throw new ProviderError(response.status === 429 ? 'The model provider is rate limiting us (429)' : `The model provider answered ${response.status}`, json);
      }
      const parsed = ChatCompletionSchema.safeParse(json);
      if (!parsed.success) throw new ProviderError('The model provider sent an unexpected response', parsed.error.issues);
      const [choice] = parsed.data.choices;
      return {
        text: choice?.message.content ?? '',
        inputTokens: parsed.data.usage.prompt_tokens,
        outputTokens: parsed.data.usage.completion_tokens,
      };
    },
  };
}
