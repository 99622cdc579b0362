import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aiContract } from '@ai-credits/shared/contracts/ai';
import { apiKeysContract } from '@ai-credits/shared/contracts/api-keys';
import { creditsContract } from '@ai-credits/shared/contracts/credits';
import { meteringContract } from '@ai-credits/shared/contracts/metering';
import { orgContract } from '@ai-credits/shared/contracts/org';
import { createOrg, startApp, uniq, type Client, type TestApp } from './support/harness';

const REQUIREMENT = [
  'As a shopper, I want to save my cart so that I can finish the purchase later.',
  'The password must be at least 8 characters.',
  'Guests cannot apply a coupon at checkout.',
  'An order confirmation email is sent within 5 minutes.',
].join('\n');

let app: TestApp;
beforeAll(async () => {
  app = await startApp({ poolMax: 25 });
});
afterAll(async () => {
  await app.close();
});

/** `name`: a fixed one where the test pins token counts (the project's name is in the prompt). */
async function newProject(client: Client, name = uniq('Project ')) {
  const res = await client.call(orgContract.createProject, { body: { name } });
  expect(res.status).toBe(201);
  return res.data;
}

async function summary(client: Client) {
  const res = await client.call(creditsContract.summary);
  expect(res.status).toBe(200);
  return res.data;
}

/** credit_accounts.balance_mc must equal the sum of the org's ledger entries. */
async function expectLedgerConsistent(orgId: string) {
  const { rows } = await sql<{ balance: string; sum: string }>`
    select a.balance_mc::text as balance, coalesce((select sum(amount_mc) from ledger_entries l where l.org_id = a.org_id), 0)::text as sum
    from credit_accounts a where a.org_id = ${orgId}`.execute(app.db);
  expect(rows[0]!.balance).toBe(rows[0]!.sum);
  return BigInt(rows[0]!.balance);
}

const key = () => `click-${randomUUID()}`;
/** The demo model's answer to REQUIREMENT for project "Webshop" is deterministic: its test cases as JSON are 702 tokens. */
const OUTPUT_TOKENS = 702;
/** 163 input tokens at 500 mc per 1k, rounded up (82), plus 702 output tokens at 1,500 mc per 1k (1,053). */
const CHARGED_MC = 1_135;

describe('test case generation with the demo model', () => {
  it('charges exactly what its tokens cost at the demo rate, saves the cases and records the usage', async () => {
    const { owner, member } = await createOrg(app);
    const project = await newProject(owner, 'Webshop');
    const before = await summary(member);

    const res = await member.call(aiContract.generateTestCases, { body: { projectId: project.id, requirement: REQUIREMENT }, headers: { 'idempotency-key': key() } });
    expect(res.status).toBe(201);
    const { generation, run } = res.body;

    // Honest token counts, counted by hand with the documented tokenizer (tokenizer.ts: a run of
    // letters/digits is one token, any other non-space character one): the system prompt is 101
    // tokens, "Project: Webshop\nRequirement:\n" + REQUIREMENT is 51, plus 4 per message and 3
    // for the reply = 163. The answer (the saved test cases as JSON) is OUTPUT_TOKENS.
    expect(run.model).toBe('demo-model');
    expect(run.demo).toBe(true);
    expect(run.inputTokens).toBe(163);
    expect(run.outputTokens).toBe(OUTPUT_TOKENS);
    // The demo model's rates: 500 mc per 1k input tokens, 1,500 per 1k output, each rounded up.
    expect(run.chargedMc).toBe(CHARGED_MC);
    expect(run.balance.balanceMc).toBe(before.balanceMc - run.chargedMc);

    // Useful-looking, derived from the requirement's sentences.
    const titles = generation.testCases.map((t: { title: string }) => t.title);
    expect(titles).toContain('Shopper can save their cart');
    expect(titles.some((t: string) => t.startsWith('Boundary values around 8'))).toBe(true);
    expect(titles.some((t: string) => t.startsWith('Enforces: guests cannot apply a coupon'))).toBe(true);
    for (const t of generation.testCases) {
      expect(t.steps.length).toBeGreaterThan(0);
      expect(t.expectedResult).not.toBe('');
      expect(t.projectId).toBe(project.id);
    }

    const after = await summary(member);
    expect(after.balanceMc).toBe(before.balanceMc - run.chargedMc);
    expect(after.reservedMc).toBe(0);

    const usage = await owner.call(creditsContract.usage, { query: { useCase: 'test_generation' } });
    expect(usage.status).toBe(200);
    expect(usage.body.items).toHaveLength(1);
    expect(usage.body.items[0]).toMatchObject({
      useCase: 'test_generation',
      model: 'demo-model',
      inputTokens: run.inputTokens,
      outputTokens: run.outputTokens,
      chargedMc: run.chargedMc,
      project: { id: project.id, name: project.name },
      user: { id: member.session!.user.id },
      source: 'app',
    });

    const list = await member.call(aiContract.listTestCases, { query: { projectId: project.id } });
    expect(list.status).toBe(200);
    expect(list.body.generations).toEqual([generation]);
    await expectLedgerConsistent(member.session!.org.id);
  });

  it('the estimate is what gets reserved and covers the real cost', async () => {
    const { member, owner } = await createOrg(app);
    const project = await newProject(owner);
    const est = await member.call(aiContract.estimate, { body: { useCase: 'test_generation', projectId: project.id, requirement: REQUIREMENT } });
    expect(est.status).toBe(200);
    expect(est.body).toMatchObject({ useCase: 'test_generation', model: 'demo-model', demo: true, aiEnabled: true, canRun: true, balanceMc: 300_000, availableMc: 300_000 });
    expect(est.body.expectedMc).toBeLessThanOrEqual(est.body.maxMc);
    const res = await member.call(aiContract.generateTestCases, { body: { projectId: project.id, requirement: REQUIREMENT } });
    expect(res.status).toBe(201);
    expect(res.body.run.chargedMc).toBeLessThanOrEqual(est.body.maxMc);
  });

  it('the same Idempotency-Key twice has one effect and returns the first result; another request with it is refused', async () => {
    const { member, owner } = await createOrg(app);
    const project = await newProject(owner);
    const headers = { 'idempotency-key': key() };
    const body = { projectId: project.id, requirement: REQUIREMENT };
    const first = await member.call(aiContract.generateTestCases, { body, headers });
    const second = await member.call(aiContract.generateTestCases, { body, headers });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    const after = await summary(member);
    expect(after.balanceMc).toBe(300_000 - first.body.run.chargedMc);
    const list = await member.call(aiContract.listTestCases, { query: { projectId: project.id } });
    expect(list.body.generations).toHaveLength(1);

    const other = await member.call(aiContract.generateTestCases, { body: { ...body, requirement: 'Something else entirely, as a longer story.' }, headers });
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('a project of another org is not found, and nothing is charged', async () => {
    const a = await createOrg(app);
    const b = await createOrg(app);
    const projectOfB = await newProject(b.owner);
    const res = await a.member.call(aiContract.generateTestCases, { body: { projectId: projectOfB.id, requirement: REQUIREMENT } });
    expect(res.status).toBe(404);
    expect((await summary(a.member)).balanceMc).toBe(300_000);
    const list = await a.member.call(aiContract.listTestCases, { query: { projectId: projectOfB.id } });
    expect(list.status).toBe(404);
  });

  it('concurrent generations never overdraw: 20 at once with credits for about 5', async () => {
    const { owner, member, orgId } = await createOrg(app);
    const project = await newProject(owner);
    const est = await member.call(aiContract.estimate, { body: { useCase: 'test_generation', projectId: project.id, requirement: REQUIREMENT } });
    const maxMc: number = est.body.maxMc;

    // Spend the balance down to ~5.5 reservations through the metering API.
    const created = await owner.call(apiKeysContract.create, { body: { name: 'burner' } });
    const burn = 300_000 - Math.floor(5.5 * maxMc);
    const burnRes = await fetch(app.baseUrl + meteringContract.record.path, {
      method: 'POST',
      headers: { authorization: `Bearer ${created.body.token}`, 'content-type': 'application/json', 'idempotency-key': key() },
      body: JSON.stringify({ useCase: 'chat', model: 'demo-model', inputTokens: burn * 2, outputTokens: 0 }),
    });
    expect(burnRes.status).toBe(200);
    const start = await summary(member);
    expect(start.balanceMc).toBe(300_000 - burn);

    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        member.call(aiContract.generateTestCases, { body: { projectId: project.id, requirement: REQUIREMENT }, headers: { 'idempotency-key': key() } }),
      ),
    );
    const ok = results.filter((r) => r.status === 201);
    const refused = results.filter((r) => r.status !== 201);
    expect(ok.length).toBeGreaterThanOrEqual(5);
    expect(ok.length).toBeLessThan(20);
    for (const r of refused) {
      expect(r.status).toBe(402);
      expect(r.body.error.code).toBe('INSUFFICIENT_CREDITS');
    }
    const spent = ok.reduce((sum, r) => sum + (r.body.run.chargedMc as number), 0);
    const end = await summary(member);
    expect(end.balanceMc).toBe(start.balanceMc - spent);
    expect(end.balanceMc).toBeGreaterThanOrEqual(0);
    expect(end.reservedMc).toBe(0);
    expect(await expectLedgerConsistent(orgId)).toBe(BigInt(end.balanceMc));
    const list = await member.call(aiContract.listTestCases, { query: { projectId: project.id } });
    expect(list.body.generations).toHaveLength(ok.length);
  });
});

describe('chat and reports', () => {
  it('keeps a conversation per user and project, each message metered', async () => {
    const { owner, member } = await createOrg(app);
    const project = await newProject(owner, 'Webshop');
    const first = await member.call(aiContract.chat, { body: { projectId: project.id, message: 'How should I pick boundary values for the coupon field?' } });
    expect(first.status).toBe(201);
    expect(first.body.reply.role).toBe('assistant');
    expect(first.body.reply.model).toBe('demo-model');
    expect(first.body.reply.content).toContain('boundary');
    // Counted by hand: the system prompt naming "Webshop" (0 saved test cases) is 40 tokens, the
    // message 11, plus 4 per message and 3 for the reply.
    expect(first.body.run.inputTokens).toBe(62);
    const conversationId = first.body.conversation.id;

    const second = await member.call(aiContract.chat, { body: { projectId: project.id, conversationId, message: 'And how do I report a bug I found?' } });
    expect(second.status).toBe(201);
    expect(second.body.conversation.id).toBe(conversationId);
    expect(second.body.reply.content).toContain('Following up');

    const convo = await member.call(aiContract.getConversation, { params: { conversationId } });
    expect(convo.status).toBe(200);
    expect(convo.body.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    const list = await member.call(aiContract.listConversations, { query: { projectId: project.id } });
    expect(list.body.conversations).toHaveLength(1);

    // Another user's conversation is not theirs to read or continue.
    expect((await owner.call(aiContract.getConversation, { params: { conversationId } })).status).toBe(404);
    expect((await owner.call(aiContract.listConversations, { query: { projectId: project.id } })).body.conversations).toHaveLength(0);
    const hijack = await owner.call(aiContract.chat, { body: { projectId: project.id, conversationId, message: 'hello' } });
    expect(hijack.status).toBe(404);

    const total = first.body.run.chargedMc + second.body.run.chargedMc;
    expect((await summary(member)).balanceMc).toBe(300_000 - total);
  });

  it('writes a coverage report over the project test cases', async () => {
    const { owner, member } = await createOrg(app);
    const project = await newProject(owner);
    const empty = await member.call(aiContract.createReport, { body: { projectId: project.id } });
    expect(empty.status).toBe(409);
    expect((await summary(member)).balanceMc).toBe(300_000);

    const gen = await member.call(aiContract.generateTestCases, { body: { projectId: project.id, requirement: REQUIREMENT } });
    const count = gen.body.generation.testCases.length;
    const res = await member.call(aiContract.createReport, { body: { projectId: project.id } });
    expect(res.status).toBe(201);
    const { report } = res.body;
    expect(report.testCaseCount).toBe(count);
    expect(report.coverage.reduce((s: number, c: { testCaseCount: number }) => s + c.testCaseCount, 0)).toBe(count);
    expect(report.summary).toContain(`${count} test cases`);
    expect(report.gaps.length).toBeGreaterThan(0);
    const list = await owner.call(aiContract.listReports, { query: { projectId: project.id } });
    expect(list.body.reports).toEqual([report]);
  });
});

describe('AI turned off', () => {
  it('refuses new content with 403 AI_DISABLED, charges nothing, and earlier content stays readable', async () => {
    const { owner, member, orgId } = await createOrg(app);
    const project = await newProject(owner);
    const gen = await member.call(aiContract.generateTestCases, { body: { projectId: project.id, requirement: REQUIREMENT } });
    const chat = await member.call(aiContract.chat, { body: { projectId: project.id, message: 'What should I test first?' } });
    const report = await member.call(aiContract.createReport, { body: { projectId: project.id } });
    expect([gen.status, chat.status, report.status]).toEqual([201, 201, 201]);

    expect((await owner.call(creditsContract.setAiEnabled, { body: { enabled: false } })).status).toBe(200);
    const before = await summary(member);

    const refused = await Promise.all([
      member.call(aiContract.generateTestCases, { body: { projectId: project.id, requirement: REQUIREMENT } }),
      member.call(aiContract.chat, { body: { projectId: project.id, conversationId: chat.body.conversation.id, message: 'Still there?' } }),
      member.call(aiContract.createReport, { body: { projectId: project.id } }),
    ]);
    for (const r of refused) {
      expect(r.status).toBe(403);
      expect(r.body.error.code).toBe('AI_DISABLED');
    }
    const est = await member.call(aiContract.estimate, { body: { useCase: 'report', projectId: project.id } });
    expect(est.body).toMatchObject({ aiEnabled: false, canRun: false });
    expect((await summary(member)).balanceMc).toBe(before.balanceMc);
    await expectLedgerConsistent(orgId);

    const tests = await member.call(aiContract.listTestCases, { query: { projectId: project.id } });
    expect(tests.status).toBe(200);
    expect(tests.body.generations).toEqual([gen.body.generation]);
    const convos = await member.call(aiContract.listConversations, { query: { projectId: project.id } });
    expect(convos.status).toBe(200);
    expect(convos.body.conversations.map((c: { id: string }) => c.id)).toEqual([chat.body.conversation.id]);
    const projects = await member.call(orgContract.listProjects);
    expect(projects.status).toBe(200);
    const convo = await member.call(aiContract.getConversation, { params: { conversationId: chat.body.conversation.id } });
    expect(convo.status).toBe(200);
    expect(convo.body.messages).toHaveLength(2);
    const reports = await member.call(aiContract.listReports, { query: { projectId: project.id } });
    expect(reports.body.reports).toEqual([report.body.report]);
  });
});

describe('model configuration', () => {
  it('refuses to start with a model that is not in the catalog', async () => {
    await expect(startApp({ env: { AI_BASE_URL: 'https://llm.test/v1', AI_MODEL: 'mystery-model-9000' } })).rejects.toThrow(/not in the model catalog/);
  });
});
