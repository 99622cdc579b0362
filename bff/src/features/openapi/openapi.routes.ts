import { createRequire } from 'node:module';
import path from 'node:path';
import { Router } from 'express';
import type { Services } from '../../services';

/**
 * The API reference: Swagger UI (swagger-ui-dist, served from node_modules: no CDN) rendering
 * /api/openapi.json. Only the three files it needs are served, and our own initializer (the
 * CSP allows no inline script).
 */
const SWAGGER_DIR = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const SWAGGER_ASSETS = new Set(['swagger-ui.css', 'swagger-ui-bundle.js', 'swagger-ui-standalone-preset.js']);

const REFERENCE_HTML = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>AI Credits API reference</title>
    <link rel="stylesheet" href="/api/docs/assets/swagger-ui.css" />
  </head>
  <body>
    <main id="swagger-ui" aria-label="AI Credits API reference"></main>
    <script src="/api/docs/assets/swagger-ui-bundle.js"></script>
    <script src="/api/docs/assets/swagger-ui-standalone-preset.js"></script>
    <script src="/api/docs/init.js"></script>
  </body>
</html>
`;

const REFERENCE_INIT = `window.ui = SwaggerUIBundle({
  url: '/api/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: 'BaseLayout',
});
`;

export function openApiRouter({ openApi }: Services): Router {
  const router = Router();
  // Plain JSON (not a contract endpoint): the document describes the contracts themselves.
  router.get('/api/openapi.json', (_req, res) => {
    res.json(openApi.document());
  });
  router.get('/api/docs', (_req, res) => {
    res.type('html').send(REFERENCE_HTML);
  });
  router.get('/api/docs/init.js', (_req, res) => {
    res.type('js').send(REFERENCE_INIT);
  });
  router.get('/api/docs/assets/:file', (req, res, next) => {
    const file = req.params.file;
    if (!SWAGGER_ASSETS.has(file)) return next();
    // The renderer's files are the same for everyone and change only with the package.
    res.set('Cache-Control', 'public, max-age=86400');
    // root: the package lives under node_modules/.pnpm, a dot directory send() would refuse in a full path.
    res.sendFile(file, { root: SWAGGER_DIR });
  });
  return router;
}
