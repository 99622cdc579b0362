import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { creditsContract } from '@ai-credits/shared/contracts/credits';
import { orgContract } from '@ai-credits/shared/contracts/org';
import { createOrg, startApp, type TestApp } from './support/harness';

let app: TestApp;
beforeAll(async () => {
  app = await startApp();
});
afterAll(() => app.close());

describe('permissions are enforced by the BFF', () => {
  it('members and admins get 403 on owner-only routes, and nothing changes', async () => {
    const { owner, admin, member } = await createOrg(app);
    for (const client of [admin, member]) {
      const ai = await client.call(creditsContract.setAiEnabled, { body: { enabled: false } });
      expect(ai.status).toBe(403);
      expect(ai.body.error.code).toBe('FORBIDDEN');
      expect((await client.call(creditsContract.setOverageLimit, { body: { limitCredits: 1000 } })).status).toBe(403);
      expect((await client.call(orgContract.createInvitation, { body: { email: 'x@example.test', role: 'admin' } })).status).toBe(403);
    }
    expect((await member.call(orgContract.createProject, { body: { name: 'Nope' } })).status).toBe(403);
    expect((await member.call(orgContract.auditLog)).status).toBe(403);
    const summary = (await owner.call(creditsContract.summary)).body;
    expect(summary).toMatchObject({ aiEnabled: true, overage: { limitMc: 0 } });
    expect((await owner.call(orgContract.listMembers)).body.members).toHaveLength(3);
  });

  it('every role can read the dashboard, history and charts of its org', async () => {
    const { member, admin } = await createOrg(app);
    for (const client of [member, admin]) {
      expect((await client.call(creditsContract.summary)).status).toBe(200);
      expect((await client.call(creditsContract.usage)).status).toBe(200);
      expect((await client.call(creditsContract.charts)).status).toBe(200);
      expect((await client.call(creditsContract.usageCsv)).status).toBe(200);
    }
  });

  it('the owner toggle and limit are audited', async () => {
    const { owner, admin } = await createOrg(app);
    await owner.call(creditsContract.setOverageLimit, { body: { limitCredits: 250 } });
    await owner.call(creditsContract.setAiEnabled, { body: { enabled: false } });
    const log = await admin.call(orgContract.auditLog);
    expect(log.status).toBe(200);
    expect(log.body.entries.slice(0, 2)).toMatchObject([
      { action: 'ai.toggled', from: { enabled: true }, to: { enabled: false }, actor: { id: owner.session!.user.id } },
      { action: 'overage_limit.changed', from: { limitCredits: 0 }, to: { limitCredits: 250 } },
    ]);
  });

  it('a user of org A gets 404 for anything of org B', async () => {
    const a = await createOrg(app);
    const b = await createOrg(app);
    const bMember = b.member.session!.user.id;
    const patch = await a.owner.call(orgContract.changeRole, { params: { userId: bMember }, body: { role: 'admin' } });
    expect(patch.status).toBe(404);
    expect((await a.owner.call(orgContract.removeMember, { params: { userId: bMember } })).status).toBe(404);
    expect((await b.owner.call(orgContract.listMembers)).body.members.find((m: { userId: string }) => m.userId === bMember).role).toBe('member');
    // filtering A's history by B's user or project shows nothing of B
    const project = await b.owner.call(orgContract.createProject, { body: { name: 'Secret' } });
    const filtered = await a.owner.call(creditsContract.usage, { query: { projectId: project.body.id } });
    expect(filtered.body).toEqual({ items: [], nextCursor: null, totals: { count: 0, chargedMc: 0 } });
  });

  it('without a session every API route answers 401', async () => {
    const res = await fetch(`${app.baseUrl}/api/credits/summary`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: { code: 'UNAUTHENTICATED', message: 'Sign in first' } });
  });
});
