import { HttpResponse } from 'msw';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orgContract } from '@ai-credits/shared/contracts/org';
import { createPostgresDb, type Db } from '../../src/db/db';
import { buildBff, exitOf, startBff } from '../support/bff-process';
import { startFakeOpenAi } from '../support/fake-openai';
import { scratchDatabase } from '../support/fault-helpers';
import { createOrg, uniq, type TestApp } from '../support/harness';
import { expectOrgInvariants } from '../support/ledger-assertions';
import { openChatStream, readAll } from '../support/sse';

/**
 * SIGTERM during a streamed answer (ADR 026), on the real built process: the stream is stopped
 * before the shutdown deadline, settled for what was sent, its client gets `done` (stopped),
 * and the process exits 0 only after the charge is committed.
 */
let scratch: Awaited<ReturnType<typeof scratchDatabase>>;
let db: Db;
let fake: Awaited<ReturnType<typeof startFakeOpenAi>>;
const encoder = new TextEncoder();
const chunk = (content: string) => `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content } }] })}\n\n`;

beforeAll(async () => {
  buildBff();
  scratch = await scratchDatabase();
  db = createPostgresDb(scratch.url, 2);
  // Three chunks, then the provider keeps the answer open (a long answer still being written).
  fake = await startFakeOpenAi(
    () =>
      new HttpResponse(
        new ReadableStream<Uint8Array>({
          start(controller) {
            for (const text of ['Drained', ' before', ' exit.']) controller.enqueue(encoder.encode(chunk(text)));
          },
        }),
        { headers: { 'content-type': 'text/event-stream' } },
      ),
  );
}, 120_000);
afterAll(async () => {
  await fake?.close();
  await db?.destroy();
  await scratch?.drop();
});

describe('SIGTERM during a streamed answer', () => {
  it('stops the stream before the deadline, charges what was sent, answers done, then exits 0', async () => {
    const bff = await startBff(scratch.url, { AI_BASE_URL: fake.baseUrl, AI_MODEL: 'gpt-4o-mini', AI_API_KEY: 'sk-test', AI_TIMEOUT_MS: '60000', SHUTDOWN_TIMEOUT_MS: '3000' });
    try {
      const org = await createOrg({ baseUrl: bff.baseUrl } as TestApp);
      const project = (await org.owner.call(orgContract.createProject, { body: { name: uniq('Project ') } })).data;
      const stream = await openChatStream(org.member, { projectId: project.id, message: 'Write a long answer' }, uniq('key-'));
      // start + the three chunks (read one by one: leaving a for-await would close the stream)
      const seen = [];
      for (let i = 0; i < 4; i += 1) seen.push((await stream.events!.next()).value);
      expect(seen.map((e) => e?.event)).toEqual(['start', 'delta', 'delta', 'delta']);
      const signalledAt = Date.now();
      bff.signal('SIGTERM');
      const rest = await readAll(stream.events!).catch((error: unknown) => {
        throw new Error(`the stream broke: ${String(error)}\n${bff.log()}`);
      });
      expect(Date.now() - signalledAt).toBeLessThan(3_000);
      expect(rest.map((e) => e.event), bff.log()).toEqual(['done']);
      expect(rest[0]!.data.reply).toMatchObject({ content: 'Drained before exit.', stopped: true });
      expect(rest[0]!.data.run.outputTokens).toBe(4);
      expect(await exitOf(bff)).toEqual({ code: 0, signal: null });
      const usage = await db.selectFrom('usage_records').select(['output_tokens']).where('org_id', '=', org.orgId).execute();
      expect(usage.map((u) => Number(u.output_tokens))).toEqual([4]);
      await expectOrgInvariants(db, org.orgId, new Date());
    } finally {
      bff.signal('SIGKILL');
    }
  }, 60_000);
});
