import { sql } from 'kysely';
import { MODELS, USE_CASES, type UseCase } from '@ai-credits/shared/catalog';
import { mulberry32 } from '@ai-credits/shared/random';
import { TestClock } from '../lib/clock';
import type { Logger } from '../lib/logger';
import { createServices, type Services } from '../services';

export const DEMO_PASSWORD = 'password123';
export const DEMO_USERS = [
  { email: 'owner@acme.test', name: 'Olivia Owner', role: 'owner' },
  { email: 'admin@acme.test', name: 'Adam Admin', role: 'admin' },
  { email: 'member@acme.test', name: 'Mia Member', role: 'member' },
  { email: 'sam@acme.test', name: 'Sam Tester', role: 'member' },
] as const;
const PROJECTS = ['Web App', 'Mobile App', 'Payments API'];
const DAY_MS = 86_400_000;

const prng = mulberry32;

function pick<T>(rand: () => number, items: readonly (readonly [T, number])[]): T {
  const total = items.reduce((s, [, w]) => s + w, 0);
  let r = rand() * total;
  for (const [item, weight] of items) if ((r -= weight) < 0) return item;
  return items[items.length - 1]![0];
}

const TOKENS: Record<UseCase, { input: [number, number]; output: [number, number] }> = {
  test_generation: { input: [600, 2400], output: [1200, 3600] },
  chat: { input: [200, 1400], output: [150, 700] },
  report: { input: [3000, 7000], output: [1200, 2800] },
};

/**
 * Org "Acme QA" with an owner, an admin and members, 3 projects and 90 days of usage, written
 * through the real credit engine (with a clock walked through the past), so every grant,
 * rollover, purchase and ledger entry is exactly what the product would have produced.
 */
export async function seedDemo(base: Services, logger: Logger, now = new Date()): Promise<void> {
  const clock = new TestClock();
  const s = createServices({ env: base.env, db: base.db, logger, clock });
  const rand = prng(20261125);
  const start = new Date(Math.floor((now.getTime() - 90 * DAY_MS) / DAY_MS) * DAY_MS + 9 * 3600_000);

  clock.set(start);
  const [ownerSpec, ...others] = DEMO_USERS;
  const { context } = await s.accounts.signup({ orgName: 'Acme QA', name: ownerSpec.name, email: ownerSpec.email, password: DEMO_PASSWORD });
  const orgId = context.info.org.id;
  const ownerId = context.info.user.id;
  const userIds = [ownerId];
  const ownerActor = { orgId, userId: ownerId, role: 'owner' as const, apiKeyId: null };
  // Through invitations, as a real team is built: the owner invites, each person accepts.
  for (const u of others) {
    const { acceptToken } = await s.invitations.create(ownerActor, { email: u.email, role: u.role });
    const { context: joined } = await s.invitations.accept({ token: acceptToken, name: u.name, password: DEMO_PASSWORD }, null, 'seed');
    userIds.push(joined.info.user.id);
  }
  const projectIds: string[] = [];
  for (const name of PROJECTS) projectIds.push((await s.org.createProject(orgId, ownerId, name)).id);
  await s.credits.setOverageLimit(orgId, ownerId, 200);

  const models = MODELS.filter((m) => !m.demo).map((m) => [m.id, m.id === 'gpt-4o-mini' ? 55 : m.id === 'llama-3-70b' ? 20 : m.id === 'gpt-4o' ? 15 : 10] as const);
  const useCases = USE_CASES.map((u) => [u, u === 'test_generation' ? 40 : u === 'chat' ? 45 : 15] as const);
  const users = userIds.map((id, i) => [id, [2, 3, 5, 4][i] ?? 1] as const);
  const projects = projectIds.map((id, i) => [id, [5, 3, 2][i] ?? 1] as const);
  let purchases = 0;
  const owner = { orgId, userId: ownerId, role: 'owner' as const, apiKeyId: null };
  // Through the sandbox Checkout, as the owner would (order, signed payment, webhook, verify), so
  // Plans & Billing has real purchases and receipts. With live Razorpay keys, credits are granted
  // directly instead: the seed never takes real money.
  async function buy(bundleId: 'starter' | 'professional') {
    if (s.billing.gateway.mode === 'sandbox') {
      const order = await s.billing.createBundlePurchase(owner, bundleId);
      const callback = await s.billing.sandboxPay(owner, { purchaseId: order.purchaseId, outcome: 'success', method: 'card' });
      await s.billing.verifyCallback(owner, order.purchaseId, callback);
    } else {
      const amountMc = bundleId === 'starter' ? 1_000_000n : 5_500_000n;
      await s.db.transaction().execute((trx) => s.ledger.grantInTransaction(trx, orgId, { source: 'purchase', amountMc, note: 'demo seed' }));
    }
  }

  for (let day = 0; day <= 90; day++) {
    const dayStart = new Date(Math.floor(start.getTime() / DAY_MS) * DAY_MS + day * DAY_MS);
    const weekend = [0, 6].includes(dayStart.getUTCDay());
    const count = weekend ? Math.floor(rand() * 3) : 4 + Math.floor(rand() * 7);
    const times = Array.from({ length: count }, () => dayStart.getTime() + (8 * 3600 + Math.floor(rand() * 10 * 3600)) * 1000).sort();
    for (const t of times) {
      if (t >= now.getTime() || t < start.getTime()) continue;
      clock.set(new Date(t));
      const useCase = pick(rand, useCases);
      const range = TOKENS[useCase];
      const inputTokens = range.input[0] + Math.floor(rand() * (range.input[1] - range.input[0]));
      const outputTokens = range.output[0] + Math.floor(rand() * (range.output[1] - range.output[0]));
      // The owner tops up with a Starter or Professional bundle when the balance runs low
      // (a new billing month resets the balance to the allowance).
      const period = (await s.ledger.ensureCurrentPeriod(orgId)).balanceMc;
      if (period < 150_000n) {
        await buy(purchases % 3 === 2 ? 'professional' : 'starter');
        purchases++;
      }
      await s.ledger.record({
        orgId,
        userId: pick(rand, users),
        projectId: pick(rand, projects),
        apiKeyId: null,
        source: 'app',
        useCase,
        model: pick(rand, models),
        inputTokens,
        outputTokens,
      });
    }
  }
  clock.set(now);
  await s.ledger.ensureCurrentPeriod(orgId);
  logger.info({ orgId, purchases }, 'seeded the demo organization "Acme QA"');
}

export async function seedDemoIfEmpty(services: Services, logger: Logger): Promise<void> {
  const { count } = await services.db.selectFrom('organizations').select(sql<bigint>`count(*)`.as('count')).executeTakeFirstOrThrow();
  if (BigInt(count) > 0n) return;
  logger.info('empty database: seeding the demo organization "Acme QA" (first start only)...');
  const started = Date.now();
  await seedDemo(services, logger);
  logger.info(
    `Demo data ready in ${((Date.now() - started) / 1000).toFixed(1)} s. DEMO-ONLY sign-ins (password "${DEMO_PASSWORD}"): ${DEMO_USERS.map((u) => `${u.email} (${u.role})`).join(', ')}`,
  );
}
