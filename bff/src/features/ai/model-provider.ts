import type { ModelRate, UseCase } from '@ai-credits/shared/catalog';

export interface ProviderMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface CompletionRequest {
  /** Which feature is asking; the demo model shapes its answer by it, real models get it in the prompt. */
  task: UseCase;
  messages: ProviderMessage[];
  maxOutputTokens: number;
}

export interface Completion {
  text: string;
  inputTokens: number;
  outputTokens: number;
}

/** A piece of a streamed answer, or the usage the provider reports at its end. */
export type StreamPart = { type: 'text'; text: string } | { type: 'usage'; inputTokens: number; outputTokens: number };

/** A chat-completions model. Implementations throw ProviderError on any failure (HTTP, timeout, bad body). */
export interface ModelProvider {
  /** The catalog model the calls are charged at. */
  readonly model: ModelRate;
  complete(request: CompletionRequest): Promise<Completion>;
  /**
   * The answer as it is written: text parts, then (when the provider reports it) one usage part.
   * Throws ProviderError on a failure (also midway: a timeout between parts, a malformed chunk),
   * and the signal's reason when `signal` aborts; leaving the loop early closes the call.
   */
  stream(request: CompletionRequest, signal: AbortSignal): AsyncIterable<StreamPart>;
}

export class ProviderError extends Error {
  constructor(
    message: string,
    readonly detail?: unknown,
  ) {
    super(message);
    this.name = 'ProviderError';
  }
}

