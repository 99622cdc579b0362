import { Router } from 'express';
import type { Services } from '../../services';

export function openApiRouter({ openApi }: Services): Router {
  const router = Router();
  // Plain JSON (not a contract endpoint): the document describes the contracts themselves.
  router.get('/api/openapi.json', (_req, res) => {
    res.json(openApi.document());
  });
  return router;
}
