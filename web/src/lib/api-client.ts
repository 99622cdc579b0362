import { buildPath, type BodyOf, type Endpoint, type ParamsOf, type QueryOf, type ResponseOf } from '@ai-credits/shared/api';
import { ApiErrorSchema, type ErrorCode } from '@ai-credits/shared/errors';

/** A failed API call: the HTTP status and the `{ error: { code, message } }` the BFF sent. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'NETWORK' | 'BAD_RESPONSE',
    message: string,
  ) {
    super(message);
  }
}

export function isApiError(error: unknown, code?: ApiError['code']): error is ApiError {
  return error instanceof ApiError && (code === undefined || error.code === code);
}

// The CSRF token comes with the session (login, signup, GET /api/auth/session) and goes back
// on every state-changing request. It lives here so that every caller of apiFetch sends it.
let csrfToken: string | null = null;
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

type QueryValue = string | number | boolean | null | undefined;

/** `?a=1&b=2` from an object, skipping empty values; '' when nothing is left. */
export function toSearch(query: Record<string, QueryValue> | undefined): string {
  if (!query) return '';
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** The URL of an endpoint, e.g. for a download link (`<a href>`). */
export function apiUrl<E extends Endpoint>(
  endpoint: E,
  options: { params?: ParamsOf<E>; query?: QueryOf<E> } = {},
): string {
  return (
    buildPath(endpoint.path, options.params as Record<string, string> | undefined) +
    toSearch(options.query as Record<string, QueryValue> | undefined)
  );
}

export interface ApiFetchOptions<E extends Endpoint> {
  params?: ParamsOf<E>;
  query?: QueryOf<E>;
  body?: BodyOf<E>;
  signal?: AbortSignal;
  /** Extra request headers a few endpoints take (e.g. `Idempotency-Key`, one per click). */
  headers?: Record<string, string>;
}

/**
 * The one way the SPA calls the BFF: builds the URL from the shared endpoint definition,
 * sends the session cookie and the CSRF token, parses the 2xx body with the endpoint's
 * response schema and turns error bodies into an ApiError.
 */
export async function apiFetch<E extends Endpoint>(endpoint: E, options: ApiFetchOptions<E> = {}): Promise<ResponseOf<E>> {
  const { method } = endpoint;
  const response = await send(endpoint, options, 'application/json');
  if (endpoint.response === null || response.status === 204) return undefined as ResponseOf<E>;
  const json: unknown = await response.json().catch(() => undefined);
  const parsed = endpoint.response.safeParse(json);
  if (!parsed.success) {
    throw new ApiError(response.status, 'BAD_RESPONSE', `Unexpected response from ${method} ${endpoint.path}`);
  }
  return parsed.data as ResponseOf<E>;
}

/**
 * A streamed endpoint (`produces`, e.g. text/event-stream): the same request as apiFetch, the
 * response as it is (its body not yet read) when it is a 2xx, an ApiError otherwise.
 */
export function apiStream<E extends Endpoint>(endpoint: E, options: ApiFetchOptions<E> = {}): Promise<Response> {
  return send(endpoint, options, endpoint.produces ?? 'application/json');
}

async function send<E extends Endpoint>(endpoint: E, options: ApiFetchOptions<E>, accept: string): Promise<Response> {
  const { method } = endpoint;
  const headers: Record<string, string> = { ...options.headers, accept };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;

  // Absolute URL: the same code runs in the browser and under jsdom in tests.
  const url = new URL(apiUrl(endpoint, options), globalThis.location?.origin ?? 'http://localhost');

  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers,
      credentials: 'same-origin',
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, 'NETWORK', 'Could not reach the server. Check your connection and try again.');
  }

  if (!response.ok) throw await toApiError(response);
  return response;
}

async function toApiError(response: Response): Promise<ApiError> {
  const json: unknown = await response.json().catch(() => undefined);
  const parsed = ApiErrorSchema.safeParse(json);
  if (parsed.success) return new ApiError(response.status, parsed.data.error.code, parsed.data.error.message);
  return new ApiError(
    response.status,
    response.status === 401 ? 'UNAUTHENTICATED' : 'INTERNAL',
    response.status >= 500 ? 'The server had a problem. Please try again.' : `Request failed (${response.status})`,
  );
}
