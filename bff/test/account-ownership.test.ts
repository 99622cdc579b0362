import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeysContract } from '@ai-credits/shared/contracts/api-keys';
import { authContract } from '@ai-credits/shared/contracts/auth';
import { billingContract } from '@ai-credits/shared/contracts/billing';
import { creditsContract } from '@ai-credits/shared/contracts/credits';
import { orgContract } from '@ai-credits/shared/contracts/org';
import { TestClock } from '../src/lib/clock';
import { Client, createOrg, startApp, uniq, type TestApp } from './support/harness';

// Issue 20, "Email squatting at sign-up": an address belongs to whoever proves they hold it.
// Each test failed on the code before the fix (sign-up signed in at once and answered 409 EMAIL_TAKEN).

let app: TestApp;
const clock = new TestClock();
beforeAll(async () => {
  app = await startApp({ clock, env: { SESSION_TTL_HOURS: '2160' } });
});
afterAll(() => app.close());

const newEmail = () => `${uniq('holder-')}@example.test`;
const signupBody = (email: string, password = 'password123', orgName = 'Org') => ({ orgName, name: 'Person', email, password });
const mailbox = async (email: string) => (await new Client(app.baseUrl).call(authContract.devMailbox, { query: { email } })).data.emails;

describe('sign-up tells nobody whether an address has an account', () => {
  it('a new and a taken address get the same answer; the new one gets a confirmation link, the holder an email saying so', async () => {
    const holder = new Client(app.baseUrl);
    const taken = (await holder.signup()).user.email;
    const fresh = newEmail();
    const a = await new Client(app.baseUrl).call(authContract.signup, { body: signupBody(fresh) });
    const b = await new Client(app.baseUrl).call(authContract.signup, { body: signupBody(taken) });
    expect([a.status, b.status]).toEqual([202, 202]);
    expect(a.text).toBe(b.text);
    expect(a.headers.get('set-cookie')).toBeNull();
    expect(b.headers.get('set-cookie')).toBeNull();
    expect((await mailbox(fresh))[0]).toMatchObject({ kind: 'verify_email', subject: 'Confirm your email address for TestKase' });
    const notice = (await mailbox(taken))[0]!;
    expect(notice.kind).toBe('account_exists');
    expect(notice.text).toContain('/forgot-password');
    expect(notice.text).not.toMatch(/#token=/);
  });

  it('the link is stored hashed, in the URL fragment, works once and expires after 24 hours', async () => {
    const email = newEmail();
    await new Client(app.baseUrl).call(authContract.signup, { body: signupBody(email) });
    const client = new Client(app.baseUrl);
    const token = await client.mailedToken(email, 'verify-email');
    const stored = await app.db.selectFrom('account_tokens').select(['token_hash', 'expires_at', 'created_at']).where('email', '=', email).execute();
    expect(stored).toHaveLength(1);
    expect(stored[0]!.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored[0]!.token_hash).not.toContain(token);
    expect(stored[0]!.expires_at.getTime() - stored[0]!.created_at.getTime()).toBe(24 * 3600 * 1000);
    expect((await mailbox(email))[0]!.text).toContain(`/verify-email#token=${token}`);
    const [first, second] = await Promise.all([
      client.call(authContract.verifyEmail, { body: { token } }),
      new Client(app.baseUrl).call(authContract.verifyEmail, { body: { token } }),
    ]);
    expect([first.status, second.status].sort()).toEqual([200, 409]);

    const late = newEmail();
    await new Client(app.baseUrl).call(authContract.signup, { body: signupBody(late) });
    const lateToken = await client.mailedToken(late, 'verify-email');
    clock.advance(24 * 3600 * 1000 + 1);
    expect((await new Client(app.baseUrl).call(authContract.verifyEmail, { body: { token: lateToken } })).status).toBe(409);
  });
});

describe('an unverified account may look, not spend or send mail', () => {
  it('signs in, reads, and is refused 403 EMAIL_NOT_VERIFIED on what spends credits or money or sends mail until it verifies', async () => {
    const email = newEmail();
    await new Client(app.baseUrl).call(authContract.signup, { body: signupBody(email) });
    const squatter = new Client(app.baseUrl);
    const session = await squatter.login(email);
    expect(session.status).toBe(200);
    expect(session.body.user.emailVerified).toBe(false);
    expect((await squatter.call(creditsContract.summary)).status).toBe(200);
    const refused = [
      await squatter.call(orgContract.createInvitation, { body: { email: newEmail(), role: 'member' } }),
      await squatter.call(apiKeysContract.create, { body: { name: 'k' } }),
      await squatter.call(billingContract.createPurchase, { body: { bundleId: 'starter' } }),
      await squatter.call(creditsContract.setOverageLimit, { body: { limitCredits: 10 } }),
    ];
    for (const res of refused) {
      expect(res.status).toBe(403);
      expect(res.error.code).toBe('EMAIL_NOT_VERIFIED');
    }
    // Nothing was queued for anyone from this org.
    expect(await app.db.selectFrom('email_outbox').select('id').where('org_id', '=', session.body.org.id).execute()).toEqual([]);

    // Its own holder opens the link: the same account, verified, may now act.
    const verified = await new Client(app.baseUrl).call(authContract.verifyEmail, { body: { token: await squatter.mailedToken(email, 'verify-email') } });
    expect(verified.body).toMatchObject({ user: { email, emailVerified: true }, org: { id: session.body.org.id } });
    expect((await squatter.call(apiKeysContract.create, { body: { name: 'k' } })).status).toBe(201);
  });
});

describe('squat, then the real holder proves the address and gets it', () => {
  it('the real holder signs up (202, not EMAIL_TAKEN), opens the link, and owns the address; the squatter is out', async () => {
    const email = newEmail();
    // The squatter signs up with someone else's address and signs in (unverified).
    await new Client(app.baseUrl).call(authContract.signup, { body: signupBody(email, 'squatter-password', 'Squat Inc') });
    const squatter = new Client(app.baseUrl);
    expect((await squatter.login(email, 'squatter-password')).status).toBe(200);

    // The real holder signs up: the same answer, and a link in their inbox.
    const real = new Client(app.baseUrl);
    const res = await real.call(authContract.signup, { body: signupBody(email, 'real-password', 'Real Corp') });
    expect(res.status).toBe(202);
    const verified = real.adoptSession(await real.call(authContract.verifyEmail, { body: { token: await real.mailedToken(email, 'verify-email') } }));
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({ user: { email, emailVerified: true }, org: { name: 'Real Corp' }, role: 'owner' });

    // The squatter's session ended and its password no longer signs in to the address.
    expect((await squatter.call(authContract.session)).status).toBe(401);
    expect((await new Client(app.baseUrl).login(email, 'squatter-password')).status).toBe(401);
    expect((await new Client(app.baseUrl).login(email, 'real-password')).status).toBe(200);
    const holders = await app.db.selectFrom('users').select(['id', 'email_verified_at']).where('email', '=', email).execute();
    expect(holders).toHaveLength(1);
    expect(holders[0]!.email_verified_at).not.toBeNull();
    expect((await real.call(apiKeysContract.create, { body: { name: 'k' } })).status).toBe(201);
  });

  it("a squatter's resend cannot cancel the holder's link, and a verified address is never released", async () => {
    const email = newEmail();
    await new Client(app.baseUrl).call(authContract.signup, { body: signupBody(email, 'squatter-password') });
    const real = new Client(app.baseUrl);
    await real.call(authContract.signup, { body: signupBody(email, 'real-password', 'Real Corp') });
    const claim = await real.mailedToken(email, 'verify-email');
    expect((await new Client(app.baseUrl).call(authContract.resendVerification, { body: { email } })).status).toBe(202);
    expect((await real.call(authContract.verifyEmail, { body: { token: claim } })).status).toBe(200);
    // Now verified: a later sign-up only gets the "you already have an account" email.
    expect((await new Client(app.baseUrl).call(authContract.signup, { body: signupBody(email, 'another-password') })).status).toBe(202);
    expect((await mailbox(email))[0]!.kind).toBe('account_exists');
    expect((await new Client(app.baseUrl).login(email, 'real-password')).status).toBe(200);
  });

  it('a verified holder who chooses "new account" on the accept page is told to use their password', async () => {
    const holder = new Client(app.baseUrl);
    const { user: me } = await holder.signup();
    const { owner } = await createOrg(app);
    // (they belong to their own org; removing nothing: the message comes before any join)
    const created = await owner.call(orgContract.createInvitation, { body: { email: me.email, role: 'member' } });
    const res = await new Client(app.baseUrl).call(orgContract.acceptInvitation, { body: { token: created.body.acceptToken, name: 'New Me', password: 'not-my-password' } });
    expect(res.status).toBe(409);
    expect(res.error.message).toBe(`${me.email} already has an account: sign in with its password instead (or reset the password) to join.`);
    const wrong = await new Client(app.baseUrl).call(orgContract.acceptInvitation, { body: { token: created.body.acceptToken, password: 'not-my-password' } });
    expect(wrong.status).toBe(401);
  });

  it('an invitation to a squatted address is accepted by the real holder with a name and password of their own', async () => {
    const email = newEmail();
    await new Client(app.baseUrl).call(authContract.signup, { body: signupBody(email, 'squatter-password') });
    const { owner } = await createOrg(app);
    const created = await owner.call(orgContract.createInvitation, { body: { email, role: 'member' } });
    const looked = await new Client(app.baseUrl).call(orgContract.lookupInvitation, { body: { token: created.body.acceptToken } });
    expect(looked.body).not.toHaveProperty('accountExists');
    const real = new Client(app.baseUrl);
    const accepted = real.adoptSession(await real.call(orgContract.acceptInvitation, { body: { token: created.body.acceptToken, name: 'Real Person', password: 'real-password' } }));
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ user: { email, emailVerified: true }, org: { id: owner.session!.org.id }, role: 'member' });
    expect((await new Client(app.baseUrl).login(email, 'squatter-password')).status).toBe(401);
  });
});

describe('password reset by emailed link', () => {
  it('forgot password answers the same for every address; the link resets once, ends every session and proves the address', async () => {
    const user = new Client(app.baseUrl);
    const { user: me } = await user.signup();
    const unknown = newEmail();
    const a = await new Client(app.baseUrl).call(authContract.forgotPassword, { body: { email: me.email } });
    const b = await new Client(app.baseUrl).call(authContract.forgotPassword, { body: { email: unknown } });
    expect([a.status, b.status]).toEqual([202, 202]);
    expect(a.text).toBe(b.text);
    expect(await mailbox(unknown)).toEqual([]);
    const token = await user.mailedToken(me.email, 'reset-password');
    const stored = await app.db.selectFrom('account_tokens').select(['expires_at', 'created_at']).where('email', '=', me.email).where('purpose', '=', 'reset_password').execute();
    expect(stored[0]!.expires_at.getTime() - stored[0]!.created_at.getTime()).toBe(3600 * 1000);

    expect((await new Client(app.baseUrl).call(authContract.resetPassword, { body: { token, password: 'brand-new-password' } })).status).toBe(204);
    expect((await new Client(app.baseUrl).call(authContract.resetPassword, { body: { token, password: 'again-new-password' } })).status).toBe(409);
    expect((await user.call(authContract.session)).status).toBe(401);
    expect((await new Client(app.baseUrl).login(me.email, 'password123')).status).toBe(401);
    expect((await new Client(app.baseUrl).login(me.email, 'brand-new-password')).status).toBe(200);
    const audit = (await new Client(app.baseUrl).login(me.email, 'brand-new-password')) && (await (async () => {
      const c = new Client(app.baseUrl);
      await c.login(me.email, 'brand-new-password');
      return (await c.call(orgContract.auditLog)).body.entries.map((e: { action: string }) => e.action);
    })());
    expect(audit).toEqual(expect.arrayContaining(['account.email_verified', 'account.password_reset']));
  });

  it('only the newest link works, and dead links are not kept', async () => {
    const user = new Client(app.baseUrl);
    const { user: me } = await user.signup();
    const tokens: string[] = [];
    for (let i = 0; i < 3; i++) {
      await new Client(app.baseUrl).call(authContract.forgotPassword, { body: { email: me.email } });
      tokens.push(await user.mailedToken(me.email, 'reset-password'));
    }
    expect((await new Client(app.baseUrl).call(authContract.resetPassword, { body: { token: tokens[0]!, password: 'first-link-pass' } })).status).toBe(409);
    const rows = await app.db.selectFrom('account_tokens').select(['purpose', 'used_at']).where('email', '=', me.email).execute();
    // the newest link, and the one it replaced (pruned when the next link is issued)
    expect(rows).toHaveLength(2);
    expect(rows.filter((r) => r.used_at === null)).toHaveLength(1);
    expect((await new Client(app.baseUrl).call(authContract.resetPassword, { body: { token: tokens[2]!, password: 'third-link-pass' } })).status).toBe(204);
  });

  it('requests are rate-limited per address: 429 with Retry-After, nothing more queued', async () => {
    const { user: me } = await new Client(app.baseUrl).signup();
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await new Client(app.baseUrl).call(authContract.forgotPassword, { body: { email: me.email } })).status);
    expect(statuses).toContain(429);
    const resets = (await mailbox(me.email)).filter((m) => m.kind === 'password_reset');
    expect(resets.length).toBeLessThanOrEqual(5);
  });
});
