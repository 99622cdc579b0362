import { mutationOptions, queryOptions } from '@tanstack/react-query';
import { aiContract, type EstimateBody } from '@ai-credits/shared/contracts/ai';
import { creditsKeys } from '@/api/credits-queries';
import { apiFetch } from '@/lib/api-client';
import { streamChat, streamGeneration, streamReport, type ChatStreamHandlers, type ChatStreamInput, type GenerationStreamHandlers, type ReportStreamHandlers } from './ai-stream';

export const aiKeys = {
  all: ['ai'] as const,
  estimate: (body: EstimateBody) => [...aiKeys.all, 'estimate', body] as const,
  testCases: (projectId: string) => [...aiKeys.all, 'test-cases', projectId] as const,
  conversations: (projectId: string) => [...aiKeys.all, 'conversations', projectId] as const,
  conversation: (conversationId: string) => [...aiKeys.all, 'conversation', conversationId] as const,
  reports: (projectId: string) => [...aiKeys.all, 'reports', projectId] as const,
};

/** A successful AI call spends credits: the dashboard (every ['credits', ...] read) and every estimate refresh. */
const AFTER_AI_CALL = [creditsKeys.all, aiKeys.all] as const;

/** One key per click: a retried or double-sent request then has no second effect. */
export const newIdempotencyKey = () => `spa-${crypto.randomUUID()}`;

export const aiQueries = {
  /** "About N credits; you have M" — a read, though it POSTs the prompt text. */
  estimate: (body: EstimateBody) =>
    queryOptions({
      queryKey: aiKeys.estimate(body),
      queryFn: ({ signal }) => apiFetch(aiContract.estimate, { body, signal }),
      staleTime: 15_000,
    }),
  testCases: (projectId: string) =>
    queryOptions({
      queryKey: aiKeys.testCases(projectId),
      queryFn: ({ signal }) => apiFetch(aiContract.listTestCases, { query: { projectId }, signal }),
    }),
  conversations: (projectId: string) =>
    queryOptions({
      queryKey: aiKeys.conversations(projectId),
      queryFn: ({ signal }) => apiFetch(aiContract.listConversations, { query: { projectId }, signal }),
    }),
  conversation: (conversationId: string) =>
    queryOptions({
      queryKey: aiKeys.conversation(conversationId),
      queryFn: ({ signal }) => apiFetch(aiContract.getConversation, { params: { conversationId }, signal }),
    }),
  reports: (projectId: string) =>
    queryOptions({
      queryKey: aiKeys.reports(projectId),
      queryFn: ({ signal }) => apiFetch(aiContract.listReports, { query: { projectId }, signal }),
    }),
};

export const aiMutations = {
  /** Test generation with progress (ai-stream.ts); `signal` is the Stop button. */
  generateTestCases: () =>
    mutationOptions({
      mutationKey: [...aiKeys.all, 'generate'],
      mutationFn: ({ signal, handlers, ...input }: { projectId: string; requirement: string; idempotencyKey: string; signal: AbortSignal; handlers: GenerationStreamHandlers }) =>
        streamGeneration(input, signal, handlers),
      meta: { invalidates: AFTER_AI_CALL },
    }),
  /** The chat answer as it is written (ai-stream.ts); `signal` is the Stop button. */
  chat: () =>
    mutationOptions({
      mutationKey: [...aiKeys.all, 'chat'],
      mutationFn: ({ signal, handlers, ...input }: ChatStreamInput & { signal: AbortSignal; handlers: ChatStreamHandlers }) => streamChat(input, signal, handlers),
      meta: { invalidates: AFTER_AI_CALL },
    }),
  /** The report as it is written (ai-stream.ts); `signal` is the Stop button. */
  createReport: () =>
    mutationOptions({
      mutationKey: [...aiKeys.all, 'report'],
      mutationFn: ({ signal, handlers, ...input }: { projectId: string; idempotencyKey: string; signal: AbortSignal; handlers: ReportStreamHandlers }) => streamReport(input, signal, handlers),
      meta: { invalidates: AFTER_AI_CALL },
    }),
};
