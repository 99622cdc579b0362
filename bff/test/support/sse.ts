import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { EventSourceParserStream } from 'eventsource-parser/stream';
import { aiContract } from '@ai-credits/shared/contracts/ai';
import type { Client } from './harness';

export interface SseEvent {
  event: string;
  data: any;
}

/** The events of a whole text/event-stream body, each with its JSON data parsed. */
export function parseSse(text: string): SseEvent[] {
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (e) => events.push(e) });
  parser.feed(text);
  return events.map((e) => ({ event: e.event ?? 'message', data: JSON.parse(e.data) }));
}

/**
 * POST /api/ai/chat/stream as the SPA does, reading the events as they come. `status` and
 * `events` (an async iterator) are there at once; `abort()` closes the connection (the Stop button).
 */
export async function openChatStream(client: Client, body: { projectId: string; message: string; conversationId?: string | null }, key: string) {
  return openStream(client, aiContract.chatStream.path, body, key);
}

/** Any of the streamed AI endpoints (chat, report, test generation), as `openChatStream`. */
export async function openStream(client: Client, path: string, body: unknown, key: string) {
  const controller = new AbortController();
  const res = await fetch(client.baseUrl + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: client.cookie, 'x-csrf-token': client.csrfToken, 'idempotency-key': key },
    body: JSON.stringify(body),
    signal: controller.signal,
  });
  const contentType = res.headers.get('content-type') ?? '';
  if (!contentType.includes('text/event-stream')) {
    return { status: res.status, contentType, json: (await res.json()) as any, events: null, abort: () => controller.abort() };
  }
  const stream = res.body!.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream());
  const reader = stream.getReader();
  async function* events(): AsyncGenerator<SseEvent> {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      yield { event: value.event ?? 'message', data: JSON.parse(value.data) };
    }
  }
  return { status: res.status, contentType, json: null, events: events(), abort: () => controller.abort() };
}

/** Every event of a stream to its end. */
export async function readAll(events: AsyncIterable<SseEvent>): Promise<SseEvent[]> {
  const all: SseEvent[] = [];
  for await (const e of events) all.push(e);
  return all;
}
