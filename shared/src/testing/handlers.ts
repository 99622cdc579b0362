import { http, delay, type HttpHandler } from 'msw';
import { apiError } from './http';
import { aiHandlers } from './handlers/ai';
import { apiKeysHandlers } from './handlers/api-keys';
import { authHandlers } from './handlers/auth';
import { billingHandlers } from './handlers/billing';
import { budgetsHandlers } from './handlers/budgets';
import { creditsHandlers } from './handlers/credits';
import { meteringHandlers } from './handlers/metering';
import { orgHandlers } from './handlers/org';
import { statementHandlers } from './handlers/statements';
import type { ScenarioName } from './scenarios';
import { createMockStore } from './store/fixtures';
import type { MockStore, ScenarioOptions } from './store/state';

/**
 * The handler groups of the mock API. Adding an endpoint: write its handler in the group of its
 * contract (handlers/<group>.ts, reading and writing `store`), or add a new group file here.
 */
export const HANDLER_GROUPS: ((store: MockStore) => HttpHandler[])[] = [
  authHandlers,
  orgHandlers,
  creditsHandlers,
  budgetsHandlers,
  billingHandlers,
  statementHandlers,
  aiHandlers,
  apiKeysHandlers,
  meteringHandlers,
];

/** Where this API lives: `/api/` on the page's own origin (or the one given). */
export interface MockApiOptions extends ScenarioOptions {
  /** Origin of the API, e.g. `http://localhost:5173`; default: any origin (`*`). */
  origin?: string;
}

/**
 * Handlers for the whole API over one fresh in-memory org in `scenario`:
 * `server.resetHandlers(...createHandlers('member'))`. Also returns nothing shared between
 * calls, so tests never leak state. `createMockApi` gives the store too.
 */
export function createHandlers(scenario: ScenarioName = 'owner', options: MockApiOptions = {}): HttpHandler[] {
  return createMockApi(scenario, options).handlers;
}

export function createMockApi(scenario: ScenarioName = 'owner', options: MockApiOptions = {}): { store: MockStore; handlers: HttpHandler[] } {
  const store = createMockStore(scenario, options);
  const delayMs = options.delayMs ?? (scenario === 'slowNetwork' ? 1_500 : 0);
  const before: HttpHandler[] = [];
  if (delayMs > 0) before.push(passThroughAfter(delayMs, options.origin));
  if (options.failEndpoint) before.push(failOne(options.failEndpoint, options.origin));
  if (scenario === 'serverErrors') before.push(failEverything(options.origin));
  return { store, handlers: [...before, ...HANDLER_GROUPS.flatMap((group) => group(store))] };
}

/**
 * True for a request to this API: path under `/api/` at the root, on `origin` when given.
 * Vite serves source modules such as `/src/features/api/...` or `/@fs/.../api/x.ts`; those are
 * not the API, and a catch-all must never answer them.
 */
export function isApiRequest(request: Request, origin?: string): boolean {
  const target = new URL(request.url);
  if (origin && target.origin !== new URL(origin).origin) return false;
  // In a browser page, the page's own origin (no `location` in node).
  const page = (globalThis as { location?: { origin: string } }).location;
  if (!origin && page && target.origin !== page.origin) return false;
  return target.pathname.startsWith('/api/');
}

/** serverErrors: everything but the session answers 500, so the app shell renders and each section shows its error state. */
function failEverything(origin?: string): HttpHandler {
  return http.all(
    ({ request }) => isApiRequest(request, origin) && new URL(request.url).pathname !== '/api/auth/session',
    () => apiError(500, 'INTERNAL', 'Something went wrong on our side.'),
  );
}

/** One endpoint answers 500 (`GET /api/credits/charts`, `:params` allowed). */
function failOne(endpoint: string, origin?: string): HttpHandler {
  const [method, path] = endpoint.includes(' ') ? endpoint.split(' ', 2) : ['ALL', endpoint];
  const pattern = new RegExp(`^${path!.replace(/:[A-Za-z]+/g, '[^/]+')}$`);
  return http.all(
    ({ request }) => isApiRequest(request, origin) && (method === 'ALL' || request.method === method!.toUpperCase()) && pattern.test(new URL(request.url).pathname),
    () => apiError(500, 'INTERNAL', 'Something went wrong on our side.'),
  );
}

/** Waits, then lets the next handler answer (slow network). */
function passThroughAfter(ms: number, origin?: string): HttpHandler {
  return http.all(
    ({ request }) => isApiRequest(request, origin),
    async () => {
      await delay(ms);
      return undefined;
    },
  );
}
