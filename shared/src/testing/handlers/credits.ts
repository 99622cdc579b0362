import { http, HttpResponse, type HttpHandler } from 'msw';
import { MC_PER_CREDIT } from '../../catalog';
import { creditsContract, UsageFiltersSchema, UsageHistoryQuerySchema, type UsageFilters, type UsageRow } from '../../contracts/credits';
import { USAGE_CSV_HEADER, usageCsvLine } from '../../usage-csv';
import { apiError, bodyOf, json, queryObject, requireSession, url, validationFailed } from '../http';
import { boundsOf, chartsOf, summaryOf } from '../store/projections';
import type { MockStore } from '../store/state';
import { audit } from './org';

function filterRows(db: MockStore, q: UsageFilters): UsageRow[] {
  // `period: 'current'`: the current billing period so far (the BFF's credits.service.ts).
  const bounds = q.period === 'current' ? { from: db.period.start.toISOString(), to: undefined } : boundsOf(q.from, q.to);
  return db.usage.filter(
    (r) =>
      (!bounds.from || r.occurredAt >= bounds.from) &&
      (!bounds.to || r.occurredAt <= bounds.to) &&
      (!q.useCase || r.useCase === q.useCase) &&
      (!q.userId || r.user?.id === q.userId) &&
      (!q.projectId || r.project?.id === q.projectId) &&
      (!q.apiKeyId || r.apiKey?.id === q.apiKeyId) &&
      (!q.model || r.model === q.model),
  );
}

const encodeCursor = (row: UsageRow) => btoa(`${row.occurredAt}|${row.id}`);
function decodeCursor(cursor: string): [string, string] | null {
  try {
    const [at, id] = atob(cursor).split('|');
    return at && id ? [at, id] : null;
  } catch {
    return null;
  }
}


/** Summary, usage history (JSON and CSV), charts, AI switch and overage limit. */
export function creditsHandlers(db: MockStore): HttpHandler[] {
  return [
    http.get(url(creditsContract.summary), ({ request }) => requireSession(db, request, creditsContract.summary) ?? json(creditsContract.summary, summaryOf(db))),
    http.get(url(creditsContract.usage), ({ request }) => {
      const denied = requireSession(db, request, creditsContract.usage);
      if (denied) return denied;
      const parsed = UsageHistoryQuerySchema.safeParse(queryObject(request));
      if (!parsed.success) return validationFailed(parsed.error);
      const { cursor, limit, ...filters } = parsed.data;
      let rows = filterRows(db, filters);
      const totals = { count: rows.length, chargedMc: rows.reduce((sum, r) => sum + r.chargedMc, 0) };
      if (cursor) {
        const after = decodeCursor(cursor);
        if (!after) return apiError(400, 'VALIDATION_FAILED', 'Bad cursor.');
        const [at, id] = after;
        rows = rows.filter((r) => r.occurredAt < at || (r.occurredAt === at && r.id < id));
      }
      const items = rows.slice(0, limit);
      const last = items[items.length - 1];
      return json(creditsContract.usage, { items, nextCursor: rows.length > limit && last ? encodeCursor(last) : null, totals });
    }),
    http.get(url(creditsContract.usageCsv), ({ request }) => {
      const denied = requireSession(db, request, creditsContract.usageCsv);
      if (denied) return denied;
      const parsed = UsageFiltersSchema.safeParse(queryObject(request));
      if (!parsed.success) return validationFailed(parsed.error);
      const csv = USAGE_CSV_HEADER + filterRows(db, parsed.data).map(usageCsvLine).join('');
      return new HttpResponse(csv, {
        headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="ai-credits-usage.csv"' },
      });
    }),
    http.get(url(creditsContract.apiKeyOptions), ({ request }) => requireSession(db, request, creditsContract.apiKeyOptions) ?? json(creditsContract.apiKeyOptions, { apiKeys: db.apiKeys.map((k) => ({ id: k.id, name: k.name, revoked: k.revokedAt !== null })) })),
    http.get(url(creditsContract.charts), ({ request }) => {
      const denied = requireSession(db, request, creditsContract.charts);
      if (denied) return denied;
      const parsed = UsageFiltersSchema.safeParse(queryObject(request));
      if (!parsed.success) return validationFailed(parsed.error);
      return json(creditsContract.charts, chartsOf(db, parsed.data));
    }),
    http.put(url(creditsContract.setAiEnabled), async ({ request }) => {
      const denied = requireSession(db, request, creditsContract.setAiEnabled);
      if (denied) return denied;
      const parsed = creditsContract.setAiEnabled.body.safeParse(await bodyOf(request));
      if (!parsed.success) return validationFailed(parsed.error);
      audit(db, 'ai.toggled', db.org.aiEnabled, parsed.data.enabled);
      db.org.aiEnabled = parsed.data.enabled;
      return json(creditsContract.setAiEnabled, summaryOf(db));
    }),
    http.put(url(creditsContract.setOverageLimit), async ({ request }) => {
      const denied = requireSession(db, request, creditsContract.setOverageLimit);
      if (denied) return denied;
      const parsed = creditsContract.setOverageLimit.body.safeParse(await bodyOf(request));
      if (!parsed.success) return validationFailed(parsed.error);
      audit(db, 'overage_limit.changed', db.overageLimitMc / MC_PER_CREDIT, parsed.data.limitCredits);
      db.overageLimitMc = parsed.data.limitCredits * MC_PER_CREDIT;
      return json(creditsContract.setOverageLimit, summaryOf(db));
    }),
  ];
}

