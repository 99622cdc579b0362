import { http, HttpResponse, type HttpHandler } from 'msw';
import { authContract } from '../../contracts/auth';
import { apiError, bodyOf, cookieOf, json, requireSession, SESSION_COOKIE, url, validationFailed } from '../http';
import { createMockStore } from '../store/fixtures';
import { sessionOf } from '../store/projections';
import { nextId, type MockStore } from '../store/state';

/** Signed in as `userId`: with cookie sessions, a new session cookie for this client. */
function signIn(db: MockStore, userId: string, body: unknown, status: number): Response {
  db.signedIn = true;
  db.userId = userId;
  if (!db.cookieSessions) return HttpResponse.json(body as never, { status });
  const token = nextId();
  db.sessions.set(token, userId);
  return HttpResponse.json(body as never, { status, headers: { 'set-cookie': `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Lax` } });
}


/** Sign-up, sign-in, sign-out and the session. */
export function authHandlers(db: MockStore): HttpHandler[] {
  return [
    http.get(url(authContract.session), ({ request }) => requireSession(db, request, authContract.session) ?? json(authContract.session, sessionOf(db))),
    http.post(url(authContract.login), async ({ request }) => {
      const parsed = authContract.login.body.safeParse(await bodyOf(request));
      if (!parsed.success) return validationFailed(parsed.error);
      const member = db.members.find((m) => m.email === parsed.data.email);
      if (!member || db.passwords.get(member.email) !== parsed.data.password) {
        return apiError(401, 'INVALID_CREDENTIALS', 'Email or password is incorrect.');
      }
      return signIn(db, member.userId, sessionOf({ ...db, userId: member.userId }), 200);
    }),
    http.post(url(authContract.signup), async ({ request }) => {
      const parsed = authContract.signup.body.safeParse(await bodyOf(request));
      if (!parsed.success) return validationFailed(parsed.error);
      if (db.members.some((m) => m.email === parsed.data.email)) return apiError(409, 'EMAIL_TAKEN', 'An account with this email already exists.');
      // A new org: the creator is its owner and gets the 300-credit allowance.
      const fresh = createMockStore('emptyOrg', db.options);
      const owner = { ...fresh.members[0]!, name: parsed.data.name, email: parsed.data.email };
      Object.assign(db, fresh, {
        org: { ...fresh.org, name: parsed.data.orgName },
        members: [owner],
        userId: owner.userId,
        passwords: new Map([[owner.email, parsed.data.password]]),
      });
      return signIn(db, owner.userId, sessionOf(db), 201);
    }),
    http.post(url(authContract.logout), ({ request }) => {
      const token = cookieOf(request);
      if (token) db.sessions.delete(token);
      db.signedIn = false;
      return new HttpResponse(null, { status: 204 });
    }),
  ];
}

