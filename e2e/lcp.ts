// Largest Contentful Paint of the AI Credits page, in headless Chromium on localhost, after
// sign-in, against the built app. A measurement, not a test (no timed assertion).
//
//   pnpm build && pnpm --filter @ai-credits/e2e lcp   (node lcp.ts: Node 24 runs TypeScript as is)
//
// Starts the built BFF (`dist/server.js`, as `pnpm --filter @ai-credits/bff start` does) on a
// free port with a temporary DATA_DIR: the embedded database seeds the demo org. Signs in as
// owner@acme.test, then loads /settings/ai-credits LCP_RUNS times (default 10) in a fresh
// browser context each (empty HTTP cache, session cookie kept: "cold") and once more in the same
// page ("warm": assets from the cache), reading the last 'largest-contentful-paint' entry.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from '@playwright/test';

type Lcp = { ms: number; element: string | null } | null;
declare global {
  interface Window {
    __lcp: Lcp;
    /** When the summary cards and the first chart were first in the page (ms since navigation start). */
    __shown: { cards: number | null; charts: number | null };
  }
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = Number(process.env.LCP_RUNS ?? 10);
const PAGE = '/settings/ai-credits';

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });

const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const dataDir = mkdtempSync(path.join(tmpdir(), 'ai-credits-lcp-'));
const bff = spawn(process.execPath, ['--enable-source-maps', 'dist/server.js'], {
  cwd: path.join(root, 'bff'),
  stdio: ['ignore', 'ignore', 'inherit'],
  env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'DATABASE_URL')), PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
});

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
});

// The last LCP candidate of the page (the observer keeps them; the last one is the LCP).
const observeLcp = () => {
  window.__lcp = null;
  new PerformanceObserver((list) => {
    const entries = list.getEntries();
    const last = entries[entries.length - 1] as PerformanceEntry & { element?: Element | null };
    window.__lcp = { ms: last.startTime, element: last.element ? `${last.element.tagName.toLowerCase()}${last.element.className ? '.' + String(last.element.className).split(' ')[0] : ''}` : null };
  }).observe({ type: 'largest-contentful-paint', buffered: true });
  // Issue 24: when the answers (the cards) and the charts are on screen, not only the LCP.
  window.__shown = { cards: null, charts: null };
  new MutationObserver(() => {
    const shown = window.__shown;
    if (shown.cards === null && document.querySelector('section.stat-card')) shown.cards = performance.now();
    if (shown.charts === null && document.querySelector('svg.recharts-surface')) shown.charts = performance.now();
  }).observe(document, { childList: true, subtree: true });
};

async function lcpOf(page: Page): Promise<{ ms: number; element: string | null }> {
  await page.waitForLoadState('networkidle');
  // LCP is final once the page is idle; a frame later every candidate has been reported.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 100))));
  const lcp = await page.evaluate(() => window.__lcp);
  if (!lcp) throw new Error('no largest-contentful-paint entry');
  return lcp;
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)]!, p95: s[Math.min(s.length - 1, Math.floor(s.length * 0.95))]!, min: s[0]!, max: s.at(-1)! };
};

try {
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/api/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (i > 300) throw new Error('the BFF did not become healthy in 60 s');
    await new Promise((r) => setTimeout(r, 200));
  }
  const signIn = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US', timezoneId: 'UTC' });
  const login = await signIn.newPage();
  await login.goto(`${base}/login`);
  await login.getByLabel('Email').fill('owner@acme.test');
  await login.getByLabel('Password').fill('password123');
  await login.getByRole('button', { name: 'Sign in' }).click();
  await login.waitForURL(`**${PAGE}`);
  const storageState = await signIn.storageState();
  await signIn.close();

  const cold: number[] = [];
  const warm: number[] = [];
  const cardsCold: number[] = [];
  const chartsCold: number[] = [];
  let element: string | null = null;
  for (let i = 0; i < RUNS; i++) {
    const context = await browser.newContext({ storageState, viewport: { width: 1280, height: 800 }, locale: 'en-US', timezoneId: 'UTC' });
    await context.addInitScript(observeLcp);
    const page = await context.newPage();
    await page.goto(`${base}${PAGE}`);
    const first = await lcpOf(page);
    cold.push(first.ms);
    element = first.element;
    const shown = await page.evaluate(() => window.__shown);
    if (shown.cards === null || shown.charts === null) throw new Error(`cards or charts never shown: ${JSON.stringify(shown)}`);
    cardsCold.push(shown.cards);
    chartsCold.push(shown.charts);
    await page.reload();
    warm.push((await lcpOf(page)).ms);
    await context.close();
  }
  const f = (s: ReturnType<typeof stats>) => `median ${s.median.toFixed(0)} ms, p95 ${s.p95.toFixed(0)} ms (min ${s.min.toFixed(0)}, max ${s.max.toFixed(0)})`;
  console.log(`LCP of ${PAGE}, signed in, ${RUNS} runs; LCP element: ${element}`);
  console.log(`  cold (empty cache): ${f(stats(cold))}`);
  console.log(`  warm (reload):      ${f(stats(warm))}`);
  console.log(`  cold: cards shown  ${f(stats(cardsCold))}`);
  console.log(`  cold: charts shown ${f(stats(chartsCold))}`);
} finally {
  await browser.close();
  if (bff.exitCode === null) {
    bff.kill('SIGTERM');
    await new Promise((r) => bff.once('exit', r));
  }
  rmSync(dataDir, { recursive: true, force: true });
}
