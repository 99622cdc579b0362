import { z } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

// zod/mini, not classic zod: the web client loads these contracts on its first screen, and
// classic zod (every method on every schema, JSON Schema, locale) was a quarter of that load
// (docs/benchmarks.md, "(h) first load"). The BFF parses with classic zod's functions, which
// take these schemas as they are. Mini loads no locale by itself: English messages everywhere,
// as classic zod gives (the BFF's and the mock API's 400 messages quote them).
z.config(en());

/**
 * One API definition (in the manner of ts-rest contracts): each endpoint is a plain object
 * built from zod (zod/mini). The BFF parses every request with it, the web client parses every
 * response with it, and the MSW handlers are typed by it.
 */
/** The roles of an org's members (contracts/auth.ts gives the schema). */
export const ROLES = ['owner', 'admin', 'member'] as const;
export type Role = (typeof ROLES)[number];

/** Endpoints only the owner may call (money, limits, who is who). */
export const OWNER_ONLY = ['owner'] as const satisfies readonly Role[];
/** Endpoints the owner and admins may call (the team, projects, keys, receipts). */
export const OWNER_OR_ADMIN = ['owner', 'admin'] as const satisfies readonly Role[];

/** The 403 FORBIDDEN message for a caller outside an endpoint's `roles`: the BFF and the mock API say the same. */
export function roleRefusal(roles: readonly Role[]): string {
  return `Only the organization ${roles.join(' or ')} can do this`;
}

/** The 403 EMAIL_NOT_VERIFIED message: the BFF and the mock API say the same. */
export const EMAIL_NOT_VERIFIED_MESSAGE = 'Confirm your email address first: open the link we emailed you (or send a new one from the banner).';

/** True when a caller with `role` (null: an API key) may call `e`: every role when the endpoint lists none. */
export function roleAllowed(e: Endpoint, role: Role | null): boolean {
  return !e.roles || (role !== null && e.roles.includes(role));
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface Endpoint {
  method: HttpMethod;
  /** Express-style path, e.g. `/api/org/members/:userId`. */
  path: string;
  summary: string;
  /** Who may call it; the BFF enforces it, the OpenAPI document reports it. */
  auth: 'none' | 'session' | 'apiKey' | 'signature';
  /** Roles that may call it (OWNER_ONLY, OWNER_OR_ADMIN); every role of the org when absent. The BFF's `mount()` and the mock API both read it. */
  roles?: readonly Role[];
  params?: z.ZodMiniType;
  query?: z.ZodMiniType;
  body?: z.ZodMiniType;
  /** Schema of a 2xx JSON body; `null` for 204 or non-JSON responses. */
  response: z.ZodMiniType | null;
  /** Content type when the response is not JSON (CSV, HTML). */
  produces?: string;
  status?: 200 | 201 | 202 | 204;
  /**
   * `required`: a signed-in user whose email is not verified yet is refused (403
   * EMAIL_NOT_VERIFIED): everything that spends credits or money or sends mail (issue 20).
   */
  verifiedEmail?: 'required';
  /** The `Idempotency-Key` request header: the BFF refuses a call without it when required. */
  idempotencyKey?: 'required' | 'optional';
}

export function endpoint<const E extends Endpoint>(e: E): E {
  return e;
}

type Infer<T, Io extends 'in' | 'out'> = T extends z.ZodMiniType ? (Io extends 'in' ? z.input<T> : z.output<T>) : undefined;

export type ParamsOf<E extends Endpoint> = Infer<E['params'], 'in'>;
export type QueryOf<E extends Endpoint> = Infer<E['query'], 'in'>;
export type BodyOf<E extends Endpoint> = Infer<E['body'], 'in'>;
export type ResponseOf<E extends Endpoint> = E['response'] extends z.ZodMiniType ? z.output<E['response']> : void;
/** What the server produces before serialisation (before zod output transforms). */
export type ResponseInputOf<E extends Endpoint> = E['response'] extends z.ZodMiniType ? z.input<E['response']> : void;

/** `/api/x/:id` + `{ id: '1' }` -> `/api/x/1`. */
export function buildPath(path: string, params?: Record<string, string | number>): string {
  return path.replace(/:([A-Za-z]+)/g, (_, name: string) => {
    const value = params?.[name];
    if (value === undefined) throw new Error(`missing path parameter ${name}`);
    return encodeURIComponent(String(value));
  });
}

// Reusable field schemas -------------------------------------------------------------

/** NUL, or a UTF-16 surrogate without its partner: text PostgreSQL cannot store (or would alter). */
// eslint-disable-next-line no-control-regex -- NUL is exactly what this looks for
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
export const isStorableText = (value: string): boolean => !UNSTORABLE.test(value);

/**
 * Every string a request carries into the database (names, prompts, filters, gateway ids):
 * refused with 400 at the contract instead of a 500 from PostgreSQL. Add limits with `.check(z.maxLength(n))`.
 */
export const TextSchema = z.string().check(z.refine(isStorableText, 'must not contain NUL characters or unpaired UTF-16 surrogates'));

/** C0 and C1 control characters (CR, LF, TAB, NUL, ...), DEL, and the Unicode line and paragraph separators. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what this looks for
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
export const isSingleLineText = (value: string): boolean => !CONTROL.test(value);

/**
 * Names and every other text that can reach an email or a header (people, organizations,
 * projects, API keys): one line, no control characters, so no user text can add lines to an email
 * that look like ours (issue 20).
 */
export const SingleLineTextSchema = TextSchema.check(z.refine(isSingleLineText, 'must be one line without control characters (no line breaks or tabs)'));

/** Dates a request may name: 1970 to 2999. Year 0 or 9999 is a typing error, not a query (and overflows date arithmetic). */
export const MIN_REQUEST_DATE = Date.UTC(1970, 0, 1);
export const MAX_REQUEST_DATE = Date.UTC(2999, 11, 31, 23, 59, 59, 999);
export const isRequestDateInRange = (value: string): boolean => {
  const t = Date.parse(value);
  return Number.isFinite(t) && t >= MIN_REQUEST_DATE && t <= MAX_REQUEST_DATE;
};

export const IdSchema = z.uuid();
export const IsoDateTimeSchema = z.iso.datetime({ offset: true });
/** Millicredits travel as JSON integers (safe range); the BFF does the arithmetic in bigint. */
export const MillicreditsSchema = z.int().check(z.gte(Number.MIN_SAFE_INTEGER), z.lte(Number.MAX_SAFE_INTEGER));
export const CentsSchema = z.int().check(z.gte(0), z.lte(Number.MAX_SAFE_INTEGER));
/** A date (`2026-05-01`) or a date-time with offset, within the request range. */
export const RequestDateSchema = z
  .union([z.iso.date(), z.iso.datetime({ offset: true })])
  .check(z.refine(isRequestDateInRange, 'must be a date between 1970-01-01 and 2999-12-31'));

/** The 400 messages about the Idempotency-Key header: the BFF's mount() and the mock API say the same. */
export const IDEMPOTENCY_KEY_MESSAGES = {
  required: 'The Idempotency-Key header is required',
  invalid: 'Idempotency-Key: 8 to 200 letters, digits and _ . : -',
} as const;

export const IdempotencyKeySchema = z.string().check(z.minLength(8), z.maxLength(200), z.regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only'));
