import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findModel } from '@ai-credits/shared/catalog';
import { aiContract } from '@ai-credits/shared/contracts/ai';
import { creditsContract } from '@ai-credits/shared/contracts/credits';
import { orgContract } from '@ai-credits/shared/contracts/org';
import { TestClock } from '../../src/lib/clock';
import { scratchDatabase, waitFor } from '../support/fault-helpers';
import { createOrg, startApp, uniq, type Client, type TestApp } from '../support/harness';
import { expectOrgInvariants } from '../support/ledger-assertions';

// Issue 9 fault 4: an AI answer whose content could not be saved was charged anyway (500), and
// the retry with the same Idempotency-Key answered 422 for ever. Now the charge and the content
// (and the click's idempotency record) commit in one transaction, or neither does.
// Own database: the faults are injected with a trigger and by terminating backends.
let scratch: Awaited<ReturnType<typeof scratchDatabase>>;
let app: TestApp;
let admin: pg.Client;
const clock = new TestClock();
beforeAll(async () => {
  clock.follow(new Date());
  scratch = await scratchDatabase();
  app = await startApp({ clock, databaseUrl: scratch.url, poolMax: 10 });
  admin = new pg.Client({ connectionString: scratch.url });
  await admin.connect();
  // The save fails (or hangs) for a message that asks for it: a fault injected into the very
  // statement that stores the content, after the charge in the same request.
  await admin.query(`
    create function inject_save_fault() returns trigger language plpgsql as $$
    begin
      if new.content like '%FAIL-THE-SAVE%' then raise exception 'injected: the content could not be saved'; end if;
      if new.content like '%HANG-THE-SAVE%' then perform pg_sleep(60); end if;
      return new;
    end $$;
    create trigger inject_save_fault before insert on ai_messages for each row execute function inject_save_fault();`);
});
afterAll(async () => {
  await admin?.end();
  await app?.close();
  await scratch?.drop();
});

async function setup() {
  const org = await createOrg(app);
  const project = (await org.owner.call(orgContract.createProject, { body: { name: uniq('Project ') } })).data;
  return { ...org, project };
}

const balance = async (client: Client) => ((await client.call(creditsContract.summary)).data).balanceMc;
const usageRows = (orgId: string) => app.db.selectFrom('usage_records').select(['id', 'idempotency_key']).where('org_id', '=', orgId).execute();
const openReservations = (orgId: string) => app.db.selectFrom('reservations').select('id').where('org_id', '=', orgId).where('status', '=', 'open').execute();

describe('an AI answer that cannot be saved is not charged', () => {
  it('a NUL byte in the prompt is refused with 400 before anything is reserved or charged', async () => {
    const { orgId, member, project } = await setup();
    const before = await balance(member);
    const chat = await member.call(aiContract.chat, { body: { projectId: project.id, message: 'What does\u0000this cover?' }, headers: { 'idempotency-key': `k-${randomUUID()}` } });
    expect(chat.status).toBe(400);
    expect(chat.body.error.code).toBe('VALIDATION_FAILED');
    const generate = await member.call(aiContract.generateTestCases, {
      body: { projectId: project.id, requirement: 'A saved cart\u0000survives sign-out.' },
      headers: { 'idempotency-key': `k-${randomUUID()}` },
    });
    expect(generate.status).toBe(400);
    expect(await balance(member)).toBe(before);
    expect(await usageRows(orgId)).toEqual([]);
    expect(await app.db.selectFrom('reservations').select('id').where('org_id', '=', orgId).execute()).toEqual([]);
    await expectOrgInvariants(app.db, orgId, clock.now());
  });

  it('a save that fails rolls the charge back and releases the hold; the retry with the same key runs again and is charged once', async () => {
    const { orgId, member, project } = await setup();
    const before = await balance(member);
    const key = `k-${randomUUID()}`;
    const body = { projectId: project.id, message: 'Please summarise the checkout tests. FAIL-THE-SAVE' };

    const failed = await member.call(aiContract.chat, { body, headers: { 'idempotency-key': key } });
    expect(failed.status).toBe(500);
    expect(await balance(member)).toBe(before);
    expect(await usageRows(orgId)).toEqual([]);
    expect(await openReservations(orgId)).toEqual([]);

    // The fault is gone (the trigger only matches the marker): the same click, retried, runs again.
    await admin.query(`alter table ai_messages disable trigger inject_save_fault`);
    try {
      const retried = await member.call(aiContract.chat, { body, headers: { 'idempotency-key': key } });
      expect(retried.status).toBe(201);
      expect(retried.body.reply.content).toEqual(expect.any(String));
      const again = await member.call(aiContract.chat, { body, headers: { 'idempotency-key': key } });
      expect(again.body).toEqual(retried.body); // the first result, no second charge
    } finally {
      await admin.query(`alter table ai_messages enable trigger inject_save_fault`);
    }
    expect(await usageRows(orgId)).toEqual([expect.objectContaining({ idempotency_key: `app:${key}` })]);
    expect(await balance(member)).toBeLessThan(before);
    await expectOrgInvariants(app.db, orgId, clock.now());
  });

  it('the connection dies while the content is being saved: 503, nothing charged, the retry succeeds', async () => {
    const { orgId, member, project } = await setup();
    const before = await balance(member);
    const key = `k-${randomUUID()}`;
    const body = { projectId: project.id, message: 'Which areas lack tests? HANG-THE-SAVE' };

    const pending = member.call(aiContract.chat, { body, headers: { 'idempotency-key': key } });
    // The process (or its connection) dies between charging and saving: from PostgreSQL's side
    // the transaction that holds the charge just ends without a commit.
    let pid = 0;
    await waitFor('the save to hang', async () => {
      const { rows } = await admin.query<{ pid: number }>(`select pid from pg_stat_activity where datname = current_database() and wait_event = 'PgSleep'`);
      pid = rows[0]?.pid ?? 0;
      return pid !== 0;
    });
    await admin.query('select pg_terminate_backend($1)', [pid]);
    const died = await pending;
    expect(died.status).toBe(503);
    expect(died.body.error.code).toBe('DATABASE_UNAVAILABLE');
    expect(await balance(member)).toBe(before);
    expect(await usageRows(orgId)).toEqual([]);

    await admin.query(`alter table ai_messages disable trigger inject_save_fault`);
    try {
      const retried = await member.call(aiContract.chat, { body, headers: { 'idempotency-key': key } });
      expect(retried.status).toBe(201);
    } finally {
      await admin.query(`alter table ai_messages enable trigger inject_save_fault`);
    }
    expect(await usageRows(orgId)).toHaveLength(1);
    expect(await openReservations(orgId)).toEqual([]);
    await expectOrgInvariants(app.db, orgId, clock.now());
  });

  it('a model answer with NUL characters is saved without them and charged once', async () => {
    const gpt = findModel('gpt-4o-mini')!;
    const cases = { testCases: [{ area: 'Check\u0000out', title: 'Saved cart\u0000 survives sign-out', preconditions: 'Two items', steps: ['Sign out\u0000', 'Sign in'], expectedResult: 'Both items are there' }] };
    const nulModel = await startApp({
      clock,
      databaseUrl: scratch.url,
      overrides: {
        modelProvider: {
          model: gpt,
          // A JSON \u0000 escape in the test cases, a raw NUL in the chat reply.
          complete: async ({ task }) => ({ text: task === 'chat' ? 'Checkout\u0000 is covered.' : JSON.stringify(cases), inputTokens: 50, outputTokens: 40 }),
          async *stream() {
            yield { type: 'text', text: 'Checkout\u0000 is' };
            yield { type: 'text', text: ' covered.' };
            yield { type: 'usage', inputTokens: 50, outputTokens: 40 };
          },
        },
      },
    });
    try {
      const org = await createOrg(nulModel);
      const project = (await org.owner.call(orgContract.createProject, { body: { name: uniq('Project ') } })).data;
      const generated = await org.member.call(aiContract.generateTestCases, { body: { projectId: project.id, requirement: 'A saved cart survives sign-out.' }, headers: { 'idempotency-key': `k-${randomUUID()}` } });
      expect(generated.status).toBe(201);
      expect(generated.body.generation.testCases[0]).toMatchObject({ area: 'Checkout', title: 'Saved cart survives sign-out', steps: ['Sign out', 'Sign in'] });
      const chat = await org.member.call(aiContract.chat, { body: { projectId: project.id, message: 'Is checkout covered?' }, headers: { 'idempotency-key': `k-${randomUUID()}` } });
      expect(chat.status).toBe(201);
      expect(chat.body.reply.content).toBe('Checkout is covered.');
      expect(await usageRows(org.orgId)).toHaveLength(2);
      await expectOrgInvariants(app.db, org.orgId, clock.now());
    } finally {
      await nulModel.close();
    }
  });
});
