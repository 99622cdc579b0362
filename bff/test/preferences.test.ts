import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authContract } from '@ai-credits/shared/contracts/auth';
import { Client, createOrg, startApp, type TestApp } from './support/harness';

// Issue 24: "a UTC toggle remembered per user". The choice is the user's, on the server: two people
// in one browser keep their own, and the same person on another browser sees hers.
let app: TestApp;
beforeAll(async () => {
  app = await startApp();
});
afterAll(() => app.close());

describe('time zone preference', () => {
  it('is "local" until chosen, saved per user, and read back with the session on any browser', async () => {
    const { owner, admin, member, session } = await createOrg(app);
    expect(session.user.preferences).toEqual({ timeZone: 'local' });

    const saved = await member.call(authContract.setPreferences, { body: { timeZone: 'utc' } });
    expect(saved.status).toBe(200);
    expect(saved.body).toEqual({ timeZone: 'utc' });
    expect((await member.call(authContract.session)).body.user.preferences).toEqual({ timeZone: 'utc' });
    // Others keep their own choice.
    expect((await owner.call(authContract.session)).body.user.preferences).toEqual({ timeZone: 'local' });
    expect((await admin.call(authContract.session)).body.user.preferences).toEqual({ timeZone: 'local' });

    // Another browser (a new sign-in) sees it, in the sign-in answer and in the session.
    const elsewhere = new Client(app.baseUrl);
    const login = await elsewhere.login(member.session!.user.email);
    expect(login.status).toBe(200);
    expect(login.body.user.preferences).toEqual({ timeZone: 'utc' });

    // Back to local from the other browser; the first one reads it.
    expect((await elsewhere.call(authContract.setPreferences, { body: { timeZone: 'local' } })).body).toEqual({ timeZone: 'local' });
    expect((await member.call(authContract.session)).body.user.preferences).toEqual({ timeZone: 'local' });
    const row = await app.db.selectFrom('users').select('time_zone').where('id', '=', member.session!.user.id).executeTakeFirstOrThrow();
    expect(row.time_zone).toBe('local');
  });

  it('is refused without a session, without the CSRF token and with bad input; nothing changes', async () => {
    const { owner } = await createOrg(app);
    const anonymous = await new Client(app.baseUrl).call(authContract.setPreferences, { body: { timeZone: 'utc' } });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.code).toBe('UNAUTHENTICATED');

    // The session cookie without the CSRF token (what another site's form could send).
    const noCsrf = await fetch(app.baseUrl + authContract.setPreferences.path, {
      method: 'PUT',
      headers: { cookie: owner.cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ timeZone: 'utc' }),
    });
    expect(noCsrf.status).toBe(403);
    expect(((await noCsrf.json()) as { error: { code: string } }).error.code).toBe('CSRF_FAILED');

    for (const body of [{ timeZone: 'Asia/Kolkata' }, { timeZone: 'UTC' }, {}, { timeZone: 'utc', theme: 'dark' }, null]) {
      const res = await owner.call(authContract.setPreferences, { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
    }
    expect((await owner.call(authContract.session)).body.user.preferences).toEqual({ timeZone: 'local' });
  });
});
