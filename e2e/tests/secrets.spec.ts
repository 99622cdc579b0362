import { test, expect } from '../fixtures';

// The names of the secrets (the sandbox's own are random per installation, in the database).
const FORBIDDEN = [
  'RAZORPAY_KEY_SECRET',
  'RAZORPAY_WEBHOOK_SECRET',
  'SANDBOX_KEY_SECRET',
  'SANDBOX_WEBHOOK_SECRET',
];

test('no key secret or webhook secret is in any JavaScript the SPA serves', async ({ request }) => {
  const index = await (await request.get('/')).text();
  const queue = [...index.matchAll(/(?:src|href)="(\/assets\/[^"]+\.js)"/g)].map((m) => m[1]!);
  const seen = new Set<string>();
  while (queue.length) {
    const path = queue.shift()!;
    if (seen.has(path)) continue;
    seen.add(path);
    const res = await request.get(path);
    expect(res.status(), path).toBe(200);
    const js = await res.text();
    for (const secret of FORBIDDEN) expect(js.includes(secret), `${secret} in ${path}`).toBe(false);
    // follow the chunks it imports, lazy ones included
    for (const m of js.matchAll(/["'`](?:\.\/|\/assets\/|assets\/)([\w.-]+\.js)["'`]/g)) queue.push(`/assets/${m[1]}`);
  }
  // the crawl reached the lazy chunks too (charts, AI pages), not just the entry
  expect(seen.size).toBeGreaterThan(10);
});
