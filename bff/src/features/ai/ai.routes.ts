import { Router } from 'express';
import { IdempotencyKeySchema } from '@ai-credits/shared/api';
import { aiContract } from '@ai-credits/shared/contracts/ai';
import { mount, type Actor } from '../../http/endpoint';
import { HttpError } from '../../http/http-error';
import type { Services } from '../../services';

/** The SPA sends one Idempotency-Key per click; optional here, checked when present. */
function idempotencyKey(input: { header(name: string): string | undefined }): string | undefined {
  const key = input.header('idempotency-key');
  if (key === undefined) return undefined;
  const parsed = IdempotencyKeySchema.safeParse(key);
  if (!parsed.success) throw new HttpError(400, 'VALIDATION_FAILED', 'Idempotency-Key: 8 to 200 letters, digits and _ . : -');
  return parsed.data;
}

export function aiRouter({ ai }: Services): Router {
  const router = Router();
  const caller = (input: { actor: Actor; header(name: string): string | undefined }) => ({
    orgId: input.actor.orgId,
    userId: input.actor.userId!,
    idempotencyKey: idempotencyKey(input),
  });

  mount(router, aiContract.estimate, {}, ({ actor, body }) => ai.estimate({ orgId: actor.orgId, userId: actor.userId! }, body));
  mount(router, aiContract.generateTestCases, {}, (input) => ai.generateTestCases(caller(input), input.body));
  mount(router, aiContract.listTestCases, {}, async ({ actor, query }) => ({ generations: await ai.listTestCases(actor.orgId, query.projectId) }));
  mount(router, aiContract.listConversations, {}, async ({ actor, query }) => ({
    conversations: await ai.listConversations(actor.orgId, actor.userId!, query.projectId),
  }));
  mount(router, aiContract.getConversation, {}, ({ actor, params }) => ai.getConversation(actor.orgId, actor.userId!, params.conversationId));
  mount(router, aiContract.chat, {}, (input) => ai.chat(caller(input), input.body));
  mount(router, aiContract.listReports, {}, async ({ actor, query }) => ({ reports: await ai.listReports(actor.orgId, query.projectId) }));
  mount(router, aiContract.createReport, {}, (input) => ai.createReport(caller(input), input.body));
  return router;
}
