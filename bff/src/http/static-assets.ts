import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import express, { Router } from 'express';

const ENCODINGS = [
  { name: 'br', suffix: '.br' },
  { name: 'gzip', suffix: '.gz' },
] as const;

/**
 * The built SPA. Files under /assets/ carry a content hash in their name, so they are cached
 * for a year as immutable and served from the brotli/gzip copies written at build time
 * (the precompress plugin in web/vite.config.ts), never compressed per request. index.html is `no-cache`: a new
 * deploy is picked up on the next load.
 */
export function spaRouter(webDist: string): Router {
  const router = Router();
  const assetsDir = path.join(webDist, 'assets');
  // Known at startup: a request names a file in this set or is left to express.static.
  const precompressed = new Set(existsSync(assetsDir) ? readdirSync(assetsDir).filter((f) => f.endsWith('.br') || f.endsWith('.gz')) : []);

  router.use('/assets', (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const name = req.path.slice(1);
    const accepted = req.get('accept-encoding') ?? '';
    res.vary('Accept-Encoding');
    const encoding = ENCODINGS.find((e) => accepted.includes(e.name) && precompressed.has(name + e.suffix));
    if (encoding) {
      res.setHeader('Content-Encoding', encoding.name);
      res.type(path.extname(name));
      req.url = `/${name}${encoding.suffix}`;
    }
    next();
  });
  router.use('/assets', express.static(assetsDir, { index: false, immutable: true, maxAge: '1y' }));
  // A missing hashed file is a 404, not the SPA's HTML under a .js name.
  router.use('/assets', (_req, res) => {
    res.status(404).end();
  });
  router.use(express.static(webDist, { index: false, maxAge: '1h' }));
  router.get(/^\/(?!api\/).*/, (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    // Relative to a root: `send` refuses an absolute path with a dot-folder in it (issue 15).
    res.sendFile('index.html', { root: webDist, cacheControl: false });
  });
  return router;
}
