import type { components, paths } from './openapi';

/**
 * @ai-credits/client: a typed client of the metering API (ADR 027). The types are generated from
 * the OpenAPI document the BFF serves (client/src/openapi.ts); this file adds what every caller
 * would otherwise write by hand: an Idempotency-Key on every write, and retries of a dropped
 * connection, 429 and 503 with the same key (Retry-After, else exponential backoff with jitter),
 * so a retried call is charged once. Refusals are thrown as AiCreditsError with the API's code.
 */

type Schemas = components['schemas'];
type MeteringPath = '/api/v1/metering/reserve' | '/api/v1/metering/settle' | '/api/v1/metering/release' | '/api/v1/metering/record';
type Post<P extends MeteringPath> = paths[P]['post'];

export type ReserveRequest = Post<'/api/v1/metering/reserve'>['requestBody']['content']['application/json'];
export type SettleRequest = Post<'/api/v1/metering/settle'>['requestBody']['content']['application/json'];
export type ReleaseRequest = Post<'/api/v1/metering/release'>['requestBody']['content']['application/json'];
export type RecordRequest = Post<'/api/v1/metering/record'>['requestBody']['content']['application/json'];
export type ReserveResponse = Schemas['MeteringReserveResponse'];
export type SettleResponse = Schemas['MeteringSettleResponse'];
export type ReleaseResponse = Schemas['MeteringReleaseResponse'];
export type RecordResponse = Schemas['MeteringRecordResponse'];
export type Reservation = Schemas['Reservation'];
export type MeteredUsage = Schemas['MeteredUsage'];
export type UseCase = Schemas['UseCase'];
/** Every code the API answers a refusal with (`{ error: { code, message } }`). */
export type ErrorCode = Schemas['ApiError']['error']['code'];

/** A refusal of the API (status and code as it answered), or NETWORK_ERROR when no answer came after the retries. */
export class AiCreditsError extends Error {
  override readonly name = 'AiCreditsError';
  constructor(
    message: string,
    readonly status: number | null,
    readonly code: ErrorCode | 'NETWORK_ERROR',
    /** The key the call was sent with: call again with it to get the first call's result, never a second charge. */
    readonly idempotencyKey: string,
    /** Seconds the API asked to wait (429, 503), when it said. */
    readonly retryAfterSeconds: number | null = null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface ClientOptions {
  /** Where the API is, e.g. `https://credits.example.com` (no trailing `/api`). */
  baseUrl: string;
  /** An org API key (Settings -> API keys): `aic_...`. */
  apiKey: string;
  /** Retries after the first attempt (dropped connection, 429, 503). Default 3. */
  maxRetries?: number;
  /** First backoff step when the API gives no Retry-After; doubled each retry, with full jitter. Default 250 ms. */
  baseDelayMs?: number;
  /** No wait is longer than this, Retry-After included. Default 10 s. */
  maxDelayMs?: number;
  /** A fetch of your own (a proxy agent, tracing). Default: the global fetch. */
  fetch?: typeof fetch;
  /** How to wait between attempts (tests pass one that does not wait). Default: setTimeout. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface CallOptions {
  /** One key per operation (8-200 of letters, digits, `_ . : -`). Default: a new UUID per call; pass your own to retry across restarts. */
  idempotencyKey?: string;
  signal?: AbortSignal;
}

const RETRY_STATUSES = new Set([429, 503]);

/** Retry-After as seconds: a number of seconds or an HTTP date. */
function retryAfterSeconds(header: string | null, now = Date.now()): number | null {
  if (!header) return null;
  if (/^\d+$/.test(header.trim())) return Number(header.trim());
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, Math.ceil((at - now) / 1000)) : null;
}

const defaultSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
  });

export function createAiCreditsClient(options: ClientOptions) {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const maxRetries = options.maxRetries ?? 3;
  const baseDelayMs = options.baseDelayMs ?? 250;
  const maxDelayMs = options.maxDelayMs ?? 10_000;
  const doFetch: typeof fetch = options.fetch ?? ((...args: Parameters<typeof fetch>) => fetch(...args));
  const sleep = options.sleep ?? defaultSleep;

  async function post<P extends MeteringPath, R>(path: P, body: unknown, call: CallOptions = {}): Promise<R> {
    const idempotencyKey = call.idempotencyKey ?? crypto.randomUUID();
    const init: RequestInit = {
      method: 'POST',
      headers: { authorization: `Bearer ${options.apiKey}`, 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
      body: JSON.stringify(body),
      signal: call.signal,
    };
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await doFetch(baseUrl + path, init);
      } catch (cause) {
        // The caller's own abort is not a network failure: stop at once.
        if (call.signal?.aborted) throw cause;
        // No answer (connection refused or dropped): the call may or may not have been charged; the same key makes retrying safe.
        if (attempt >= maxRetries) throw new AiCreditsError(`No answer from ${baseUrl} after ${attempt + 1} attempts`, null, 'NETWORK_ERROR', idempotencyKey, null, { cause });
        await sleep(backoff(attempt, null), call.signal ?? undefined);
        continue;
      }
      const text = await res.text();
      const json: unknown = text ? safeJson(text) : null;
      if (res.ok) return json as R;
      const after = retryAfterSeconds(res.headers.get('retry-after'));
      if (RETRY_STATUSES.has(res.status) && attempt < maxRetries) {
        await sleep(backoff(attempt, after), call.signal ?? undefined);
        continue;
      }
      const error = (json as Schemas['ApiError'] | null)?.error;
      throw new AiCreditsError(error?.message ?? `HTTP ${res.status}`, res.status, error?.code ?? 'INTERNAL', idempotencyKey, after);
    }
  }

  function backoff(attempt: number, afterSeconds: number | null): number {
    if (afterSeconds !== null) return Math.min(afterSeconds * 1000, maxDelayMs);
    return Math.floor(Math.random() * Math.min(maxDelayMs, baseDelayMs * 2 ** attempt));
  }

  return {
    /** Hold an estimate before calling a model: `estimateMc`, or `maxInputTokens` and `maxOutputTokens` at the model's rate. */
    reserve: (body: ReserveRequest, call?: CallOptions) => post<'/api/v1/metering/reserve', ReserveResponse>('/api/v1/metering/reserve', body, call),
    /** Charge a reservation with the real token counts (never more than it holds). */
    settle: (body: SettleRequest, call?: CallOptions) => post<'/api/v1/metering/settle', SettleResponse>('/api/v1/metering/settle', body, call),
    /** Give a reservation back when the model call failed: nothing is charged. */
    release: (body: ReleaseRequest, call?: CallOptions) => post<'/api/v1/metering/release', ReleaseResponse>('/api/v1/metering/release', body, call),
    /** Record a finished model call in one step. */
    record: (body: RecordRequest, call?: CallOptions) => post<'/api/v1/metering/record', RecordResponse>('/api/v1/metering/record', body, call),
  };
}

export type AiCreditsClient = ReturnType<typeof createAiCreditsClient>;

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
