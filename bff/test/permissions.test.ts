import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Endpoint } from '@ai-credits/shared/api';
import { apiKeysContract } from '@ai-credits/shared/contracts/api-keys';
import { billingContract } from '@ai-credits/shared/contracts/billing';
import { budgetsContract } from '@ai-credits/shared/contracts/budgets';
import { creditsContract } from '@ai-credits/shared/contracts/credits';
import { orgContract } from '@ai-credits/shared/contracts/org';
import { contractGroups } from '../src/features/openapi/openapi.service';
import { createOrg, startApp, type Client, type TestApp } from './support/harness';
import { orgState } from './support/org-state';

let app: TestApp;
beforeAll(async () => {
  app = await startApp();
});
afterAll(() => app.close());

type Attempt = [string, Endpoint, Parameters<Client['call']>[1]];

describe('permissions are enforced by the BFF', () => {
  it('the contracts declare who may call what (mount() and the mock API read this one list)', () => {
    const declared = Object.entries(contractGroups()).flatMap(([group, endpoints]) =>
      Object.entries(endpoints).flatMap(([name, e]) => (e.roles ? [[`${group}.${name}`, e.roles.join(' ')]] : [])),
    );
    expect(Object.fromEntries(declared)).toEqual({
      'apiKeys.list': 'owner admin',
      'apiKeys.create': 'owner admin',
      'apiKeys.revoke': 'owner admin',
      'apiKeys.usage': 'owner admin',
      'billing.createPurchase': 'owner',
      'billing.payInvoice': 'owner',
      'billing.verifyPurchase': 'owner',
      'billing.sandboxPay': 'owner',
      'billing.history': 'owner admin',
      'billing.receipt': 'owner admin',
      'billing.taxInvoice': 'owner admin',
      'billing.profile': 'owner admin',
      'billing.setProfile': 'owner',
      'billing.autoTopUp': 'owner admin',
      'billing.setAutoTopUp': 'owner',
      'billing.removePaymentMethod': 'owner',
      'billing.statements': 'owner admin',
      'billing.statement': 'owner admin',
      'billing.statementPdf': 'owner admin',
      'billing.statementCsv': 'owner admin',
      'budgets.set': 'owner',
      'budgets.setThresholds': 'owner',
      'budgets.askForMore': 'admin member',
      'credits.setAiEnabled': 'owner',
      'credits.setOverageLimit': 'owner',
      'org.createInvitation': 'owner admin',
      'org.listInvitations': 'owner admin',
      'org.revokeInvitation': 'owner admin',
      'org.resendInvitation': 'owner admin',
      'org.changeRole': 'owner',
      'org.offboardingPreview': 'owner',
      'org.removeMember': 'owner',
      'org.createProject': 'owner admin',
      'org.updateProject': 'owner admin',
      'org.listEmails': 'owner admin',
      'org.auditLog': 'owner admin',
    });
  });

  it('members and admins get 403 FORBIDDEN on owner-only writes, and nothing changes', async () => {
    const { owner, admin, member, session } = await createOrg(app);
    const project = (await owner.call(orgContract.createProject, { body: { name: 'Kept' } })).data;
    const ownerId = session.user.id;
    const memberId = member.session!.user.id;
    const ownerOnly: Attempt[] = [
      ['turn AI off', creditsContract.setAiEnabled, { body: { enabled: false } }],
      ['raise the overage limit', creditsContract.setOverageLimit, { body: { limitCredits: 1000 } }],
      ['change a role', orgContract.changeRole, { params: { userId: memberId }, body: { role: 'admin' } }],
      ['remove a member', orgContract.removeMember, { params: { userId: memberId } }],
      ['set a budget', budgetsContract.set, { body: { subjectType: 'project', subjectId: project.id, limitCredits: 50 } }],
      ['change the alert thresholds', budgetsContract.setThresholds, { body: { creditPercents: [10], budgetPercents: [10] } }],
      ['buy credits', billingContract.createPurchase, { body: { bundleId: 'starter' } }],
    ];
    const managersOnly: Attempt[] = [
      ['invite someone', orgContract.createInvitation, { body: { email: 'x@example.test', role: 'admin' } }],
      ['create a project', orgContract.createProject, { body: { name: 'Nope' } }],
      ['rename a project', orgContract.updateProject, { params: { projectId: project.id }, body: { name: 'Renamed' } }],
      ['create an API key', apiKeysContract.create, { body: { name: 'Nope' } }],
    ];
    const before = await orgState(owner);
    expect(before.summary).toMatchObject({ aiEnabled: true, overage: { limitMc: 0 } });
    expect(before.members.members).toHaveLength(3);

    const refusals: [string, number, string][] = [];
    for (const [who, client, attempts] of [
      ['admin', admin, ownerOnly],
      ['member', member, [...ownerOnly, ...managersOnly]],
    ] as const) {
      for (const [what, e, input] of attempts) {
        const res = await client.call(e, input);
        refusals.push([`${who}: ${what}`, res.status, res.error.code]);
      }
    }
    expect(refusals).toEqual(refusals.map(([what]) => [what, 403, 'FORBIDDEN']));
    // Owner-only writes also refuse an admin acting on the owner.
    const onOwner = await admin.call(orgContract.changeRole, { params: { userId: ownerId }, body: { role: 'member' } });
    expect([onOwner.status, onOwner.error.code]).toEqual([403, 'FORBIDDEN']);

    expect(await orgState(owner)).toEqual(before);
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
    const log = (await admin.call(orgContract.auditLog)).data;
    expect(log.entries.slice(0, 2)).toMatchObject([
      { action: 'ai.toggled', from: { enabled: true }, to: { enabled: false }, actor: { id: owner.session!.user.id } },
      { action: 'overage_limit.changed', from: { limitCredits: 0 }, to: { limitCredits: 250 } },
    ]);
  });

  it('a user of org A gets 404 NOT_FOUND for anything of org B, and nothing of B changes', async () => {
    const a = await createOrg(app);
    const b = await createOrg(app);
    const bMember = b.member.session!.user.id;
    const bProject = (await b.owner.call(orgContract.createProject, { body: { name: 'Secret' } })).data;
    const before = await orgState(b.owner);
    const attempts: Attempt[] = [
      ['change a role', orgContract.changeRole, { params: { userId: bMember }, body: { role: 'admin' } }],
      ['remove a member', orgContract.removeMember, { params: { userId: bMember } }],
      ['rename a project', orgContract.updateProject, { params: { projectId: bProject.id }, body: { name: 'Mine now' } }],
    ];
    for (const [what, e, input] of attempts) {
      const res = await a.owner.call(e, input);
      expect([what, res.status, res.error.code]).toEqual([what, 404, 'NOT_FOUND']);
    }
    // Filtering A's history by B's project shows nothing of B.
    const filtered = await a.owner.call(creditsContract.usage, { query: { projectId: bProject.id } });
    expect(filtered.data).toEqual({ items: [], nextCursor: null, totals: { count: 0, chargedMc: 0 } });
    expect(await orgState(b.owner)).toEqual(before);
  });

  // Without credentials: every session or API-key route answers 401, test/unauthenticated.test.ts.
});
