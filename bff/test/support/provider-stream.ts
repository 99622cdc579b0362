import { HttpResponse } from 'msw';

/**
 * An OpenAI-compatible provider's streamed answer (`stream: true`, the usage chunk at the end),
 * scripted part by part for the streaming tests (ADR 026): served by MSW or by startFakeOpenAi.
 */
export type Part = string | { wait: number } | { usage: [number, number] } | 'hang' | 'error' | { raw: string };

const chunk = (content: string) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
const usageChunk = (prompt: number, completion: number) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [], usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion } })}\n\n`;

/** The provider's answer, part by part: text chunks, pauses, the usage chunk, a hang or a broken connection. Pulled: written as fast as it is read. */
export function streamOf(parts: Iterable<Part>): Response {
  const encoder = new TextEncoder();
  const iterator = parts[Symbol.iterator]();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        const next = iterator.next();
        if (next.done) {
          controller.enqueue(encoder.encode('data: [DONE]\n\n'));
          return controller.close();
        }
        const part = next.value;
        if (part === 'hang') return new Promise<void>(() => {});
        if (part === 'error') return controller.error(new Error('connection reset'));
        if (typeof part === 'string') return controller.enqueue(encoder.encode(chunk(part)));
        if ('wait' in part) await new Promise((resolve) => setTimeout(resolve, part.wait));
        else if ('usage' in part) return controller.enqueue(encoder.encode(usageChunk(...part.usage)));
        else return controller.enqueue(encoder.encode(part.raw));
      }
    },
  });
  return new HttpResponse(body, { headers: { 'content-type': 'text/event-stream' } });
}

/** A whole (unstreamed) chat completion with its usage. */
export function completionOf(content: string, usage: [number, number]): Response {
  return HttpResponse.json({
    id: 'chatcmpl-2',
    object: 'chat.completion',
    created: 1,
    model: 'gpt-4o-mini',
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: { prompt_tokens: usage[0], completion_tokens: usage[1], total_tokens: usage[0] + usage[1] },
  });
}
