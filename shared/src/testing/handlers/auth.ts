import { http, HttpResponse, type HttpHandler } from 'msw';
import { authContract } from '../../contracts/auth';
import { apiError, bodyOf, json, url, validationFailed } from '../http';
import { createMockStore, sessionOf, type MockStore } from '../store';

/** Sign-up, sign-in, sign-out and the session. */
export function authHandlers(db: MockStore): HttpHandler[] {
  return [
    http.get(url(authContract.session), () => (db.signedIn ? json(authContract.session, sessionOf(db)) : apiError(401, 'UNAUTHENTICATED', 'Please sign in.'))),
    http.post(url(authContract.login), async ({ request }) => {
      const parsed = authContract.login.body.safeParse(await bodyOf(request));
      if (!parsed.success) return validationFailed(parsed.error);
      const member = db.members.find((m) => m.email === parsed.data.email);
      if (!member || db.passwords.get(member.email) !== parsed.data.password) {
        return apiError(401, 'INVALID_CREDENTIALS', 'Email or password is incorrect.');
      }
      db.signedIn = true;
      db.userId = member.userId;
      return json(authContract.login, sessionOf(db));
    }),
    http.post(url(authContract.signup), async ({ request }) => {
      const parsed = authContract.signup.body.safeParse(await bodyOf(request));
      if (!parsed.success) return validationFailed(parsed.error);
      if (db.members.some((m) => m.email === parsed.data.email)) return apiError(409, 'EMAIL_TAKEN', 'An account with this email already exists.');
      // A new org: the creator is its owner and gets the 300-credit allowance.
      const fresh = createMockStore('emptyOrg', { now: db.now });
      const owner = { ...fresh.members[0]!, name: parsed.data.name, email: parsed.data.email };
      Object.assign(db, fresh, {
        org: { ...fresh.org, name: parsed.data.orgName },
        members: [owner],
        userId: owner.userId,
        passwords: new Map([[owner.email, parsed.data.password]]),
        signedIn: true,
      });
      return json(authContract.signup, sessionOf(db), 201);
    }),
    http.post(url(authContract.logout), () => {
      db.signedIn = false;
      return new HttpResponse(null, { status: 204 });
    }),
  ];
}

