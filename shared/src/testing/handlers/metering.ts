import { http, HttpResponse, type HttpHandler } from 'msw';
import { IDEMPOTENCY_KEY_MESSAGES, IdempotencyKeySchema } from '../../api';
import { costMc, findModel, type UseCase } from '../../catalog';
import { meteringContract, type MeteredUsage } from '../../contracts/metering';
import { DEFAULT_RESERVATION_TTL_SECONDS, unknownModelMessage } from '../../ledger-rules';
import { apiError, bodyOf, json, refuse, url, validationFailed } from '../http';
import { charge, noteAiStopped, refusalFor } from '../store/operations';
import { summaryOf } from '../store/projections';
import { nextId, nowIso, type MockStore } from '../store/state';


/**
 * The server-to-server metering API over the store: `Authorization: Bearer <API key token>`
 * (tokens from `mockApiKeyToken(id)` or a key created through the API), a required
 * Idempotency-Key, the ledger's refusals. Metered usage shows in the history and the charts.
 */
export function meteringHandlers(store: MockStore): HttpHandler[] {
  function callerOf(request: Request): { apiKeyId: string; key: string } | Response {
    const match = /^Bearer\s+(\S{1,300})$/i.exec(request.headers.get('authorization') ?? '');
    const apiKeyId = match ? store.apiKeyTokens.get(match[1]!) : undefined;
    const apiKey = store.apiKeys.find((k) => k.id === apiKeyId && !k.revokedAt);
    if (!apiKey) return apiError(401, 'UNAUTHENTICATED', 'Invalid or revoked API key');
    const header = request.headers.get('idempotency-key');
    if (header === null) return apiError(400, 'VALIDATION_FAILED', IDEMPOTENCY_KEY_MESSAGES.required);
    if (!IdempotencyKeySchema.safeParse(header).success) return apiError(400, 'VALIDATION_FAILED', IDEMPOTENCY_KEY_MESSAGES.invalid);
    return { apiKeyId: apiKey.id, key: `metering:${apiKey.id}:${header}` };
  }

  /** Same key and request: the first answer; same key, other request: 422. */
  async function metered(request: Request, run: (body: unknown, apiKeyId: string) => Response | Promise<Response>): Promise<Response> {
    const caller = callerOf(request);
    if (caller instanceof Response) return caller;
    const body = await bodyOf(request);
    const fingerprint = `${new URL(request.url).pathname} ${JSON.stringify(body)}`;
    const prior = store.idempotent.get(caller.key) as { body: { fingerprint: string; body: unknown }; status: number } | undefined;
    if (prior) {
      if (prior.body.fingerprint !== fingerprint) return apiError(422, 'IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used for a different request');
      return HttpResponse.json(prior.body.body as never, { status: prior.status });
    }
    const res = await run(body, caller.apiKeyId);
    if (res.ok) store.idempotent.set(caller.key, { body: { fingerprint, body: await res.clone().json() }, status: res.status });
    return res;
  }

  const modelOrError = (id: string) => findModel(id) ?? apiError(400, 'UNKNOWN_MODEL', unknownModelMessage(id));
  const attributionError = (a: { projectId?: string | null; userId?: string | null }) => {
    const project = a.projectId ? store.projects.find((p) => p.id === a.projectId) : undefined;
    if (a.projectId && !project) return apiError(404, 'NOT_FOUND', 'Project not found');
    if (project?.archivedAt) return apiError(409, 'PROJECT_ARCHIVED', 'This project is archived; restore it to use AI on it');
    if (a.userId && !store.members.some((m) => m.userId === a.userId)) return apiError(404, 'NOT_FOUND', 'User not found');
    return null;
  };
  const refused = (cost: bigint, who: { projectId?: string | null; userId?: string | null }) => {
    const denied = refusalFor(store, Number(cost), who);
    if (denied) noteAiStopped(store, denied, who);
    return denied ? refuse(denied) : null;
  };
  const balance = () => {
    const s = summaryOf(store);
    return { balanceMc: s.balanceMc, availableMc: s.availableMc };
  };
  const usageOf = (row: ReturnType<typeof charge>): MeteredUsage => ({
    id: row.id,
    useCase: row.useCase,
    model: row.model,
    inputTokens: row.inputTokens,
    outputTokens: row.outputTokens,
    chargedMc: row.chargedMc,
    overageMc: row.overageMc,
    occurredAt: row.occurredAt,
  });
  const reservationOf = (id: string) => store.reservations.find((r) => r.id === id);
  const dto = ({ id, status, estimateMc, expiresAt, useCase, model }: MockStore['reservations'][number]) => ({ id, status, estimateMc, expiresAt, useCase, model });

  return [
    http.post(url(meteringContract.reserve), ({ request }) =>
      metered(request, (raw, apiKeyId) => {
        const parsed = meteringContract.reserve.body.safeParse(raw);
        if (!parsed.success) return validationFailed(parsed.error);
        const b = parsed.data;
        const model = modelOrError(b.model);
        if (model instanceof Response) return model;
        const estimateMc = b.estimateMc !== undefined ? BigInt(b.estimateMc) : costMc(model, b.maxInputTokens ?? 0, b.maxOutputTokens ?? 0);
        if (estimateMc <= 0n) return apiError(400, 'VALIDATION_FAILED', 'The estimate must be more than 0 millicredits');
        const denied = attributionError(b) ?? refused(estimateMc, b);
        if (denied) return denied;
        const reservation = {
          id: nextId(),
          status: 'open' as const,
          estimateMc: Number(estimateMc),
          expiresAt: new Date(store.clock().getTime() + DEFAULT_RESERVATION_TTL_SECONDS * 1000).toISOString(),
          useCase: b.useCase,
          model: model.id,
          apiKeyId,
          projectId: b.projectId ?? null,
          userId: b.userId ?? null,
        };
        store.reservations.push(reservation);
        return json(meteringContract.reserve, { reservation: dto(reservation), balance: balance() });
      }),
    ),

    http.post(url(meteringContract.settle), ({ request }) =>
      metered(request, (raw) => {
        const parsed = meteringContract.settle.body.safeParse(raw);
        if (!parsed.success) return validationFailed(parsed.error);
        const r = reservationOf(parsed.data.reservationId);
        if (!r) return apiError(404, 'NOT_FOUND', 'Reservation not found');
        if (r.status === 'open' && r.expiresAt <= nowIso(store)) return apiError(409, 'RESERVATION_EXPIRED', 'The reservation expired and its credits were given back');
        if (r.status !== 'open') return apiError(409, 'RESERVATION_NOT_OPEN', `The reservation is already ${r.status}`);
        const cost = costMc(findModel(r.model)!, parsed.data.inputTokens, parsed.data.outputTokens);
        if (cost > BigInt(r.estimateMc)) return apiError(409, 'SETTLE_EXCEEDS_RESERVATION', 'The usage costs more than was reserved; reserve a larger estimate');
        r.status = 'settled';
        const row = charge(store, { useCase: r.useCase as UseCase, model: r.model, ...parsed.data, projectId: r.projectId, userId: r.userId, apiKeyId: r.apiKeyId });
        return json(meteringContract.settle, { usage: usageOf(row), balance: balance() });
      }),
    ),

    http.post(url(meteringContract.release), ({ request }) =>
      metered(request, (raw) => {
        const parsed = meteringContract.release.body.safeParse(raw);
        if (!parsed.success) return validationFailed(parsed.error);
        const r = reservationOf(parsed.data.reservationId);
        if (!r) return apiError(404, 'NOT_FOUND', 'Reservation not found');
        if (r.status === 'settled') return apiError(409, 'RESERVATION_NOT_OPEN', 'The reservation is already settled');
        if (r.status === 'open') r.status = 'released';
        return json(meteringContract.release, { reservation: dto(r), balance: balance() });
      }),
    ),

    http.post(url(meteringContract.record), ({ request }) =>
      metered(request, (raw, apiKeyId) => {
        const parsed = meteringContract.record.body.safeParse(raw);
        if (!parsed.success) return validationFailed(parsed.error);
        const b = parsed.data;
        const model = modelOrError(b.model);
        if (model instanceof Response) return model;
        const denied = attributionError(b) ?? refused(costMc(model, b.inputTokens, b.outputTokens), b);
        if (denied) return denied;
        const row = charge(store, { useCase: b.useCase, model: model.id, inputTokens: b.inputTokens, outputTokens: b.outputTokens, projectId: b.projectId ?? null, userId: b.userId ?? null, apiKeyId });
        return json(meteringContract.record, { usage: usageOf(row), balance: balance() });
      }),
    ),
  ];
}
