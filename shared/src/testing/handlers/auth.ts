import { http, HttpResponse, type HttpHandler } from 'msw';
import { SELLER } from '../../catalog';
import { authContract } from '../../contracts/auth';
import { apiError, bodyOf, cookieOf, json, requireSession, SESSION_COOKIE, url, validationFailed } from '../http';
import { createMockStore } from '../store/fixtures';
import { sessionOf } from '../store/projections';
import { nextId, nowIso, type MockStore } from '../store/state';

/** Signed in as `userId`: with cookie sessions, a new session cookie for this client. */
function signIn(db: MockStore, userId: string, body: unknown, status: number): Response {
  db.signedIn = true;
  db.userId = userId;
  if (!db.cookieSessions) return HttpResponse.json(body as never, { status });
  const token = nextId();
  db.sessions.set(token, userId);
  return HttpResponse.json(body as never, { status, headers: { 'set-cookie': `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Lax` } });
}


const origin = () => (globalThis as { location?: { origin: string } }).location?.origin ?? '';

/** The mock has no SMTP: account emails land in the dev mailbox, as in the BFF in test mode. */
function mailAccount(db: MockStore, kind: string, to: string, subject: string, text: string) {
  db.accountMail.unshift({ id: nextId(), kind, to, subject, text, createdAt: nowIso(db), sentAt: null, attempts: 0, lastError: null, attachments: [] });
}

/** Sign-up (with its emailed link), sign-in, sign-out, password reset and the session. */
export function authHandlers(db: MockStore): HttpHandler[] {
  return [
    http.get(url(authContract.session), ({ request }) => requireSession(db, request, authContract.session) ?? json(authContract.session, sessionOf(db))),
    // The signed-in user's own preferences (any role), as users.time_zone in the BFF.
    http.put(url(authContract.setPreferences), async ({ request }) => {
      const denied = requireSession(db, request, authContract.setPreferences);
      if (denied) return denied;
      const parsed = authContract.setPreferences.body.safeParse(await bodyOf(request));
      if (!parsed.success) return validationFailed(parsed.error);
      db.timeZones.set(db.userId, parsed.data.timeZone);
      return json(authContract.setPreferences, { timeZone: parsed.data.timeZone });
    }),
    http.post(url(authContract.login), async ({ request }) => {
      const parsed = authContract.login.body.safeParse(await bodyOf(request));
      if (!parsed.success) return validationFailed(parsed.error);
      const member = db.members.find((m) => m.email === parsed.data.email);
      if (!member || db.passwords.get(member.email) !== parsed.data.password) {
        return apiError(401, 'INVALID_CREDENTIALS', 'Email or password is incorrect.');
      }
      return signIn(db, member.userId, sessionOf({ ...db, userId: member.userId }), 200);
    }),
    // Sign-up signs nobody in: the same answer for every address, and an email to it (the dev mailbox).
    http.post(url(authContract.signup), async ({ request }) => {
      const parsed = authContract.signup.body.safeParse(await bodyOf(request));
      if (!parsed.success) return validationFailed(parsed.error);
      const { email } = parsed.data;
      if (db.members.some((m) => m.email === email)) {
        mailAccount(db, 'account_exists', email, `You already have a ${SELLER.name} account`, `Sign in: ${origin()}/login\nForgot your password? Reset it: ${origin()}/forgot-password`);
      } else {
        const token = `mock-link-${nextId()}`;
        db.accountLinks.set(token, { purpose: 'signup', email, signup: { orgName: parsed.data.orgName, name: parsed.data.name, password: parsed.data.password } });
        mailAccount(db, 'verify_email', email, `Confirm your email address for ${SELLER.name}`, `Open this link to confirm it is yours and sign in (it works once):\n${origin()}/verify-email#token=${token}`);
      }
      return json(authContract.signup, { devMailbox: true }, 202);
    }),
    http.post(url(authContract.verifyEmail), async ({ request }) => {
      const parsed = authContract.verifyEmail.body.safeParse(await bodyOf(request));
      if (!parsed.success) return validationFailed(parsed.error);
      const link = db.accountLinks.get(parsed.data.token);
      const refused = () => apiError(409, 'CONFLICT', 'This link was already used or has expired. Sign in, or sign up again for a new link.');
      if (!link || link.purpose === 'reset_password') return refused();
      db.accountLinks.delete(parsed.data.token);
      if (link.purpose === 'verify') {
        // An unverified member of this org confirms their address: signed in, verified.
        const member = db.members.find((m) => m.email === link.email);
        if (!member) return refused();
        db.unverified.delete(member.userId);
        return signIn(db, member.userId, sessionOf({ ...db, userId: member.userId }), 200);
      }
      if (!link.signup) return refused();
      const pending = link.signup;
      // A new org: the creator is its owner and gets the 300-credit allowance.
      const fresh = createMockStore('emptyOrg', db.options);
      const owner = { ...fresh.members[0]!, name: pending.name, email: link.email };
      Object.assign(db, fresh, {
        org: { ...fresh.org, name: pending.orgName },
        members: [owner],
        userId: owner.userId,
        passwords: new Map([[owner.email, pending.password]]),
        sessions: db.sessions,
        accountMail: db.accountMail,
        accountLinks: db.accountLinks,
      });
      return signIn(db, owner.userId, sessionOf(db), 200);
    }),
    http.post(url(authContract.resendVerification), async ({ request }) => {
      const parsed = authContract.resendVerification.body.safeParse(await bodyOf(request));
      if (!parsed.success) return validationFailed(parsed.error);
      const member = db.members.find((m) => m.email === parsed.data.email);
      if (member && db.unverified.has(member.userId)) {
        const token = `mock-link-${nextId()}`;
        db.accountLinks.set(token, { purpose: 'verify', email: member.email });
        mailAccount(db, 'verify_email', member.email, `Confirm your email address for ${SELLER.name}`, `Open this link to confirm it is yours and sign in (it works once):\n${origin()}/verify-email#token=${token}`);
      }
      return json(authContract.resendVerification, { devMailbox: true }, 202);
    }),
    http.post(url(authContract.forgotPassword), async ({ request }) => {
      const parsed = authContract.forgotPassword.body.safeParse(await bodyOf(request));
      if (!parsed.success) return validationFailed(parsed.error);
      const { email } = parsed.data;
      if (db.passwords.has(email)) {
        const token = `mock-link-${nextId()}`;
        db.accountLinks.set(token, { purpose: 'reset_password', email });
        mailAccount(db, 'password_reset', email, `Reset your ${SELLER.name} password`, `Open this link to choose a new password (it works once):\n${origin()}/reset-password#token=${token}`);
      }
      return json(authContract.forgotPassword, { devMailbox: true }, 202);
    }),
    http.post(url(authContract.resetPassword), async ({ request }) => {
      const parsed = authContract.resetPassword.body.safeParse(await bodyOf(request));
      if (!parsed.success) return validationFailed(parsed.error);
      const link = db.accountLinks.get(parsed.data.token);
      if (!link || link.purpose !== 'reset_password') return apiError(409, 'CONFLICT', 'This link was already used or has expired. Ask for a new one.');
      db.accountLinks.delete(parsed.data.token);
      db.passwords.set(link.email, parsed.data.password);
      const member = db.members.find((m) => m.email === link.email);
      if (member) {
        db.unverified.delete(member.userId);
        for (const [token, userId] of db.sessions) if (userId === member.userId) db.sessions.delete(token);
      }
      return new HttpResponse(null, { status: 204 });
    }),
    http.get(url(authContract.devMailbox), ({ request }) => {
      const parsed = authContract.devMailbox.query.safeParse(Object.fromEntries(new URL(request.url).searchParams));
      if (!parsed.success) return validationFailed(parsed.error);
      return json(authContract.devMailbox, { emails: db.accountMail.filter((m) => m.to === parsed.data.email) });
    }),
    http.post(url(authContract.logout), ({ request }) => {
      const token = cookieOf(request);
      if (token) db.sessions.delete(token);
      db.signedIn = false;
      return new HttpResponse(null, { status: 204 });
    }),
  ];
}

