import { Router, type CookieOptions } from 'express';
import { z } from 'zod';
import { authContract } from '@ai-credits/shared/contracts/auth';
import { orgContract } from '@ai-credits/shared/contracts/org';
import { parseResponse } from '../../http/endpoint';
import { HttpError } from '../../http/http-error';
import type { Services } from '../../services';
import { getSession, SESSION_COOKIE } from './session.middleware';

// Auth routes set and clear the session cookie, so they are plain Express handlers that still
// parse with the shared contract.
export function authRouter(services: Services): Router {
  const router = Router();
  const cookie: CookieOptions = {
    httpOnly: true,
    sameSite: 'lax',
    secure: services.env.COOKIE_SECURE,
    path: '/',
    maxAge: services.env.SESSION_TTL_HOURS * 3600 * 1000,
  };

  router.post(authContract.signup.path, async (req, res) => {
    const body = z.parse(authContract.signup.body, req.body ?? {});
    const { token, context } = await services.accounts.signup(body);
    res.cookie(SESSION_COOKIE, token, cookie).status(201).json(parseResponse(authContract.signup.response, context.info));
  });

  router.post(authContract.login.path, async (req, res) => {
    const body = z.parse(authContract.login.body, req.body ?? {});
    const { token, context } = await services.accounts.login({ ...body, ip: req.ip ?? 'unknown' });
    res.cookie(SESSION_COOKIE, token, cookie).json(parseResponse(authContract.login.response, context.info));
  });

  // Accepting an invitation signs in to the organization joined (a new session cookie).
  router.post(orgContract.acceptInvitation.path, async (req, res) => {
    const body = z.parse(orgContract.acceptInvitation.body, req.body ?? {});
    const { token, context } = await services.invitations.accept(body, getSession(res), req.ip ?? 'unknown');
    res.cookie(SESSION_COOKIE, token, cookie).json(parseResponse(orgContract.acceptInvitation.response, context.info));
  });

  router.post(authContract.logout.path, async (_req, res) => {
    const session = getSession(res);
    if (session) await services.accounts.logout(session.sessionId);
    res.clearCookie(SESSION_COOKIE, { ...cookie, maxAge: undefined }).status(204).end();
  });

  router.get(authContract.session.path, (_req, res) => {
    const session = getSession(res);
    if (!session) throw new HttpError(401, 'UNAUTHENTICATED', 'Sign in first');
    res.json(parseResponse(authContract.session.response, session.info));
  });

  return router;
}
