import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aiContract } from '@ai-credits/shared/contracts/ai';
import { apiKeysContract } from '@ai-credits/shared/contracts/api-keys';
import { creditsContract } from '@ai-credits/shared/contracts/credits';
import { meteringContract } from '@ai-credits/shared/contracts/metering';
import { orgContract } from '@ai-credits/shared/contracts/org';
import { createOrg, startApp, uniq, type TestApp } from './support/harness';
import { orgState } from './support/org-state';

// Issue 11, item 1 (projects): create, rename, archive; archived projects keep their history and
// take no new usage; every change in the audit log, which owners and admins read filtered by action.
let app: TestApp;
beforeAll(async () => {
  app = await startApp();
});
afterAll(() => app.close());

describe('projects', () => {
  it('owner and admin create, rename, archive and restore; members read the list only', async () => {
    const { owner, admin, member } = await createOrg(app);
    const created = await admin.call(orgContract.createProject, { body: { name: 'Checkout' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Checkout', archivedAt: null });
    const id = created.body.id as string;

    const renamed = await owner.call(orgContract.updateProject, { params: { projectId: id }, body: { name: 'Checkout web' } });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ id, name: 'Checkout web', archivedAt: null });

    const archived = await admin.call(orgContract.updateProject, { params: { projectId: id }, body: { archived: true } });
    expect(archived.status).toBe(200);
    expect(archived.body.archivedAt).toMatch(/^\d{4}-/);
    // Still listed (with its archive date): its history stays.
    const list = await member.call(orgContract.listProjects);
    expect(list.body.projects).toEqual([archived.body]);

    const restored = await owner.call(orgContract.updateProject, { params: { projectId: id }, body: { archived: false } });
    expect(restored.body.archivedAt).toBeNull();

    const before = await orgState(owner);
    for (const res of [
      await member.call(orgContract.createProject, { body: { name: 'Nope' } }),
      await member.call(orgContract.updateProject, { params: { projectId: id }, body: { name: 'Nope' } }),
      await member.call(orgContract.updateProject, { params: { projectId: id }, body: { archived: true } }),
    ]) {
      expect([res.status, res.error.code]).toEqual([403, 'FORBIDDEN']);
    }
    expect(await orgState(owner)).toEqual(before);
    expect((await member.call(orgContract.listProjects)).body.projects[0].name).toBe('Checkout web');
  });

  it('refuses bad input: empty or long names, nothing to change, unknown fields, duplicates, another org', async () => {
    const { owner } = await createOrg(app);
    const other = await createOrg(app);
    const a = (await owner.call(orgContract.createProject, { body: { name: 'Alpha' } })).body.id as string;
    await owner.call(orgContract.createProject, { body: { name: 'Beta' } });
    const bad = [
      await owner.call(orgContract.createProject, { body: { name: '   ' } }),
      await owner.call(orgContract.createProject, { body: { name: 'x'.repeat(101) } }),
      await owner.call(orgContract.updateProject, { params: { projectId: a }, body: {} }),
      await owner.call(orgContract.updateProject, { params: { projectId: a }, body: { name: 'Alpha', color: 'red' } }),
      await owner.call(orgContract.updateProject, { params: { projectId: a }, body: { archived: 'yes' } }),
      await owner.call(orgContract.updateProject, { params: { projectId: 'not-a-uuid' }, body: { name: 'X' } }),
    ];
    for (const res of bad) {
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
    }
    const dup = await owner.call(orgContract.updateProject, { params: { projectId: a }, body: { name: 'beta' } });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('CONFLICT');
    expect((await other.owner.call(orgContract.updateProject, { params: { projectId: a }, body: { archived: true } })).status).toBe(404);
  });

  it('an archived project keeps its history and saved work, and takes no new usage (app or metering API)', async () => {
    const { owner, member, orgId } = await createOrg(app);
    const project = (await owner.call(orgContract.createProject, { body: { name: uniq('P ') } })).data;
    const gen = await member.call(aiContract.generateTestCases, { body: { projectId: project.id, requirement: 'Guests cannot apply a coupon at checkout.' } });
    expect(gen.status).toBe(201);
    const key = (await owner.call(apiKeysContract.create, { body: { name: 'ci' } })).body.token as string;
    expect((await owner.call(orgContract.updateProject, { params: { projectId: project.id }, body: { archived: true } })).status).toBe(200);
    const balanceBefore = (await member.call(creditsContract.summary)).body.balanceMc;

    const refused = [
      await member.call(aiContract.generateTestCases, { body: { projectId: project.id, requirement: 'Guests cannot apply a coupon at checkout.' } }),
      await member.call(aiContract.chat, { body: { projectId: project.id, message: 'Anything?' } }),
      await member.call(aiContract.createReport, { body: { projectId: project.id } }),
    ];
    for (const res of refused) {
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('PROJECT_ARCHIVED');
      expect(res.body.error.message).toContain('is archived');
    }
    const metered = await fetch(app.baseUrl + meteringContract.record.path, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'idempotency-key': `k-${randomUUID()}` },
      body: JSON.stringify({ useCase: 'report', model: 'gpt-4o-mini', projectId: project.id, inputTokens: 0, outputTokens: 100 }),
    });
    expect(metered.status).toBe(409);
    expect(((await metered.json()) as { error: { code: string } }).error.code).toBe('PROJECT_ARCHIVED');

    // Nothing charged, nothing reserved; history and saved work still there.
    expect((await member.call(creditsContract.summary)).body.balanceMc).toBe(balanceBefore);
    const { rows } = await sql<{ n: string }>`select count(*)::text as n from reservations where org_id = ${orgId} and project_id = ${project.id}`.execute(app.db);
    expect(rows[0]!.n).toBe('1');
    const history = await member.call(creditsContract.usage, { query: { projectId: project.id } });
    expect(history.body.totals.count).toBe(1);
    const saved = await member.call(aiContract.listTestCases, { query: { projectId: project.id } });
    expect(saved.status).toBe(200);
    expect(saved.body.generations).toHaveLength(1);
  });
});

describe('audit log', () => {
  it('records every project change and filters by action; owners and admins only', async () => {
    const { owner, admin, member } = await createOrg(app);
    const id = (await owner.call(orgContract.createProject, { body: { name: 'Alpha' } })).body.id as string;
    await admin.call(orgContract.updateProject, { params: { projectId: id }, body: { name: 'Alpha 2', archived: true } });
    await owner.call(creditsContract.setOverageLimit, { body: { limitCredits: 10 } });

    const all = await admin.call(orgContract.auditLog);
    expect(all.status).toBe(200);
    const actions = all.body.entries.map((e: { action: string }) => e.action);
    // Newest first; the rename and the archive of one request share their instant.
    expect(actions[0]).toBe('overage_limit.changed');
    expect(actions.slice(1, 3).sort()).toEqual(['project.archived', 'project.renamed']);
    expect(actions[3]).toBe('project.created');
    expect(all.body.actions).toEqual(expect.arrayContaining(['invitation.accepted', 'invitation.created', 'overage_limit.changed', 'project.archived', 'project.created', 'project.renamed']));
    const renamed = all.body.entries.find((e: { action: string }) => e.action === 'project.renamed');
    expect(renamed).toMatchObject({ actor: { id: admin.session!.user.id }, from: { projectId: id, name: 'Alpha' }, to: { projectId: id, name: 'Alpha 2' } });

    const projectOnly = await owner.call(orgContract.auditLog, { query: { action: 'project.created' } });
    expect(projectOnly.body.entries).toHaveLength(1);
    expect(projectOnly.body.entries[0]).toMatchObject({ action: 'project.created', to: { projectId: id, name: 'Alpha' } });
    expect((await owner.call(orgContract.auditLog, { query: { action: 'nothing.here' } })).body.entries).toEqual([]);

    const bad = await owner.call(orgContract.auditLog, { query: { action: 'DROP TABLE' } });
    expect(bad.status).toBe(400);
    expect((await member.call(orgContract.auditLog)).status).toBe(403);
  });
});
