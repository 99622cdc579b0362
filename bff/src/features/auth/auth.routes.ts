import { Router, type CookieOptions } from 'express';
import { authContract } from '@ai-credits/shared/contracts/auth';
import { orgContract } from '@ai-credits/shared/contracts/org';
import { mount } from '../../http/endpoint';
import { HttpError } from '../../http/http-error';
import type { Services } from '../../services';
import { SESSION_COOKIE } from './session.middleware';

// Auth routes set and clear the session cookie; mount parses and answers as for every endpoint.
export function authRouter(services: Services): Router {
  const router = Router();
  const cookie: CookieOptions = {
    httpOnly: true,
    sameSite: 'lax',
    secure: services.env.COOKIE_SECURE,
    path: '/',
    maxAge: services.env.SESSION_TTL_HOURS * 3600 * 1000,
  };

  // Sign-up signs nobody in: the emailed link does (verifyEmail). The same answer for every address.
  mount(router, authContract.signup, ({ body, ip }) => services.accounts.requestSignup({ ...body, ip }));

  mount(router, authContract.verifyEmail, async ({ body, cookies }) => {
    const { token, context } = await services.accounts.verifyEmail(body.token);
    cookies.set(SESSION_COOKIE, token, cookie);
    return services.accounts.sessionInfo(context);
  });
  mount(router, authContract.resendVerification, ({ body, ip }) => services.accounts.resendVerification(body.email, ip));
  mount(router, authContract.forgotPassword, ({ body, ip }) => services.accounts.forgotPassword(body.email, ip));
  mount(router, authContract.resetPassword, ({ body }) => services.accounts.resetPassword(body.token, body.password));
  mount(router, authContract.devMailbox, async ({ query }) => {
    if (!services.accounts.devMailbox) throw new HttpError(404, 'NOT_FOUND', 'No route for GET /api/dev/mailbox');
    return { emails: await services.email.accountEmailsTo(query.email) };
  });

  mount(router, authContract.login, async ({ body, ip, cookies }) => {
    const { token, context } = await services.accounts.login({ ...body, ip });
    cookies.set(SESSION_COOKIE, token, cookie);
    return services.accounts.sessionInfo(context);
  });

  // Accepting an invitation signs in to the organization joined (a new session cookie).
  mount(router, orgContract.acceptInvitation, async ({ body, session, ip, cookies }) => {
    const { token, context } = await services.invitations.accept(body, session, ip);
    cookies.set(SESSION_COOKIE, token, cookie);
    return services.accounts.sessionInfo(context);
  });

  // Signing out without a session (twice, or after it expired) still clears the cookie: not an error.
  mount(router, authContract.logout, { signedOutOk: true }, async ({ session, cookies }) => {
    if (session) await services.accounts.logout(session.sessionId);
    cookies.clear(SESSION_COOKIE, { ...cookie, maxAge: undefined });
  });

  mount(router, authContract.session, ({ session }) => services.accounts.sessionInfo(session));
  mount(router, authContract.setPreferences, ({ actor, body }) => services.accounts.setPreferences(actor.userId, body));
  return router;
}
