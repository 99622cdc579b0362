import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type Request } from 'express';
import helmet from 'helmet';
import { sql } from 'kysely';
import type { Db } from './db/db';
import { errorMiddleware } from './http/error.middleware';
import { retryableDatabaseError } from './db/db-errors';
import { HttpError } from './http/http-error';
import { requestLogging } from './http/request-log';
import { spaRouter } from './http/static-assets';
import { readConsistency } from './http/read-consistency';
import { createServices, type CoreDeps, type Adapters } from './services';
import { sessionMiddleware, csrfMiddleware } from './features/auth/session.middleware';
import { authRouter } from './features/auth/auth.routes';
import { orgRouter } from './features/org/org.routes';
import { creditsRouter } from './features/credits/credits.routes';
import { apiKeyMiddleware } from './features/api-keys/api-key.middleware';
import { apiKeysRouter } from './features/api-keys/api-keys.routes';
import { aiRouter } from './features/ai/ai.routes';
import { meteringRouter } from './features/metering/metering.routes';
import { openApiRouter } from './features/openapi/openapi.routes';
import { billingRouter } from './features/billing/billing.routes';
import { budgetsRouter } from './features/budgets/budgets.routes';

/** `select 1` within a few seconds, or a DATABASE_UNAVAILABLE error (a hung server is as good as down). */
async function pingDatabase(db: Db) {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new HttpError(503, 'DATABASE_UNAVAILABLE', 'The database did not answer in time')), 3_000);
  });
  try {
    await Promise.race([sql`select 1`.execute(db), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface AppDeps extends CoreDeps {
  /** Replacements for adapters (payment gateway, model provider), for tests. */
  overrides?: Partial<Adapters>;
}

/** Builds the Express app; never listens (server.ts does). */
export function createApp(deps: AppDeps) {
  const services = createServices(deps);
  // server.ts flips this on SIGTERM: readiness answers 503 and no connection is kept alive.
  const lifecycle = { draining: false };
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.env.TRUST_PROXY);
  app.set('query parser', 'simple');
  // mount() cuts a streamed response whose client reads nothing for this long (http/endpoint.ts).
  app.locals.streamStallMs = deps.env.STREAM_STALL_TIMEOUT_MS;

  // Request logging is on the hot path of every metering call (docs/benchmarks.md): log method,
  // URL and status only (no headers: nothing to copy, no credential to leak), and successful requests at debug.
  app.use(services.metrics.httpMiddleware);
  app.use(
    requestLogging(deps.logger, {
      autoLogging: deps.env.NODE_ENV !== 'test',
      level: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'info' : 'debug'),
    }),
  );
  app.use(
    helmet({
      // HSTS pins the browser to HTTPS for a year: only when the BFF is served over HTTPS
      // (COOKIE_SECURE=true), never on a plain-HTTP local or test install.
      strictTransportSecurity: deps.env.COOKIE_SECURE ? { maxAge: 31_536_000, includeSubDomains: true } : false,
      contentSecurityPolicy: {
        directives: {
          // Razorpay Checkout loads its script and frame from checkout.razorpay.com (real gateway only).
          'script-src': ["'self'", 'https://checkout.razorpay.com'],
          'frame-src': ["'self'", 'https://api.razorpay.com', 'https://checkout.razorpay.com'],
          'connect-src': ["'self'", 'https://lumberjack.razorpay.com'],
          'img-src': ["'self'", 'data:'],
        },
      },
    }),
  );
  // Keep the raw bytes: webhook signatures are verified over the body exactly as sent.
  app.use(
    express.json({
      limit: '100kb',
      verify: (req, _res, buf) => {
        (req as Request & { rawBody?: Buffer }).rawBody = buf;
      },
    }),
  );

  app.use((_req, res, next) => {
    if (lifecycle.draining) res.set('Connection', 'close');
    next();
  });

  // Liveness: the process answers. Readiness: it should get traffic (not draining, database up).
  app.get('/api/health', (_req, res) => {
    res.json({ ok: true });
  });
  app.get('/api/ready', async (_req, res) => {
    if (lifecycle.draining) throw new HttpError(503, 'SHUTTING_DOWN', 'This instance is shutting down');
    try {
      await pingDatabase(services.db);
    } catch (err) {
      // Whatever the database answered (a timeout, a failed-over primary, an error we do not
      // classify), this instance should get no traffic now: 503, never 500 (ADR 020).
      if (err instanceof HttpError) throw err;
      const retryable = retryableDatabaseError(err);
      throw new HttpError(503, retryable?.code ?? 'DATABASE_UNAVAILABLE', retryable?.message ?? 'The database did not answer as expected', retryable?.retryAfterSeconds ?? 5);
    }
    res.json({ ok: true });
  });

  // Credentials are the API's business only: pages and assets never read the cookie or the
  // Authorization header (a stray `Bearer` from a proxy must not turn the SPA into 401s).
  // Nothing the API answers may be kept by a browser or proxy cache: balances, members, the CSV
  // export and tokens are per session and change (issue 20). Set before any route answers.
  app.use('/api', (_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  app.use('/api', sessionMiddleware(services), csrfMiddleware(), apiKeyMiddleware(services), readConsistency(services.reads));
  const api = express.Router();
  // The metering API first: its calls are most of the traffic, and each router a request passes
  // matches it against every route it has (no two routers share a path, so the order answers nothing else).
  api.use(meteringRouter(services));
  api.use(authRouter(services));
  api.use(orgRouter(services));
  api.use(creditsRouter(services));
  api.use(aiRouter(services));
  api.use(apiKeysRouter(services));
  api.use(openApiRouter(services));
  api.use(billingRouter(services));
  api.use(budgetsRouter(services));
  api.use('/api', (req) => {
    throw new HttpError(404, 'NOT_FOUND', `No route for ${req.method} ${req.originalUrl.split('?')[0]}`);
  });
  app.use(api);

  // The built SPA, one origin with the API.
  const webDist = path.resolve(deps.env.WEB_DIST);
  if (deps.env.WEB_DIST && existsSync(path.join(webDist, 'index.html'))) app.use(spaRouter(webDist));

  app.use(errorMiddleware);
  return Object.assign(app, { services, lifecycle });
}
