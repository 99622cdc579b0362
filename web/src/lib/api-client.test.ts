import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { creditsContract } from '@ai-credits/shared/contracts/credits';
import { orgContract } from '@ai-credits/shared/contracts/org';
import { server } from '@/testing/server';
import { ApiError, apiFetch, apiUrl, setCsrfToken } from './api-client';

describe('apiFetch', () => {
  it('parses a 2xx body with the endpoint response schema', async () => {
    const summary = await apiFetch(creditsContract.summary);
    expect(summary.balanceMc).toBe(1_082_500);
    expect(summary.period.timeZone).toBe('UTC');
  });

  it('builds the URL from path params and query, skipping empty values', () => {
    expect(apiUrl(orgContract.changeRole, { params: { userId: 'a b' } })).toBe('/api/org/members/a%20b');
    expect(apiUrl(creditsContract.usageCsv, { query: { useCase: 'chat', model: undefined, from: '2026-11-01' } })).toBe(
      '/api/credits/usage.csv?useCase=chat&from=2026-11-01',
    );
  });

  it('sends the CSRF token on state-changing requests only', async () => {
    const seen: Record<string, string | null> = {};
    server.use(
      http.get('*/api/credits/summary', ({ request }) => {
        seen.get = request.headers.get('x-csrf-token');
        return HttpResponse.json({ error: { code: 'INTERNAL', message: 'stop' } }, { status: 500 });
      }),
    );
    setCsrfToken('mock-csrf-token');
    await expect(apiFetch(creditsContract.summary)).rejects.toBeInstanceOf(ApiError);
    expect(seen.get).toBeNull();
    // The mock answers 403 CSRF_FAILED without the right token; with it the owner may save.
    await expect(apiFetch(creditsContract.setOverageLimit, { body: { limitCredits: 10 } })).resolves.toMatchObject({
      overage: { limitMc: 10_000, limitCents: 400 },
    });
    setCsrfToken('wrong');
    await expect(apiFetch(creditsContract.setOverageLimit, { body: { limitCredits: 10 } })).rejects.toMatchObject({
      status: 403,
      code: 'CSRF_FAILED',
    });
    setCsrfToken(null);
  });

  it('throws a typed ApiError from an error body', async () => {
    server.use(
      http.get('*/api/credits/summary', () =>
        HttpResponse.json({ error: { code: 'FORBIDDEN', message: 'Only the organization owner can do that.' } }, { status: 403 }),
      ),
    );
    const error = await apiFetch(creditsContract.summary).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 403, code: 'FORBIDDEN', message: 'Only the organization owner can do that.' });
  });

  it('rejects a 2xx body that does not match the contract', async () => {
    server.use(http.get('*/api/credits/summary', () => HttpResponse.json({ balanceMc: 'lots' })));
    await expect(apiFetch(creditsContract.summary)).rejects.toMatchObject({ code: 'BAD_RESPONSE' });
  });
});
