import { z } from 'zod';

/**
 * One API definition (in the manner of ts-rest contracts): each endpoint is a plain object
 * built from zod. The BFF parses every request with it, the web client parses every
 * response with it, and the MSW handlers are typed by it.
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface Endpoint {
  method: HttpMethod;
  /** Express-style path, e.g. `/api/org/members/:userId`. */
  path: string;
  summary: string;
  /** Who may call it; the BFF enforces it, the OpenAPI document reports it. */
  auth: 'none' | 'session' | 'apiKey' | 'signature';
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** Schema of a 2xx JSON body; `null` for 204 or non-JSON responses. */
  response: z.ZodType | null;
  /** Content type when the response is not JSON (CSV, HTML). */
  produces?: string;
  status?: 200 | 201 | 204;
}

export function endpoint<const E extends Endpoint>(e: E): E {
  return e;
}

type Infer<T, Io extends 'in' | 'out'> = T extends z.ZodType ? (Io extends 'in' ? z.input<T> : z.output<T>) : undefined;

export type ParamsOf<E extends Endpoint> = Infer<E['params'], 'in'>;
export type QueryOf<E extends Endpoint> = Infer<E['query'], 'in'>;
export type BodyOf<E extends Endpoint> = Infer<E['body'], 'in'>;
export type ResponseOf<E extends Endpoint> = E['response'] extends z.ZodType ? z.output<E['response']> : void;
/** What the server produces before serialisation (before zod output transforms). */
export type ResponseInputOf<E extends Endpoint> = E['response'] extends z.ZodType ? z.input<E['response']> : void;

/** `/api/x/:id` + `{ id: '1' }` -> `/api/x/1`. */
export function buildPath(path: string, params?: Record<string, string | number>): string {
  return path.replace(/:([A-Za-z]+)/g, (_, name: string) => {
    const value = params?.[name];
    if (value === undefined) throw new Error(`missing path parameter ${name}`);
    return encodeURIComponent(String(value));
  });
}

// Reusable field schemas -------------------------------------------------------------

export const IdSchema = z.uuid();
export const IsoDateTimeSchema = z.iso.datetime({ offset: true });
/** Millicredits travel as JSON integers (safe range); the BFF does the arithmetic in bigint. */
export const MillicreditsSchema = z.number().int().min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER);
export const CentsSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
export const IdempotencyKeySchema = z.string().min(8).max(200).regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only');
