import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authContract } from '@ai-credits/shared/contracts/auth';
import { orgContract } from '@ai-credits/shared/contracts/org';
import { TestClock } from '../src/lib/clock';
import { Client, createOrg, invite, startApp, uniq, type TestApp } from './support/harness';
import { orgState } from './support/org-state';

let app: TestApp;
const clock = new TestClock();
beforeAll(async () => {
  app = await startApp({ clock, env: { SESSION_TTL_HOURS: '2160' } });
});
afterAll(() => app.close());

const newEmail = () => `${uniq('invitee-')}@example.test`;

async function membersOf(client: Client) {
  return (await client.call(orgContract.listMembers)).body.members as { email: string; role: string }[];
}

async function accept(token: string, body: { name?: string; password?: string } = {}, as?: Client) {
  const client = as ?? new Client(app.baseUrl);
  const res = client.adoptSession(await client.call(orgContract.acceptInvitation, { body: { token, ...body } }));
  return { res, client };
}

describe('the old direct add is gone', () => {
  it('POST /api/org/members no longer adds anyone (another org admin, or a squatted email)', async () => {
    const a = await createOrg(app);
    const b = await createOrg(app);
    const res = await a.owner.request('POST', '/api/org/members', { body: { email: b.session.user.email, name: 'X', password: 'password123', role: 'admin' } });
    expect(res.status).toBe(404);
    expect(await membersOf(a.owner)).toHaveLength(3);
  });
});

describe('invite, then accept', () => {
  it('a new person accepts with their own name and password, is signed in, and can sign in again', async () => {
    const { owner } = await createOrg(app);
    const email = newEmail();
    const created = await owner.call(orgContract.createInvitation, { body: { email, role: 'admin' } });
    expect(created.status).toBe(201);
    expect(created.body.acceptUrl).toBe(`/invitations/accept#token=${created.body.acceptToken}`);
    // The inviter by name (from accounts: issue 23), in the answer and in the list.
    const inviter = { id: owner.session!.user.id, name: owner.session!.user.name };
    expect(created.body.invitation).toMatchObject({ email, role: 'admin', invitedBy: inviter });
    // Nobody joins without accepting; the email has no account yet (not squatted).
    expect((await membersOf(owner)).map((m) => m.email)).not.toContain(email);
    expect(await app.db.selectFrom('users').select('id').where('email', '=', email).execute()).toEqual([]);
    expect((await owner.call(orgContract.listInvitations)).body.invitations.map((i: { email: string; invitedBy: unknown }) => [i.email, i.invitedBy])).toEqual([[email, inviter]]);

    const looked = await new Client(app.baseUrl).call(orgContract.lookupInvitation, { body: { token: created.body.acceptToken } });
    expect(looked.body).toEqual({ email, role: 'admin', orgName: owner.session!.org.name, expiresAt: expect.any(String), signedInAs: null });
    // Signed in, the lookup names the caller's own address (the page needs no session call: issue 24).
    const asOwner = await owner.call(orgContract.lookupInvitation, { body: { token: created.body.acceptToken } });
    expect(asOwner.body).toMatchObject({ email, signedInAs: owner.session!.user.email });
    // The page asks it before it has a CSRF token (it reads nothing else first): a lookup changes nothing, it needs none.
    const noToken = await fetch(`${app.baseUrl}${orgContract.lookupInvitation.path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: owner.cookie },
      body: JSON.stringify({ token: created.body.acceptToken }),
    });
    expect(noToken.status).toBe(200);

    const { res, client } = await accept(created.body.acceptToken, { name: 'Ivy Invitee', password: 'my-own-password' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ user: { email, name: 'Ivy Invitee' }, org: { id: owner.session!.org.id }, role: 'admin' });
    expect((await client.call(authContract.session)).status).toBe(200);
    expect((await new Client(app.baseUrl).login(email, 'my-own-password')).status).toBe(200);
    expect((await membersOf(owner)).find((m) => m.email === email)?.role).toBe('admin');
    expect((await owner.call(orgContract.listInvitations)).body.invitations).toEqual([]);

    const audit = (await owner.call(orgContract.auditLog)).body.entries.map((e: { action: string }) => e.action);
    expect(audit).toEqual(expect.arrayContaining(['invitation.created', 'invitation.accepted']));
    expect(JSON.stringify((await owner.call(orgContract.auditLog)).body)).not.toContain(created.body.acceptToken);
  });

  it('the token is stored hashed, never as sent', async () => {
    const { owner } = await createOrg(app);
    const created = await owner.call(orgContract.createInvitation, { body: { email: newEmail(), role: 'member' } });
    const rows = await app.db.selectFrom('invitations').select('token_hash').where('id', '=', created.body.invitation.id).execute();
    expect(rows[0]!.token_hash).not.toContain(created.body.acceptToken);
    expect(rows[0]!.token_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('someone who already has an account elsewhere is refused with a clear message, signed in or with their password', async () => {
    const a = await createOrg(app);
    const b = await createOrg(app);
    const bAdminEmail = b.admin.session!.user.email;
    const created = await a.owner.call(orgContract.createInvitation, { body: { email: bAdminEmail, role: 'admin' } });
    expect(created.status).toBe(201);
    const signedIn = await accept(created.body.acceptToken, {}, b.admin);
    expect(signedIn.res.status).toBe(409);
    expect(signedIn.res.body.error.message).toContain(`already belong to the organization ${b.session.org.name}`);
    const withPassword = await accept(created.body.acceptToken, { password: 'password123' });
    expect(withPassword.res.status).toBe(409);
    // Still only in their own org; the invitation is still open.
    expect((await membersOf(a.owner)).map((m) => m.email)).not.toContain(bAdminEmail);
    expect((await b.admin.call(authContract.session)).body.org.id).toBe(b.orgId);
    expect((await a.owner.call(orgContract.listInvitations)).body.invitations).toHaveLength(1);
  });

  it('an existing account with no organization joins with its own password (a wrong one is refused)', async () => {
    const a = await createOrg(app);
    const b = await createOrg(app);
    const email = b.member.session!.user.email;
    expect((await b.owner.call(orgContract.removeMember, { params: { userId: b.member.session!.user.id } })).status).toBe(204);
    const created = await a.owner.call(orgContract.createInvitation, { body: { email, role: 'member' } });
    // The lookup never tells whether the address has an account (issue 20).
    expect((await new Client(app.baseUrl).call(orgContract.lookupInvitation, { body: { token: created.body.acceptToken } })).body).not.toHaveProperty('accountExists');
    expect((await accept(created.body.acceptToken, { name: 'Nope' })).res.status).toBe(400);
    expect((await accept(created.body.acceptToken, { password: 'wrong-password' })).res.status).toBe(401);
    const ok = await accept(created.body.acceptToken, { password: 'password123' });
    expect(ok.res.status).toBe(200);
    expect(ok.res.body.org.id).toBe(a.orgId);
  });

  it('signed in as another email: refused', async () => {
    const a = await createOrg(app);
    const created = await a.owner.call(orgContract.createInvitation, { body: { email: newEmail(), role: 'member' } });
    const other = await createOrg(app);
    const res = await accept(created.body.acceptToken, {}, other.member);
    expect(res.res.status).toBe(403);
    expect(res.res.body.error.message).toContain('This invitation is for');
  });
});

describe('tokens carry their org (schema ready to shard by org, docs/scaling.md)', () => {
  it("a new token starts with its org's id, and is looked up in that org's rows only", async () => {
    const { owner, orgId } = await createOrg(app);
    const other = await createOrg(app);
    const created = await owner.call(orgContract.createInvitation, { body: { email: newEmail(), role: 'member' } });
    const token: string = created.body.acceptToken;
    expect(token.startsWith(`${orgId.replaceAll('-', '')}_`)).toBe(true);
    expect((await new Client(app.baseUrl).call(orgContract.lookupInvitation, { body: { token } })).status).toBe(200);
    // a row of another org holding this token's hash is not found: the lookup filters by the token's org
    const otherInvitation = await other.owner.call(orgContract.createInvitation, { body: { email: newEmail(), role: 'member' } });
    const hash = createHash('sha256').update(token).digest('hex');
    await app.db.updateTable('invitations').set({ token_hash: 'moved' }).where('org_id', '=', orgId).where('id', '=', created.body.invitation.id).execute();
    await app.db.updateTable('invitations').set({ token_hash: hash }).where('org_id', '=', other.orgId).where('id', '=', otherInvitation.body.invitation.id).execute();
    expect((await new Client(app.baseUrl).call(orgContract.lookupInvitation, { body: { token } })).status).toBe(404);
  });

  it('a token issued before tokens carried their org (random part only) is still accepted', async () => {
    const { owner, orgId } = await createOrg(app);
    const email = newEmail();
    const created = await owner.call(orgContract.createInvitation, { body: { email, role: 'member' } });
    const legacy = randomBytes(32).toString('base64url');
    await app.db
      .updateTable('invitations')
      .set({ token_hash: createHash('sha256').update(legacy).digest('hex') })
      .where('org_id', '=', orgId)
      .where('id', '=', created.body.invitation.id)
      .execute();
    const { res } = await accept(legacy, { name: 'Legacy Invitee', password: 'password123' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ user: { email }, org: { id: orgId }, role: 'member' });
  });
});

describe('single-use, expiring, revocable', () => {
  it('10 concurrent accepts of one link: exactly one wins', async () => {
    const { owner } = await createOrg(app);
    const email = newEmail();
    const created = await owner.call(orgContract.createInvitation, { body: { email, role: 'member' } });
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => accept(created.body.acceptToken, { name: `Racer ${i}`, password: `password-${i}xx` })));
    const statuses = results.map((r) => r.res.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    // Every loser is told the link is used (409), even one that saw the winner's new account.
    expect(statuses.filter((s) => s !== 200)).toEqual(Array(9).fill(409));
    expect((await membersOf(owner)).filter((m) => m.email === email)).toHaveLength(1);
    expect(await app.db.selectFrom('users').select('id').where('email', '=', email).execute()).toHaveLength(1);
    // And once more afterwards.
    expect((await accept(created.body.acceptToken, { name: 'Late', password: 'password123' })).res.status).toBe(409);
  });

  it('expires after 7 days', async () => {
    const { owner } = await createOrg(app);
    const created = await owner.call(orgContract.createInvitation, { body: { email: newEmail(), role: 'member' } });
    clock.advance(7 * 24 * 3600 * 1000 + 1000);
    const res = await accept(created.body.acceptToken, { name: 'Late', password: 'password123' });
    expect(res.res.status).toBe(409);
    expect(res.res.body.error.message).toContain('expired');
    expect((await owner.call(orgContract.listInvitations)).body.invitations).toEqual([]);
    // The same email can be invited again.
    expect((await owner.call(orgContract.createInvitation, { body: { email: created.body.invitation.email, role: 'member' } })).status).toBe(201);
  });

  it('revoked: the link stops working; resent: the old link stops working, the new one works', async () => {
    const { owner } = await createOrg(app);
    const revoked = await owner.call(orgContract.createInvitation, { body: { email: newEmail(), role: 'member' } });
    expect((await owner.call(orgContract.revokeInvitation, { params: { invitationId: revoked.body.invitation.id } })).status).toBe(204);
    expect((await accept(revoked.body.acceptToken, { name: 'R', password: 'password123' })).res.status).toBe(409);

    const first = await owner.call(orgContract.createInvitation, { body: { email: newEmail(), role: 'member' } });
    const again = await owner.call(orgContract.resendInvitation, { params: { invitationId: first.body.invitation.id } });
    expect(again.status).toBe(200);
    expect(again.body.acceptToken).not.toBe(first.body.acceptToken);
    expect((await accept(first.body.acceptToken, { name: 'Old', password: 'password123' })).res.status).toBe(404);
    expect((await accept(again.body.acceptToken, { name: 'New', password: 'password123' })).res.status).toBe(200);

    const actions = (await owner.call(orgContract.auditLog)).body.entries.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['invitation.revoked', 'invitation.resent']));
  });

  it('one pending invitation per email; a member cannot be invited again', async () => {
    const { owner, member } = await createOrg(app);
    const email = newEmail();
    expect((await owner.call(orgContract.createInvitation, { body: { email, role: 'member' } })).status).toBe(201);
    expect((await owner.call(orgContract.createInvitation, { body: { email, role: 'admin' } })).status).toBe(409);
    expect((await owner.call(orgContract.createInvitation, { body: { email: member.session!.user.email, role: 'member' } })).status).toBe(409);
  });
});

describe('who may invite', () => {
  it('an admin invites members but not admins; a member cannot invite, list or revoke', async () => {
    const { owner, admin, member } = await createOrg(app);
    expect((await admin.call(orgContract.createInvitation, { body: { email: newEmail(), role: 'member' } })).status).toBe(201);
    expect((await admin.call(orgContract.createInvitation, { body: { email: newEmail(), role: 'admin' } })).status).toBe(403);
    const ownersInvite = (await owner.call(orgContract.createInvitation, { body: { email: newEmail(), role: 'admin' } })).data;
    const before = await orgState(owner);
    const refused = [
      await admin.call(orgContract.revokeInvitation, { params: { invitationId: ownersInvite.invitation.id } }),
      await member.call(orgContract.createInvitation, { body: { email: newEmail(), role: 'member' } }),
      await member.call(orgContract.listInvitations),
      await member.call(orgContract.revokeInvitation, { params: { invitationId: ownersInvite.invitation.id } }),
    ];
    expect(refused.map((res) => [res.status, res.error.code])).toEqual(Array(4).fill([403, 'FORBIDDEN']));
    expect(await orgState(owner)).toEqual(before);
    expect(before.invitations.invitations).toHaveLength(2);
  });

  it("another org's invitation cannot be revoked or resent", async () => {
    const a = await createOrg(app);
    const b = await createOrg(app);
    const created = await a.owner.call(orgContract.createInvitation, { body: { email: newEmail(), role: 'member' } });
    expect((await b.owner.call(orgContract.revokeInvitation, { params: { invitationId: created.body.invitation.id } })).status).toBe(404);
    expect((await b.owner.call(orgContract.resendInvitation, { params: { invitationId: created.body.invitation.id } })).status).toBe(404);
  });

  it('the invited person joins through the harness helper too (used by every suite)', async () => {
    const { owner } = await createOrg(app);
    const client = await invite(app, owner, { email: newEmail(), role: 'member' });
    expect(client.session?.role).toBe('member');
  });
});
