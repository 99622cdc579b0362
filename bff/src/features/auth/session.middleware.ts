import { timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { getSession, type SessionActor } from '../../http/endpoint';
import { HttpError } from '../../http/http-error';
import type { Services } from '../../services';

export const SESSION_COOKIE = 'aic_session';

/** The cookie's value; undefined when absent or unreadable (bad percent-encoding is no session, not a 500). */
export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** Loads the session named by the cookie (sessions live in PostgreSQL) and sets the actor. */
export function sessionMiddleware(services: Pick<Services, 'accounts'>): RequestHandler {
  return async (req, res, next) => {
    const token = readCookie(req, SESSION_COOKIE);
    if (token && token.length <= 200) {
      const session = await services.accounts.readSession(token);
      if (session) {
        res.locals.session = session;
        res.locals.actor = {
          orgId: session.info.org.id,
          userId: session.info.user.id,
          role: session.info.role,
          apiKeyId: null,
        } satisfies SessionActor;
      }
    }
    next();
  };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
// The invitation lookup is a POST only to keep its token out of URLs; it changes nothing, and the
// invitation page asks it before it has read the session (and its token).
const CSRF_EXEMPT = new Set(['/api/auth/login', '/api/auth/signup', '/api/auth/verify-email', '/api/auth/resend-verification', '/api/auth/forgot-password', '/api/auth/reset-password', '/api/invitations/lookup']);

/**
 * Every state-changing request made with the session cookie must echo the session's CSRF token
 * in `x-csrf-token` (the SPA reads it from /api/auth/session). Requests without a session cookie
 * (API keys, Razorpay webhooks) carry no ambient authority and are not checked here.
 */
export function csrfMiddleware(): RequestHandler {
  return (req, res, next) => {
    const session = getSession(res);
    // Mounted under /api: baseUrl + path is the full path whatever the mount point.
    if (!session || SAFE_METHODS.has(req.method) || CSRF_EXEMPT.has(req.baseUrl + req.path)) return next();
    const sent = Buffer.from(req.get('x-csrf-token') ?? '');
    const expected = Buffer.from(session.csrfToken);
    if (sent.length !== expected.length || !timingSafeEqual(sent, expected)) {
      throw new HttpError(403, 'CSRF_FAILED', 'Missing or invalid CSRF token; reload the page and try again');
    }
    next();
  };
}
