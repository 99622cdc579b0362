import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authContract } from '@ai-credits/shared/contracts/auth';
import { creditsContract } from '@ai-credits/shared/contracts/credits';
import { orgContract } from '@ai-credits/shared/contracts/org';
import { loadEnv } from '../src/env';
import { Client, createOrg, startApp, uniq, type TestApp } from './support/harness';

let app: TestApp;
beforeAll(async () => {
  app = await startApp();
});
afterAll(() => app.close());

describe('accounts', () => {
  it('hashes passwords with memory-hard scrypt, N=2^15 by default', async () => {
    const { hashPassword, verifyPassword } = await import('../src/features/auth/password');
    const hash = await hashPassword('correct horse');
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(await verifyPassword('correct horse', hash)).toBe(true);
    expect(await verifyPassword('wrong horse', hash)).toBe(false);
    expect(loadEnv({}).PASSWORD_HASH_COST).toBe(15);
  });

  it('sign-up creates an org owned by its creator with 300 credits', async () => {
    const client = new Client(app.baseUrl);
    const email = `${uniq('Founder-')}@Example.test`;
    const session = await client.signup({ email, orgName: 'Acme', name: 'Ada' });
    expect(session).toMatchObject({ role: 'owner', user: { email: email.toLowerCase(), name: 'Ada' }, org: { name: 'Acme', aiEnabled: true } });
    const summary = await client.call(creditsContract.summary);
    expect(summary.status).toBe(200);
    expect(summary.body).toMatchObject({ balanceMc: 300_000, availableMc: 300_000, periodUsageMc: 0, reservedMc: 0 });
    expect(summary.body.period.timeZone).toBe('UTC');
  });

  it('the session answer shows the org’s AI switch as last set (the ledger’s credit account), for every member', async () => {
    const { owner, member } = await createOrg(app);
    expect((await owner.call(creditsContract.setAiEnabled, { body: { enabled: false } })).status).toBe(200);
    expect((await member.call(authContract.session)).body).toMatchObject({ org: { aiEnabled: false }, role: 'member' });
    expect((await owner.call(creditsContract.setAiEnabled, { body: { enabled: true } })).status).toBe(200);
    expect((await member.call(authContract.session)).body).toMatchObject({ org: { aiEnabled: true }, role: 'member' });
  });

  it('sign-up signs nobody in and answers a taken email as a new one; the emailed link sets an httpOnly SameSite session cookie', async () => {
    const client = new Client(app.baseUrl);
    const email = `${uniq('dup-')}@example.test`;
    const res = await client.call(authContract.signup, { body: { orgName: 'A', name: 'B', email, password: 'password123' } });
    expect(res.status).toBe(202);
    expect(res.headers.get('set-cookie')).toBeNull();
    const verified = await client.call(authContract.verifyEmail, { body: { token: await client.mailedToken(email, 'verify-email') } });
    expect(verified.status).toBe(200);
    const cookie = verified.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    const again = await new Client(app.baseUrl).call(authContract.signup, { body: { orgName: 'A', name: 'B', email, password: 'password123' } });
    expect(again.status).toBe(202);
    expect(again.body).toEqual(res.body);
    expect(again.headers.get('set-cookie')).toBeNull();
  });

  it('logs in with the right password only', async () => {
    const owner = new Client(app.baseUrl);
    const session = await owner.signup();
    const bad = await new Client(app.baseUrl).login(session.user.email, 'wrong-password');
    expect(bad.status).toBe(401);
    expect(bad.body.error.code).toBe('INVALID_CREDENTIALS');
    const good = await new Client(app.baseUrl).login(session.user.email);
    expect(good.status).toBe(200);
    expect(good.body.org.id).toBe(session.org.id);
  });

  it('rate-limits repeated failed logins for one email', async () => {
    const owner = new Client(app.baseUrl);
    const session = await owner.signup();
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await new Client(app.baseUrl).login(session.user.email, 'nope-nope')).status);
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses[10]).toBe(429);
    // even the right password is refused while the limit holds
    expect((await new Client(app.baseUrl).login(session.user.email)).status).toBe(429);
  });

  it('successful sign-ins do not count towards the limit', async () => {
    const owner = new Client(app.baseUrl);
    const session = await owner.signup();
    for (let i = 0; i < 12; i++) expect((await new Client(app.baseUrl).login(session.user.email)).status).toBe(200);
  });

  it('requires the CSRF token on state-changing requests made with the session cookie', async () => {
    const owner = new Client(app.baseUrl);
    await owner.signup();
    const token = owner.csrfToken;
    owner.csrfToken = '';
    const res = await owner.call(creditsContract.setAiEnabled, { body: { enabled: false } });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('CSRF_FAILED');
    owner.csrfToken = token;
    const summary = await owner.call(creditsContract.summary);
    expect(summary.body.aiEnabled).toBe(true);
  });

  it('logs out: the session no longer works', async () => {
    const owner = new Client(app.baseUrl);
    await owner.signup();
    expect((await owner.call(authContract.logout)).status).toBe(204);
    const res = await owner.call(authContract.session);
    expect(res.status).toBe(401);
  });

  it('owner manages members; a removed member loses access', async () => {
    const { owner, member, admin } = await createOrg(app);
    const members = await owner.call(orgContract.listMembers);
    expect(members.body.members.map((m: { role: string }) => m.role)).toEqual(['owner', 'admin', 'member']);
    const memberId = member.session!.user.id;
    const changed = await owner.call(orgContract.changeRole, { params: { userId: memberId }, body: { role: 'admin' } });
    expect(changed.body.role).toBe('admin');
    const byAdmin = await admin.call(orgContract.removeMember, { params: { userId: memberId } });
    expect(byAdmin.status).toBe(403);
    const removed = await owner.call(orgContract.removeMember, { params: { userId: memberId } });
    expect(removed.status).toBe(204);
    expect((await member.call(creditsContract.summary)).status).toBe(401);
    const ownerId = owner.session!.user.id;
    const removeOwner = await owner.call(orgContract.removeMember, { params: { userId: ownerId } });
    expect(removeOwner.status).toBe(409);
    // The one owner cannot be demoted either (the org would have none), nor by an admin.
    const demoteOwner = await owner.call(orgContract.changeRole, { params: { userId: ownerId }, body: { role: 'admin' } });
    expect(demoteOwner.status).toBe(409);
    expect((await admin.call(orgContract.changeRole, { params: { userId: ownerId }, body: { role: 'member' } })).status).toBe(403);
    expect((await owner.call(orgContract.listMembers)).body.members.find((m: { userId: string }) => m.userId === ownerId).role).toBe('owner');
  });
});
