import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type Request } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import { errorMiddleware } from './http/error.middleware';
import { HttpError } from './http/http-error';
import { spaRouter } from './http/static-assets';
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

export interface AppDeps extends CoreDeps {
  /** Replacements for adapters (payment gateway, model provider), for tests. */
  overrides?: Partial<Adapters>;
}

/** Builds the Express app; never listens (server.ts does). */
export function createApp(deps: AppDeps) {
  const services = createServices(deps);
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.set('query parser', 'simple');

  // Request logging is on the hot path of every metering call (docs/benchmarks.md): log method,
  // URL and status only (no headers to copy and redact), and successful requests at debug.
  app.use(
    pinoHttp({
      logger: deps.logger,
      autoLogging: deps.env.NODE_ENV !== 'test',
      quietReqLogger: true,
      // our serializers read the raw request: no full std-serializer object built first
      wrapSerializers: false,
      serializers: {
        req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'info' : 'debug'),
    }),
  );
  app.use(
    helmet({
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

  app.get('/api/health', (_req, res) => {
    res.json({ ok: true });
  });

  const api = express.Router();
  api.use(sessionMiddleware(services));
  api.use(csrfMiddleware());
  api.use(apiKeyMiddleware(services));
  api.use(authRouter(services));
  api.use(orgRouter(services));
  api.use(creditsRouter(services));
  api.use(aiRouter(services));
  api.use(apiKeysRouter(services));
  api.use(meteringRouter(services));
  api.use(openApiRouter(services));
  api.use(billingRouter(services));
  api.use('/api', (req) => {
    throw new HttpError(404, 'NOT_FOUND', `No route for ${req.method} ${req.originalUrl.split('?')[0]}`);
  });
  app.use(api);

  // The built SPA, one origin with the API.
  const webDist = path.resolve(deps.env.WEB_DIST);
  if (deps.env.WEB_DIST && existsSync(path.join(webDist, 'index.html'))) app.use(spaRouter(webDist));

  app.use(errorMiddleware);
  return Object.assign(app, { services });
}
