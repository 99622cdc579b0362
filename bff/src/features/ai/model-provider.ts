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

/** A chat-completions model. Implementations throw ProviderError on any failure (HTTP, timeout, bad body). */
export interface ModelProvider {
  /** The catalog model the calls are charged at. */
  readonly model: ModelRate;
  complete(request: CompletionRequest): Promise<Completion>;
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
