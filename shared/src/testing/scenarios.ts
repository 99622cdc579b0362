import type { Role } from '../contracts/auth';

/**
 * Named states of the mock API: `?scenario=` in `vite --mode mock`, `createHandlers(name)` in
 * tests. Each is a starting state of one in-memory org; from there every handler reads and
 * writes the same store, so a purchase moves the balance and an AI run shows in the charts.
 */
export const SCENARIOS = [
  'owner',
  'admin',
  'member',
  'aiDisabled',
  'lowBalance',
  'inOverage',
  'overageLimitReached',
  'budgetReached',
  'paymentFailed',
  'paymentPending',
  'slowNetwork',
  'emptyOrg',
  'serverErrors',
] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export const SCENARIO_DESCRIPTIONS: Record<ScenarioName, string> = {
  owner: 'Owner of an org with a purchase this month and a healthy balance',
  admin: 'Admin of the same org: sees everything, cannot buy, toggle AI or change the limit',
  member: 'Member of the same org: read-only dashboard',
  aiDisabled: 'The owner turned AI off (signed in as owner)',
  lowBalance: 'Fewer than 30 credits left',
  inOverage: 'Balance below zero, overage limit 500 credits, one unpaid overage invoice',
  overageLimitReached: 'The whole overage limit is used: every AI run and metering call is refused 402 OVERAGE_LIMIT_REACHED',
  budgetReached: 'The first project\'s monthly budget is used up: AI and metering on it answer 402 BUDGET_REACHED',
  paymentFailed: 'Every sandbox payment is declined (402 PAYMENT_FAILED); the history shows an earlier failed one',
  paymentPending: 'A purchase is waiting for the gateway (status "attempted") in the history',
  slowNetwork: 'Every response is delayed (1.5 s, or `?delay=ms`)',
  emptyOrg: 'A fresh org, as after sign-up: 300 credits, no project, no usage, no purchases',
  serverErrors: 'Signed in, but every data endpoint answers 500',
};

/**
 * Knobs on top of a scenario; the URL spells them `?role=admin&delay=800&fail=GET /api/credits/summary`.
 * ScenarioOptions (store/state.ts) adds `seed`, which needs the store's type: this file does not import the store.
 */
export interface ScenarioSettings {
  /** Fixed "now" for deterministic tests; the browser uses the real clock. */
  now?: Date;
  /** Sign in as someone else of the same org (every route checks it). */
  role?: Role;
  /** Delay of every response in ms (slowNetwork defaults to 1500). */
  delayMs?: number;
  /**
   * Sessions by cookie, as the BFF: the org starts signed out, each client that signs in gets its
   * own session cookie (API tests with several clients). Default: one ambient session, signed in
   * (the browser and component tests).
   */
  cookieSessions?: boolean;
  /** One endpoint answering 500, as `METHOD /api/path` with the contract's `:params`. */
  failEndpoint?: string;
}

export function isScenarioName(value: unknown): value is ScenarioName {
  return typeof value === 'string' && (SCENARIOS as readonly string[]).includes(value);
}

/** Scenario and options from a query string (`?scenario=slowNetwork&delay=300`). */
export function scenarioFromSearch(search: string, fallback: ScenarioName = 'owner'): { scenario: ScenarioName; options: ScenarioSettings } {
  const params = new URLSearchParams(search);
  const name = params.get('scenario');
  const role = params.get('role');
  const delay = Number(params.get('delay'));
  const options: ScenarioSettings = {};
  if (role === 'owner' || role === 'admin' || role === 'member') options.role = role;
  if (Number.isInteger(delay) && delay > 0) options.delayMs = delay;
  const fail = params.get('fail');
  if (fail) options.failEndpoint = fail;
  return { scenario: isScenarioName(name) ? name : fallback, options };
}
