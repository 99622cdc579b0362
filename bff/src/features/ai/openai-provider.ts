import type { ModelRate } from '@ai-credits/shared/catalog';
import { z } from 'zod';
import { ProviderError, type Completion, type CompletionRequest, type ModelProvider } from './model-provider';

/** The parts of an OpenAI chat-completions response we rely on. */
const ChatCompletionSchema = z.object({
  choices: z.array(z.object({ message: z.object({ content: z.string().nullable() }) })).min(1),
  usage: z.object({ prompt_tokens: z.number().int().min(0), completion_tokens: z.number().int().min(0) }),
});

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
  return {
    model: options.model,
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
