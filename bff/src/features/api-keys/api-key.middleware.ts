import type { RequestHandler } from 'express';
import type { ApiKeyActor } from '../../http/endpoint';
import { HttpError } from '../../http/http-error';
import type { Services } from '../../services';

/**
 * `Authorization: Bearer <org API key>` makes the caller a service of the org (no user, no
 * role). A bad, unknown or revoked key is refused outright rather than treated as anonymous.
 */
export function apiKeyMiddleware(services: Pick<Services, 'apiKeys'>): RequestHandler {
  return async (req, res, next) => {
    const header = req.get('authorization')?.trim();
    // Other schemes (e.g. Basic from a proxy) are not ours to judge.
    if (!header || !/^Bearer\s/i.test(header)) return next();
    const match = /^Bearer\s+(\S{1,300})$/i.exec(header);
    const key = match ? await services.apiKeys.authenticate(match[1]!) : null;
    if (!key) throw new HttpError(401, 'UNAUTHENTICATED', 'Invalid or revoked API key');
    res.locals.actor = { orgId: key.orgId, userId: null, role: null, apiKeyId: key.apiKeyId } satisfies ApiKeyActor;
    next();
  };
}
