import { once } from 'node:events';
import type { CookieOptions, Request, Response, Router } from 'express';
import { EMAIL_NOT_VERIFIED_MESSAGE, IDEMPOTENCY_KEY_MESSAGES, IdempotencyKeySchema, roleAllowed, roleRefusal, type Endpoint, type ResponseInputOf } from '@ai-credits/shared/api';
import type { Role, SessionInfo } from '@ai-credits/shared/contracts/auth';
import { z } from 'zod';
import { forbidden, HttpError } from './http-error';

/** A signed-in user of an org: set by the session middleware. */
export interface SessionActor {
  orgId: string;
  userId: string;
  role: Role;
  apiKeyId: null;
}

/** A service of an org calling with one of its API keys (no user, no role): set by the API-key middleware. */
export interface ApiKeyActor {
  orgId: string;
  userId: null;
  role: null;
  apiKeyId: string;
}

/** Who is calling. */
export type Actor = SessionActor | ApiKeyActor;

/**
 * The signed-in session behind a SessionActor (the session middleware loads it, one query a
 * request). Without the org's AI switch: that is the ledger's (its credit account), read only
 * where the session is answered (accounts.sessionInfo).
 */
export interface SessionContext {
  sessionId: string;
  csrfToken: string;
  info: Omit<SessionInfo, 'org'> & { org: Omit<SessionInfo['org'], 'aiEnabled'> };
}

// Contract schemas are zod/mini (shared/src/api.ts): parsed here with classic zod's functions,
// which take any zod schema and throw the ZodError the error middleware answers 400 for.
type Parsed<S> = S extends z.core.$ZodType ? z.output<S> : undefined;

/** The caller the endpoint's `auth` lets through: mount refuses every other one. */
type ActorOf<E extends Endpoint> = E['auth'] extends 'session' ? SessionActor : E['auth'] extends 'apiKey' ? ApiKeyActor : Actor | null;

/** The Idempotency-Key as the contract declares it: required (always there), optional, or not read. */
type IdempotencyKeyOf<E extends Endpoint> = E['idempotencyKey'] extends 'required' ? string : E['idempotencyKey'] extends 'optional' ? string | undefined : undefined;

export interface HandlerInput<E extends Endpoint, O extends RouteOptions = RouteOptions> {
  params: Parsed<E['params']>;
  query: Parsed<E['query']>;
  body: Parsed<E['body']>;
  actor: O['signedOutOk'] extends true ? Actor | null : ActorOf<E>;
  /** The session behind the caller, when a signed-in user calls. */
  session: E['auth'] extends 'session' ? (O['signedOutOk'] extends true ? SessionContext | null : SessionContext) : SessionContext | null;
  /** The request's Idempotency-Key header, checked against the contract (see IdempotencyKeyOf). */
  idempotencyKey: IdempotencyKeyOf<E>;
  /** The caller's address (rate limits of sign-in). */
  ip: string;
  /** Header values a few endpoints need (signatures, Origin); nothing else of the request. */
  header(name: string): string | undefined;
  /** Raw request body, for signature checks. */
  rawBody: Buffer | undefined;
  /**
   * Aborts when the response can no longer reach the client: the connection closed before the
   * response ended, or a streamed response's client read nothing for `streamStallMs`.
   */
  signal: AbortSignal;
  /** The session cookie is set and cleared by the auth routes; nothing else writes cookies. */
  cookies: { set(name: string, value: string, options: CookieOptions): void; clear(name: string, options: CookieOptions): void };
}

/** How a route differs from its contract (who may call it is the contract's `roles`). */
export interface RouteOptions {
  /** Answer a caller without a session too (signing out twice is not an error): no caller check. */
  signedOutOk?: boolean;
}

type Handler<E extends Endpoint, O extends RouteOptions> = (input: HandlerInput<E, O>) => Promise<HandlerResult<E>> | HandlerResult<E>;

/** A `produces` endpoint answers text or bytes (a PDF), or chunks of text to stream (an export of any size). */
type HandlerResult<E extends Endpoint> = E['produces'] extends string ? string | Uint8Array | AsyncIterable<string> : ResponseInputOf<E>;

/** How long a streamed response waits for a client that reads nothing before it cuts the connection (app.locals.streamStallMs overrides). */
export const STREAM_STALL_MS = 30_000;

/** Resolves when the response drains, or cuts the connection when it has not within `stallMs`. */
async function drained(res: Response, stallMs: number) {
  // Written to a connection already closed: nothing will drain (the caller sees res.destroyed).
  if (res.destroyed) return;
  const done = new AbortController();
  let stalled = false;
  const timer = setTimeout(() => {
    stalled = true;
    done.abort();
  }, stallMs);
  try {
    await Promise.race([once(res, 'drain', { signal: done.signal }), once(res, 'close', { signal: done.signal })]);
  } catch (error) {
    if (!stalled) throw error;
    // A client that reads nothing must not hold the stream (and what it holds) forever.
    res.destroy();
  } finally {
    clearTimeout(timer);
    done.abort();
  }
}

/**
 * Write chunks as they come, waiting for the client to drain (at most `stallMs` at a time). A
 * failure after the first byte cannot become an error response any more: the connection is
 * cut, so the client sees a broken transfer rather than a file that merely looks complete.
 */
async function stream(res: Response, chunks: AsyncIterable<string>, stallMs: number) {
  try {
    for await (const chunk of chunks) {
      if (!res.write(chunk)) await drained(res, stallMs);
      // the client went away: stop reading pages (leaving the loop closes the generator)
      if (res.destroyed) return;
    }
  } catch (err) {
    if (!res.headersSent) throw err;
    res.destroy(err as Error);
    return;
  }
  res.end();
}

export function getActor(res: Response): Actor | null {
  return (res.locals.actor as Actor | undefined) ?? null;
}

export function getSession(res: Response): SessionContext | null {
  return (res.locals.session as SessionContext | undefined) ?? null;
}

/** The contract's Idempotency-Key rule, with the messages the metering API has always answered. */
function readIdempotencyKey(value: string | undefined, rule: 'required' | 'optional'): string | undefined {
  if (value === undefined) {
    if (rule === 'required') throw new HttpError(400, 'VALIDATION_FAILED', IDEMPOTENCY_KEY_MESSAGES.required);
    return undefined;
  }
  const parsed = z.safeParse(IdempotencyKeySchema, value);
  if (!parsed.success) throw new HttpError(400, 'VALIDATION_FAILED', IDEMPOTENCY_KEY_MESSAGES.invalid);
  return parsed.data;
}

/**
 * Mount a contract endpoint: parse params/query/body with its schemas (strict: unknown
 * fields are refused), check the caller against the contract's `auth` and `roles`, call the
 * handler, send the response. Routes do HTTP only; the handler calls a service.
 */
export function mount<E extends Endpoint>(router: Router, e: E, handler: Handler<E, RouteOptions>): void;
export function mount<E extends Endpoint, const O extends RouteOptions>(router: Router, e: E, options: O, handler: Handler<E, O>): void;
export function mount<E extends Endpoint, const O extends RouteOptions>(router: Router, e: E, ...rest: [Handler<E, O>] | [O, Handler<E, O>]): void {
  const [options, handler] = rest.length === 1 ? [{} as O, rest[0]] : rest;
  const method = e.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete';
  router[method](e.path, async (req: Request, res: Response) => {
    const actor = getActor(res);
    if ((e.auth === 'session' || e.auth === 'apiKey') && !options.signedOutOk) {
      if (!actor) throw new HttpError(401, 'UNAUTHENTICATED', 'Sign in first');
      if (e.auth === 'session' && actor.userId === null) throw new HttpError(401, 'UNAUTHENTICATED', 'This endpoint needs a signed-in user');
      if (e.auth === 'apiKey' && actor.apiKeyId === null) throw new HttpError(401, 'UNAUTHENTICATED', 'This endpoint needs an API key');
      if (e.roles && !roleAllowed(e, actor.role)) throw forbidden(roleRefusal(e.roles));
      // An unverified address may look, not spend or send mail (issue 20, ADR 028).
      if (e.verifiedEmail === 'required' && getSession(res)?.info.user.emailVerified === false) {
        throw new HttpError(403, 'EMAIL_NOT_VERIFIED', EMAIL_NOT_VERIFIED_MESSAGE);
      }
    }
    const params = (e.params ? z.parse(e.params, req.params) : undefined) as Parsed<E['params']>;
    const query = (e.query ? z.parse(e.query, req.query) : undefined) as Parsed<E['query']>;
    const body = (e.body ? z.parse(e.body, req.body ?? {}) : undefined) as Parsed<E['body']>;
    // The AbortController is made when a handler reads `signal` (the streaming ones): most never do.
    let gone: AbortController | undefined;
    let closedEarly = false;
    const closed = () => new Error('The client closed the connection');
    res.once('close', () => {
      if (res.writableFinished) return;
      closedEarly = true;
      gone?.abort(closed());
    });
    const input = {
      params,
      query,
      body,
      // the checks above made these what the endpoint's auth says
      actor: actor as HandlerInput<E, O>['actor'],
      session: getSession(res) as HandlerInput<E, O>['session'],
      idempotencyKey: (e.idempotencyKey ? readIdempotencyKey(req.get('idempotency-key'), e.idempotencyKey) : undefined) as IdempotencyKeyOf<E>,
      ip: req.ip ?? 'unknown',
      header: (name: string) => req.get(name),
      rawBody: (req as Request & { rawBody?: Buffer }).rawBody,
      get signal() {
        if (!gone) {
          gone = new AbortController();
          if (closedEarly) gone.abort(closed());
        }
        return gone.signal;
      },
      cookies: {
        set: (name: string, value: string, cookieOptions: CookieOptions) => void res.cookie(name, value, cookieOptions),
        clear: (name: string, cookieOptions: CookieOptions) => void res.clearCookie(name, cookieOptions),
      },
    } satisfies HandlerInput<E, O>;
    const result = await handler(input);
    res.status(e.status ?? 200);
    if (e.produces && typeof result !== 'string' && Symbol.asyncIterator in Object(result)) {
      res.type(e.produces);
      if (e.produces === 'text/event-stream') {
        // Server-Sent Events: nothing between us and the client may buffer or transform them.
        res.set({ 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no' });
        res.flushHeaders();
      }
      await stream(res, result as AsyncIterable<string>, (req.app.locals as { streamStallMs?: number }).streamStallMs ?? STREAM_STALL_MS);
    } else if (e.produces) {
      res.type(e.produces).send(result);
    } else if (e.response === null) {
      res.end();
    } else {
      res.json(parseResponse(e.response, result));
    }
  });
}

/**
 * A response that fails its own contract is our bug, not the caller's: a 500 with the issues
 * logged (never a 400 that blames the request).
 */
export function parseResponse<S extends z.core.$ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = z.safeParse(schema, value);
  if (!parsed.success) throw new ResponseContractError(parsed.error);
  return parsed.data;
}

export class ResponseContractError extends Error {
  constructor(readonly zodError: z.ZodError) {
    super(`Response failed its contract: ${zodError.issues.slice(0, 5).map((i) => `${i.path.join('.') || 'response'}: ${i.message}`).join('; ')}`);
    this.name = 'ResponseContractError';
  }
}
