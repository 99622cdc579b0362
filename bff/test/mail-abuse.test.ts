import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeysContract } from '@ai-credits/shared/contracts/api-keys';
import { authContract } from '@ai-credits/shared/contracts/auth';
import { creditsContract } from '@ai-credits/shared/contracts/credits';
import { orgContract } from '@ai-credits/shared/contracts/org';
import { Client, createOrg, startApp, uniq, type TestApp } from './support/harness';

// Issue 20, "Mail abuse" and "Invitation links from the request": every failure reported there,
// each as a test that failed on the code before the fix.

const INVITES_PER_ORG = 6;
const EMAILS_PER_ADDRESS = 3;
const SIGNUPS_PER_IP = 8;

let app: TestApp;
beforeAll(async () => {
  app = await startApp({
    env: {
      PUBLIC_URL: 'https://credits.example.com/',
      RATE_LIMIT_INVITATIONS_PER_ORG: String(INVITES_PER_ORG),
      RATE_LIMIT_EMAILS_PER_ADDRESS: String(EMAILS_PER_ADDRESS),
    },
  });
});
afterAll(() => app.close());

const queued = async (to: string) =>
  (await app.db.selectFrom('email_outbox').select(['id', 'subject', 'body_text']).where('to_address', '=', to).execute());

describe('names and texts that reach an email refuse control characters', () => {
  const hostile = ['Mallory\r\n\r\nYour account is locked, sign in at https://evil.example', 'Tab\there', 'Nul\u0000x', 'Bell\u0007', 'C1\u0085next', 'Line\u2028sep'];

  it.each(hostile)('sign-up, project, API key and invitation names refuse %j with 400', async (name) => {
    const anon = new Client(app.baseUrl);
    const signup = await anon.call(authContract.signup, { body: { orgName: 'Org', name, email: `${uniq('cr-')}@example.test`, password: 'password123' } });
    expect(signup.status).toBe(400);
    const signupOrg = await anon.call(authContract.signup, { body: { orgName: name, name: 'Ok', email: `${uniq('cr-')}@example.test`, password: 'password123' } });
    expect(signupOrg.status).toBe(400);
    const { owner } = await createOrg(app);
    expect((await owner.call(orgContract.createProject, { body: { name } })).status).toBe(400);
    expect((await owner.call(apiKeysContract.create, { body: { name } })).status).toBe(400);
    const accept = await anon.call(orgContract.acceptInvitation, { body: { token: 'x'.repeat(40), name, password: 'password123' } });
    expect(accept.status).toBe(400);
  });

  it('names are quoted in the invitation body, and a name stored before the check is folded to one line', async () => {
    const { owner } = await createOrg(app);
    // As if stored before names were checked: straight into the table.
    await app.db.updateTable('users').set({ name: 'Mallory\r\n\r\nYour account is locked' }).where('id', '=', owner.session!.user.id).execute();
    const email = `${uniq('quoted-')}@example.test`;
    expect((await owner.call(orgContract.createInvitation, { body: { email, role: 'member' } })).status).toBe(201);
    const [mail] = await queued(email);
    expect(mail!.subject).toBe(`Mallory Your account is locked invited you to ${owner.session!.org.name} on TestKase`);
    expect(mail!.body_text.split('\n')[0]).toBe(`"Mallory Your account is locked" invited you to join the organization "${owner.session!.org.name}" on TestKase as a member.`);
    expect(mail!.body_text).not.toMatch(/\r/);
  });

  it('a plain name with accents and spaces still passes', async () => {
    const { owner } = await createOrg(app);
    expect((await owner.call(orgContract.createProject, { body: { name: '  Zoë’s — QA project  ' } })).status).toBe(201);
  });
});

describe('links in emails come from PUBLIC_URL only', () => {
  it('an evil Origin on invitation create and resend still gives a link to PUBLIC_URL', async () => {
    const { owner } = await createOrg(app);
    const email = `${uniq('origin-')}@example.test`;
    const evil = { origin: 'https://evil.example' };
    const created = await owner.call(orgContract.createInvitation, { body: { email, role: 'member' }, headers: evil });
    expect(created.status).toBe(201);
    await owner.call(orgContract.resendInvitation, { params: { invitationId: created.body.invitation.id }, headers: evil });
    const mails = await queued(email);
    expect(mails).toHaveLength(2);
    for (const mail of mails) {
      expect(mail.body_text).not.toContain('evil.example');
      expect(mail.body_text).toMatch(/^https:\/\/credits\.example\.com\/invitations\/accept#token=\S+$/m);
    }
  });

  it('without PUBLIC_URL (development) the link is the server\'s own address, never the Origin', async () => {
    const dev = await startApp();
    try {
      const { owner } = await createOrg(dev);
      const email = `${uniq('origin-')}@example.test`;
      expect((await owner.call(orgContract.createInvitation, { body: { email, role: 'member' }, headers: { origin: 'https://evil.example' } })).status).toBe(201);
      const [mail] = await queued(email);
      expect(mail!.body_text).not.toContain('evil.example');
      expect(mail!.body_text).toMatch(/^http:\/\/localhost:3000\/invitations\/accept#token=\S+$/m);
    } finally {
      await dev.close();
    }
  });

  it('production refuses to start without PUBLIC_URL', async () => {
    const { loadEnv } = await import('../src/env');
    const production = { NODE_ENV: 'production', ALLOW_SANDBOX_PAYMENTS: 'true', ALLOW_DEMO_MODEL: 'true', ALLOW_OUTBOX_EMAIL: 'true' };
    const refusal = (source: Record<string, string>) => {
      try {
        loadEnv(source);
        return '';
      } catch (err) {
        return (err as Error).message;
      }
    };
    expect(refusal(production)).toMatch(/PUBLIC_URL: not set/);
    expect(refusal({ ...production, PUBLIC_URL: 'https://credits.example.com' })).not.toContain('PUBLIC_URL');
    expect(refusal({ ...production, PUBLIC_URL: 'https://credits.example.com', DEV_MAILBOX: 'true' })).toContain('DEV_MAILBOX');
  });
});

describe('rate limits on mail: 429 with Retry-After, nothing queued', () => {
  it(`the invitation after ${INVITES_PER_ORG} in an hour from one org answers 429 and queues nothing`, async () => {
    const { owner } = await createOrg(app); // createOrg sends 2
    const emails = Array.from({ length: INVITES_PER_ORG - 2 }, () => `${uniq('flood-')}@example.test`);
    const answers = await Promise.all(emails.map((email) => owner.call(orgContract.createInvitation, { body: { email, role: 'member' } })));
    expect(answers.map((a) => a.status)).toEqual(emails.map(() => 201));
    const over = `${uniq('flood-')}@example.test`;
    const refused = await owner.call(orgContract.createInvitation, { body: { email: over, role: 'member' } });
    expect(refused.status).toBe(429);
    expect(refused.error.code).toBe('RATE_LIMITED');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(3600);
    expect(await queued(over)).toEqual([]);
    expect((await owner.call(orgContract.listInvitations)).body.invitations.map((i: { email: string }) => i.email)).not.toContain(over);
    // a resend is an invitation email too
    const pending = (await owner.call(orgContract.listInvitations)).body.invitations[0];
    expect((await owner.call(orgContract.resendInvitation, { params: { invitationId: pending.id } })).status).toBe(429);
  });

  it(`concurrent invitations cannot slip past the limit (counted atomically in PostgreSQL)`, async () => {
    const { owner } = await createOrg(app);
    const emails = Array.from({ length: 12 }, () => `${uniq('race-')}@example.test`);
    const answers = await Promise.all(emails.map((email) => owner.call(orgContract.createInvitation, { body: { email, role: 'member' } })));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(INVITES_PER_ORG - 2);
    expect(answers.filter((a) => a.status === 429)).toHaveLength(12 - (INVITES_PER_ORG - 2));
  });

  it(`resends to one address stop after ${EMAILS_PER_ADDRESS} emails`, async () => {
    const { owner } = await createOrg(app);
    const email = `${uniq('resend-')}@example.test`;
    const created = await owner.call(orgContract.createInvitation, { body: { email, role: 'member' } });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await owner.call(orgContract.resendInvitation, { params: { invitationId: created.body.invitation.id } })).status);
    expect(statuses).toEqual([200, 200, 429, 429, 429]);
    expect(await queued(email)).toHaveLength(EMAILS_PER_ADDRESS);
  });
});

describe('sign-ups are limited per address and per client address', () => {
  it(`sign-ups from one IP stop after the limit`, async () => {
    // A client address of its own (through the trusted loopback proxy): other suites sign up from 127.0.0.1 in the same database.
    const limited = await startApp({ env: { RATE_LIMIT_SIGNUPS_PER_IP: String(SIGNUPS_PER_IP), TRUST_PROXY: 'loopback' } });
    const ip = `10.${[1, 2, 3].map(() => Math.floor(Math.random() * 250)).join('.')}`;
    try {
      const statuses: number[] = [];
      for (let i = 0; i < SIGNUPS_PER_IP + 2; i++) {
        const res = await new Client(limited.baseUrl).call(authContract.signup, {
          body: { orgName: 'Flood', name: 'F', email: `${uniq('ip-')}@example.test`, password: 'password123' },
          headers: { 'x-forwarded-for': ip },
        });
        statuses.push(res.status);
        if (res.status === 429) expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      }
      expect(statuses.slice(SIGNUPS_PER_IP)).toEqual([429, 429]);
      expect(statuses.slice(0, SIGNUPS_PER_IP).every((s) => s < 300)).toBe(true);
    } finally {
      await limited.close();
    }
  });

  it('sign-ups with one address are answered but send at most the address limit of emails', async () => {
    const email = `${uniq('same-')}@example.test`;
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      statuses.push((await new Client(app.baseUrl).call(authContract.signup, { body: { orgName: 'Same', name: 'S', email, password: 'password123' } })).status);
    }
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    const orgs = await app.db.selectFrom('users').select('id').where('email', '=', email).execute();
    expect(orgs).toHaveLength(1);
  });
});

describe('defaults and the test mailbox', () => {
  it('the limits default to what the README says', async () => {
    const { loadEnv } = await import('../src/env');
    const env = loadEnv({ NODE_ENV: 'development' });
    expect([env.RATE_LIMIT_SIGNUPS_PER_IP, env.RATE_LIMIT_INVITATIONS_PER_ORG, env.RATE_LIMIT_EMAILS_PER_ADDRESS, env.RATE_LIMIT_ACCOUNT_EMAILS_PER_IP]).toEqual([20, 50, 5, 30]);
    expect(env.DEV_MAILBOX).toBe(true);
    expect(loadEnv({ NODE_ENV: 'development', SMTP_URL: 'smtp://mail.example.com:587' }).DEV_MAILBOX).toBe(false);
  });

  it('without DEV_MAILBOX the test mailbox is not served (404), so nobody reads another address\'s links', async () => {
    const closed = await startApp({ env: { DEV_MAILBOX: 'false' } });
    try {
      const res = await new Client(closed.baseUrl).call(authContract.devMailbox, { query: { email: 'anyone@example.test' } });
      expect(res.status).toBe(404);
    } finally {
      await closed.close();
    }
  });
});

describe('authenticated responses are not cached', () => {
  it('JSON and the CSV export carry Cache-Control: no-store', async () => {
    const { owner } = await createOrg(app);
    for (const res of [await owner.call(creditsContract.summary), await owner.call(authContract.session), await owner.call(creditsContract.usageCsv), await owner.call(orgContract.listMembers)]) {
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
    }
  });
});
