import { once } from 'node:events';
import type { Request, Response, Router } from 'express';
import type { Endpoint, ResponseInputOf } from '@ai-credits/shared/api';
import type { Role } from '@ai-credits/shared/contracts/auth';
import { z } from 'zod';
import { forbidden, HttpError } from './http-error';

/** Who is calling: set by the session middleware (users) or the API-key middleware (services). */
export interface Actor {
  orgId: string;
  userId: string | null;
  role: Role | null;
  apiKeyId: string | null;
}

// Contract schemas are zod/mini (shared/src/api.ts): parsed here with classic zod's functions,
// which take any zod schema and throw the ZodError the error middleware answers 400 for.
type Parsed<S> = S extends z.core.$ZodType ? z.output<S> : undefined;

export interface HandlerInput<E extends Endpoint> {
  params: Parsed<E['params']>;
  query: Parsed<E['query']>;
  body: Parsed<E['body']>;
  actor: E['auth'] extends 'session' | 'apiKey' ? Actor : Actor | null;
  /** Header values a few endpoints need (Idempotency-Key, signatures); nothing else of the request. */
  header(name: string): string | undefined;
  /** Raw request body, for signature checks. */
  rawBody: Buffer | undefined;
}

export interface RouteOptions {
  /** Roles allowed to call it; every role of the org when absent. */
  roles?: readonly Role[];
}

/** A `produces` endpoint answers text, or chunks of it to stream (an export of any size). */
type HandlerResult<E extends Endpoint> = E['produces'] extends string ? string | AsyncIterable<string> : ResponseInputOf<E>;

/**
 * Write chunks as they come, waiting for the client to drain. A failure after the first byte
 * cannot become an error response any more: the connection is cut, so the client sees a
 * broken transfer rather than a file that merely looks complete.
 */
async function stream(res: Response, chunks: AsyncIterable<string>) {
  try {
    for await (const chunk of chunks) {
      if (!res.write(chunk)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
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

/**
 * Mount a contract endpoint: parse params/query/body with its schemas (strict: unknown
 * fields are refused), check the caller, call the handler, send the response.
 * Routes do HTTP only; the handler calls a service.
 */
export function mount<E extends Endpoint>(
  router: Router,
  e: E,
  options: RouteOptions,
  handler: (input: HandlerInput<E>) => Promise<HandlerResult<E>>,
): void {
  const method = e.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete';
  router[method](e.path, async (req: Request, res: Response) => {
    const actor = getActor(res);
    if (e.auth === 'session' || e.auth === 'apiKey') {
      if (!actor) throw new HttpError(401, 'UNAUTHENTICATED', 'Sign in first');
      if (e.auth === 'session' && actor.userId === null) throw new HttpError(401, 'UNAUTHENTICATED', 'This endpoint needs a signed-in user');
      if (e.auth === 'apiKey' && actor.apiKeyId === null) throw new HttpError(401, 'UNAUTHENTICATED', 'This endpoint needs an API key');
      if (options.roles && (!actor.role || !options.roles.includes(actor.role))) {
        throw forbidden(`Only the organization ${options.roles.join(' or ')} can do this`);
      }
    }
    const input = {
      params: (e.params ? z.parse(e.params, req.params) : undefined) as Parsed<E['params']>,
      query: (e.query ? z.parse(e.query, req.query) : undefined) as Parsed<E['query']>,
      body: (e.body ? z.parse(e.body, req.body ?? {}) : undefined) as Parsed<E['body']>,
      actor: actor as HandlerInput<E>['actor'],
      header: (name: string) => req.get(name),
      rawBody: (req as Request & { rawBody?: Buffer }).rawBody,
    } satisfies HandlerInput<E>;
    const result = await handler(input);
    res.status(e.status ?? 200);
    if (e.produces && typeof result !== 'string' && Symbol.asyncIterator in Object(result)) {
      res.type(e.produces);
      await stream(res, result as AsyncIterable<string>);
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
