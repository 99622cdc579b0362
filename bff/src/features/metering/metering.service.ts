import { costMc, type UseCase } from '@ai-credits/shared/catalog';
import type { Db } from '../../db/db';
import { HttpError, notFound } from '../../http/http-error';
import { modelOrThrow, type LedgerService } from '../ledger/ledger.service';
import type { OrgService } from '../org/org.service';

/** Who meters: an org API key. Attribution (project, user) is checked to belong to that org. */
export interface MeteringCaller {
  orgId: string;
  apiKeyId: string;
  idempotencyKey: string;
}

interface Attribution {
  projectId?: string | null;
  userId?: string | null;
}

/**
 * The metering API (docs/product.md "Metering API"): a thin, org-scoped front of the credit engine.
 * The ledger enforces AI disabled, coverage, overage and idempotency; this adds the checks
 * that are about the caller (attribution within its own org, a known model).
 */
export function createMeteringService(deps: { db: Db; ledger: LedgerService; org: Pick<OrgService, 'projectForUsageOrThrow' | 'hasMember'> }) {
  const { ledger } = deps;

  async function attribution(orgId: string, a: Attribution) {
    // New usage only for active projects: an archived one keeps its history, takes nothing new.
    if (a.projectId) await deps.org.projectForUsageOrThrow(orgId, a.projectId);
    if (a.userId && !(await deps.org.hasMember(orgId, a.userId))) throw notFound('User');
    return { projectId: a.projectId ?? null, userId: a.userId ?? null };
  }

  const context = (caller: MeteringCaller, who: { projectId: string | null; userId: string | null }) => ({
    orgId: caller.orgId,
    apiKeyId: caller.apiKeyId,
    source: 'api' as const,
    ...who,
  });

  return {
    async reserve(
      caller: MeteringCaller,
      body: Attribution & { useCase: UseCase; model: string; estimateMc?: number; maxInputTokens?: number; maxOutputTokens?: number },
    ) {
      const model = modelOrThrow(body.model);
      const estimateMc =
        body.estimateMc !== undefined ? BigInt(body.estimateMc) : costMc(model, body.maxInputTokens ?? 0, body.maxOutputTokens ?? 0);
      if (estimateMc <= 0n) throw new HttpError(400, 'VALIDATION_FAILED', 'The estimate must be more than 0 millicredits');
      const who = await attribution(caller.orgId, body);
      return ledger.reserve({ ...context(caller, who), useCase: body.useCase, model: model.id, estimateMc, idempotencyKey: caller.idempotencyKey });
    },

    async settle(caller: MeteringCaller, body: { reservationId: string; inputTokens: number; outputTokens: number }) {
      return ledger.settle({ orgId: caller.orgId, ...body, idempotencyKey: caller.idempotencyKey });
    },

    release(caller: MeteringCaller, body: { reservationId: string }) {
      return ledger.release({ orgId: caller.orgId, ...body, idempotencyKey: caller.idempotencyKey });
    },

    async record(caller: MeteringCaller, body: Attribution & { useCase: UseCase; model: string; inputTokens: number; outputTokens: number }) {
      const model = modelOrThrow(body.model);
      const who = await attribution(caller.orgId, body);
      return ledger.record({
        ...context(caller, who),
        useCase: body.useCase,
        model: model.id,
        inputTokens: body.inputTokens,
        outputTokens: body.outputTokens,
        idempotencyKey: caller.idempotencyKey,
      });
    },
  };
}

export type MeteringService = ReturnType<typeof createMeteringService>;
