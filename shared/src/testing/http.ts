import { HttpResponse } from 'msw';
import { EMAIL_NOT_VERIFIED_MESSAGE, roleAllowed, roleRefusal, type Endpoint, type ResponseInputOf } from '../api';
import type { ZodError } from 'zod';
import { describeZodError, type ErrorCode } from '../errors';
import type { Refusal } from '../ledger-rules';
import { sessionOf } from './store/projections';
import type { MockStore } from './store/state';

/**
 * Helpers every handler group uses. `url(endpoint)` matches the contract's path on any origin
 * (the dev server, jsdom's localhost, another app's base URL): `*` + `/api/...`.
 */
export const url = (e: Endpoint) => `*${e.path}`;

/** A JSON answer typed by the endpoint's contract. */
export function json<E extends Endpoint>(_endpoint: E, body: ResponseInputOf<E>, status = 200) {
  return HttpResponse.json(body as never, { status });
}

/** The BFF's error body: `{ error: { code, message } }`. */
export function apiError(status: number, code: ErrorCode, message: string) {
  return HttpResponse.json({ error: { code, message } }, { status });
}

export const refuse = (r: Refusal) => apiError(r.status, r.code, r.message);

export function queryObject(request: Request): Record<string, string> {
  return Object.fromEntries(new URL(request.url).searchParams);
}

export async function bodyOf(request: Request): Promise<unknown> {
  return request.json().catch(() => undefined);
}

/** 400 VALIDATION_FAILED in the BFF's words (shared/errors.ts). */
export function validationFailed(error: Pick<ZodError, 'issues'>) {
  return apiError(400, 'VALIDATION_FAILED', describeZodError(error));
}

/**
 * The session middleware and the BFF's `mount()` check: 401 without a session, 403 CSRF_FAILED on
 * a write without the token, 403 FORBIDDEN outside the contract's `roles`. Null when the request may go on.
 */
export function requireSession(store: MockStore, request: Request, endpoint: Endpoint): Response | null {
  if (store.cookieSessions) {
    // Each client has its own session, as on the BFF; the handlers then act as its user.
    const userId = store.sessions.get(cookieOf(request) ?? '');
    if (!userId) return apiError(401, 'UNAUTHENTICATED', 'Please sign in.');
    store.userId = userId;
  } else if (!store.signedIn) return apiError(401, 'UNAUTHENTICATED', 'Please sign in.');
  const write = request.method !== 'GET' && request.method !== 'HEAD';
  if (write && request.headers.get('x-csrf-token') !== store.csrfToken) return apiError(403, 'CSRF_FAILED', 'Missing or invalid CSRF token.');
  const role = sessionOf(store).role;
  if (endpoint.roles && !roleAllowed(endpoint, role)) return apiError(403, 'FORBIDDEN', roleRefusal(endpoint.roles));
  if (endpoint.verifiedEmail === 'required' && store.unverified.has(store.userId)) return apiError(403, 'EMAIL_NOT_VERIFIED', EMAIL_NOT_VERIFIED_MESSAGE);
  return null;
}

/** The mock's session cookie (with `cookieSessions`). */
export const SESSION_COOKIE = 'aic_mock_session';

export function cookieOf(request: Request): string | null {
  const header = request.headers.get('cookie') ?? '';
  const match = new RegExp(`(?:^|;\\s*)${SESSION_COOKIE}=([^;]+)`).exec(header);
  return match ? match[1]! : null;
}

/** A finished stream of Server-Sent Events (`event: name` + one JSON data line each). */
export function sseResponse(events: [string, unknown][]) {
  const text = events.map(([name, data]) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`).join('');
  return new HttpResponse(text, { status: 200, headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform' } });
}
