import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test as base, expect, type APIRequestContext, type APIResponse, type Browser, type BrowserContext, type Page, type TestInfo } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import type { SessionInfo } from '@ai-credits/shared/contracts/auth';

export { expect };

const here = path.dirname(fileURLToPath(import.meta.url));
export const SCREENSHOT_DIR = path.join(here, 'test-results', 'screenshots');

export const PASSWORD = 'correct-horse-battery-staple';

/** A random suffix so that every test owns its org and users. */
export function uniq(): string {
  return randomUUID().slice(0, 8);
}

/** A JSON API client that shares the page's cookies (page.request) and sends the session's CSRF token. */
export class Api {
  private csrf: string | null = null;
  constructor(private readonly context: BrowserContext) {}

  async session(): Promise<SessionInfo> {
    const res = await this.context.request.get('/api/auth/session');
    expect(res.status(), await res.text()).toBe(200);
    const info = (await res.json()) as SessionInfo;
    this.csrf = res.headers()['x-csrf-token'] ?? info.csrfToken;
    return info;
  }

  async csrfToken(): Promise<string> {
    if (!this.csrf) await this.session();
    return this.csrf!;
  }

  get(url: string, headers: Record<string, string> = {}): Promise<APIResponse> {
    return this.context.request.get(url, { headers });
  }

  async send(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, data?: unknown, headers: Record<string, string> = {}): Promise<APIResponse> {
    return this.context.request.fetch(url, {
      method,
      headers: { 'x-csrf-token': await this.csrfToken(), ...headers },
      ...(data === undefined ? {} : { data }),
    });
  }

  post(url: string, data?: unknown, headers?: Record<string, string>) {
    return this.send('POST', url, data, headers);
  }
  put(url: string, data?: unknown, headers?: Record<string, string>) {
    return this.send('PUT', url, data, headers);
  }

  /** GET that must succeed; returns the parsed body. */
  async json<T = unknown>(url: string): Promise<T> {
    const res = await this.get(url);
    expect(res.ok(), `${url}: ${res.status()} ${await res.text()}`).toBe(true);
    return (await res.json()) as T;
  }
}

export interface User {
  page: Page;
  context: BrowserContext;
  api: Api;
  email: string;
  password: string;
  name: string;
  role: 'owner' | 'admin' | 'member';
  userId: string;
}

export interface Owner extends User {
  role: 'owner';
  orgName: string;
  orgId: string;
}

export interface SignUpOptions {
  orgName?: string;
  name?: string;
  /** Where the page lands after sign-up (default: the AI Credits page). */
  landOn?: string | null;
}

export interface AddMemberOptions {
  owner?: Owner;
  name?: string;
  /** Where the member's page lands after login (default: the AI Credits page). */
  landOn?: string | null;
}

export const AI_CREDITS_PATH = '/settings/ai-credits';

interface Fixtures {
  /** Creates a new org + owner through the API (random email), logged in on `page`. */
  signUp: (options?: SignUpOptions) => Promise<Owner>;
  /** The owner invites a member (POST /api/org/invitations); they accept with their own password in a new browser context (signed in). */
  addMember: (role?: 'member' | 'admin', options?: AddMemberOptions) => Promise<User>;
  /** Opens a fresh logged-out browser context (closed at the end of the test). */
  newPage: () => Promise<Page>;
}

async function newContext(browser: Browser, baseURL: string, contexts: BrowserContext[]): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL, viewport: { width: 1280, height: 800 }, locale: 'en-US', timezoneId: 'UTC' });
  contexts.push(context);
  return context;
}

/** Console errors and uncaught exceptions of every page of a context, attached to a failing test. */
function watchConsole(context: BrowserContext, log: string[]): void {
  const watch = (page: Page) => {
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') log.push(`[${message.type()}] ${page.url()} ${message.text()}`);
    });
    page.on('pageerror', (error) => log.push(`[pageerror] ${page.url()} ${error.stack ?? error.message}`));
  };
  context.pages().forEach(watch);
  context.on('page', watch);
}

export const test = base.extend<Fixtures & { owners: Owner[]; extraContexts: BrowserContext[]; consoleLog: string[] }>({
  consoleLog: [
    async ({ context }, use, testInfo) => {
      const log: string[] = [];
      watchConsole(context, log);
      await use(log);
      if (testInfo.status !== testInfo.expectedStatus && log.length > 0) {
        await testInfo.attach('browser-console.txt', { body: log.join('\n'), contentType: 'text/plain' });
      }
    },
    { auto: true },
  ],

  // Global setup starts one BFF per run on a free port and hands its origin over in E2E_BASE_URL.
  // eslint-disable-next-line no-empty-pattern -- Playwright fixtures must destructure their first argument
  baseURL: async ({}, use) => {
    const url = process.env.E2E_BASE_URL;
    if (!url) throw new Error('E2E_BASE_URL is not set: run through `playwright test` so that global-setup.ts starts the BFF');
    await use(url);
  },

  // eslint-disable-next-line no-empty-pattern -- Playwright fixtures must destructure their first argument
  owners: async ({}, use) => {
    await use([]);
  },

  extraContexts: async ({ consoleLog }, use) => {
    const contexts: BrowserContext[] = [];
    const push = contexts.push.bind(contexts);
    contexts.push = (...added: BrowserContext[]) => {
      added.forEach((c) => watchConsole(c, consoleLog));
      return push(...added);
    };
    await use(contexts);
    await Promise.all(contexts.map((c) => c.close().catch(() => undefined)));
  },

  signUp: async ({ page, owners }, use) => {
    await use(async (options = {}) => {
      const suffix = uniq();
      const email = `owner-${suffix}@example.com`;
      const name = options.name ?? `Owner ${suffix}`;
      const orgName = options.orgName ?? `Org ${suffix}`;
      const res = await page.request.post('/api/auth/signup', { data: { orgName, name, email, password: PASSWORD } });
      expect(res.status(), await res.text()).toBe(202);
      // Sign-up signs nobody in: the emailed link does (issue 20). No SMTP in e2e: it is in the dev mailbox.
      const token = await mailedToken(page.request, email, 'verify-email');
      const verified = await page.request.post('/api/auth/verify-email', { data: { token } });
      expect(verified.status(), await verified.text()).toBe(200);
      const info = (await verified.json()) as SessionInfo;
      const owner: Owner = {
        page,
        context: page.context(),
        api: new Api(page.context()),
        email,
        password: PASSWORD,
        name,
        role: 'owner',
        userId: info.user.id,
        orgName,
        orgId: info.org.id,
      };
      owners.push(owner);
      const landOn = options.landOn === undefined ? AI_CREDITS_PATH : options.landOn;
      if (landOn) await page.goto(landOn);
      return owner;
    });
  },

  addMember: async ({ browser, baseURL, owners, extraContexts }, use) => {
    await use(async (role = 'member', options = {}) => {
      const owner = options.owner ?? owners.at(-1);
      if (!owner) throw new Error('addMember needs an owner: call signUp() first');
      const suffix = uniq();
      const email = `${role}-${suffix}@example.com`;
      const name = options.name ?? `${role === 'admin' ? 'Admin' : 'Member'} ${suffix}`;
      const res = await owner.api.post('/api/org/invitations', { email, role });
      expect(res.status(), await res.text()).toBe(201);
      const { acceptToken } = (await res.json()) as { acceptToken: string };

      const context = await newContext(browser, baseURL!, extraContexts);
      const accepted = await context.request.post('/api/invitations/accept', { data: { token: acceptToken, name, password: PASSWORD } });
      expect(accepted.status(), await accepted.text()).toBe(200);
      const member = { userId: ((await accepted.json()) as { user: { id: string } }).user.id };
      const page = await context.newPage();
      const landOn = options.landOn === undefined ? AI_CREDITS_PATH : options.landOn;
      if (landOn) await page.goto(landOn);
      return { page, context, api: new Api(context), email, password: PASSWORD, name, role, userId: member.userId };
    });
  },

  newPage: async ({ browser, baseURL, extraContexts }, use) => {
    await use(async () => (await newContext(browser, baseURL!, extraContexts)).newPage());
  },
});

/** The newest link to `page` (verify-email, reset-password) emailed to `email`, from the dev mailbox (test mode, no SMTP). */
export async function mailedLink(request: APIRequestContext, email: string, page: 'verify-email' | 'reset-password'): Promise<string> {
  const res = await request.get(`/api/dev/mailbox?email=${encodeURIComponent(email)}`);
  expect(res.status(), await res.text()).toBe(200);
  const { emails } = (await res.json()) as { emails: { text: string }[] };
  for (const mail of emails) {
    const link = new RegExp(`https?://\\S+/${page}#token=[A-Za-z0-9_-]+`).exec(mail.text)?.[0];
    if (link) return link;
  }
  throw new Error(`no ${page} link emailed to ${email}`);
}

export async function mailedToken(request: APIRequestContext, email: string, page: 'verify-email' | 'reset-password'): Promise<string> {
  return new URL(await mailedLink(request, email, page)).hash.replace('#token=', '');
}

/** Saves a screenshot as a test attachment and under test-results/screenshots/. */
export async function saveScreenshot(page: Page, testInfo: TestInfo, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  const body = await page.screenshot({ path: file, fullPage: options.fullPage ?? true, animations: 'disabled' });
  await testInfo.attach(name, { body, contentType: 'image/png' });
}

// API helpers -------------------------------------------------------------------------

export interface CreditSummaryDto {
  balanceMc: number;
  availableMc: number;
  reservedMc: number;
  periodUsageMc: number;
  period: { start: string; end: string; timeZone: string };
  overage: { usedMc: number; limitMc: number; usedCents: number; limitCents: number };
  aiEnabled: boolean;
}

export function creditSummary(user: Pick<User, 'api'>): Promise<CreditSummaryDto> {
  return user.api.json<CreditSummaryDto>('/api/credits/summary');
}

export async function createProject(user: Pick<User, 'api'>, name = `Project ${uniq()}`): Promise<{ id: string; name: string }> {
  const res = await user.api.post('/api/projects', { name });
  expect(res.status(), await res.text()).toBe(201);
  return (await res.json()) as { id: string; name: string };
}

/** Creates an org API key (owner or admin) for the metering API; returns the token (shown once). */
export async function createApiKey(user: Pick<User, 'api'>, name = `Key ${uniq()}`): Promise<string> {
  const res = await user.api.post('/api/api-keys', { name });
  expect(res.status(), await res.text()).toBe(201);
  return ((await res.json()) as { token: string }).token;
}

export interface RecordUsage {
  useCase: 'test_generation' | 'chat' | 'report';
  model: string;
  inputTokens: number;
  outputTokens: number;
  projectId?: string | null;
  userId?: string | null;
}

/** Records a finished model call through the server-to-server metering API with an API key. */
export function meterUsage(request: APIRequestContext, token: string, body: RecordUsage, idempotencyKey = `e2e-${randomUUID()}`): Promise<APIResponse> {
  return request.post('/api/v1/metering/record', {
    headers: { authorization: `Bearer ${token}`, 'idempotency-key': idempotencyKey },
    data: body,
  });
}

// Accessibility -----------------------------------------------------------------------

const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/**
 * Runs axe on the page as it is now, once: the WCAG rules plus `landmark-unique` (a best practice,
 * moderate: landmarks with the same role and name, which a screen reader's landmark list could not
 * tell apart; issue 24 found 4 pages with them). Fails on any serious or critical violation and on
 * any duplicate landmark (all results attached).
 */
export async function expectNoSeriousA11yViolations(page: Page, testInfo: TestInfo, name: string, options: { exclude?: string[] } = {}): Promise<void> {
  // `rules` enabled by name overrides the tag filter in axe-core, so one pass covers both.
  const builder = new AxeBuilder({ page }).options({ rules: { 'landmark-unique': { enabled: true } } }).withTags(WCAG_TAGS);
  for (const selector of options.exclude ?? []) builder.exclude(selector);
  const results = await builder.analyze();
  await testInfo.attach(`axe-${name}.json`, { body: JSON.stringify(results.violations, null, 2), contentType: 'application/json' });
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical' || v.id === 'landmark-unique');
  const report = serious.map((v) => `${v.impact} ${v.id}: ${v.help}\n${v.nodes.map((n) => `    ${n.target.join(' ')} — ${n.failureSummary ?? ''}`).join('\n')}`);
  // Soft: every page of a test is checked and reported, not just the first that fails.
  expect.soft(report, `${name}: serious or critical accessibility violations`).toEqual([]);
}

/** Waits until the page has settled: no request in flight, no skeleton showing. */
export async function settle(page: Page): Promise<void> {
  await page.waitForLoadState('networkidle');
  await expect(page.locator('[aria-busy="true"]')).toHaveCount(0);
}
