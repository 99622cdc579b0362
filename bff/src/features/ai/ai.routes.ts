import { Router } from 'express';
import { aiContract } from '@ai-credits/shared/contracts/ai';
import { mount, type SessionActor } from '../../http/endpoint';
import type { Services } from '../../services';

export function aiRouter({ ai }: Services): Router {
  const router = Router();
  // The SPA sends one Idempotency-Key per click; optional here (the contract says so), checked by mount when present.
  const caller = ({ actor, idempotencyKey }: { actor: SessionActor; idempotencyKey: string | undefined }) => ({ orgId: actor.orgId, userId: actor.userId, idempotencyKey });

  mount(router, aiContract.estimate, ({ actor, body }) => ai.estimate({ orgId: actor.orgId, userId: actor.userId }, body));
  mount(router, aiContract.generateTestCases, (input) => ai.generateTestCases(caller(input), input.body));
  mount(router, aiContract.generateTestCasesStream, (input) => ai.generateTestCasesStream(caller(input), input.body, input.signal));
  mount(router, aiContract.listTestCases, async ({ actor, query }) => ({ generations: await ai.listTestCases(actor.orgId, query.projectId) }));
  mount(router, aiContract.listConversations, async ({ actor, query }) => ({
    conversations: await ai.listConversations(actor.orgId, actor.userId, query.projectId),
  }));
  mount(router, aiContract.getConversation, ({ actor, params }) => ai.getConversation(actor.orgId, actor.userId, params.conversationId));
  mount(router, aiContract.chat, (input) => ai.chat(caller(input), input.body));
  // Server-Sent Events (ADR 026): the connection closing stops the answer, which is then settled and saved.
  mount(router, aiContract.chatStream, (input) => ai.chatStream(caller(input), input.body, input.signal));
  mount(router, aiContract.listReports, async ({ actor, query }) => ({ reports: await ai.listReports(actor.orgId, query.projectId) }));
  mount(router, aiContract.createReport, (input) => ai.createReport(caller(input), input.body));
  mount(router, aiContract.createReportStream, (input) => ai.createReportStream(caller(input), input.body, input.signal));
  return router;
}
