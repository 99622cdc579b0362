import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeysContract } from '@ai-credits/shared/contracts/api-keys';
import { createOrg, startApp, type TestApp } from './support/harness';

/**
 * ADR 022: nginx routes a request by the org its credential carries, so one org's calls reach one
 * instance and batch together. These are the patterns deploy/nginx.conf.template matches.
 */
const template = readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../deploy/nginx.conf.template'), 'utf8');
function mapPattern(variable: string): RegExp {
  const block = new RegExp(`map \\$${variable} \\$\\w+ \\{\\n\\s*"~([^"]+)"`).exec(template);
  if (!block) throw new Error(`no map on $${variable} in the nginx template`);
  return new RegExp(block[1]!.replace('(?<o>', '('));
}

let app: TestApp;
beforeAll(async () => {
  app = await startApp();
});
afterAll(() => app.close());

describe('credentials carry their org for the balancer', () => {
  it("the session cookie and an API key both name their org the way nginx's maps read it", async () => {
    const { owner, admin, orgId } = await createOrg(app);
    const hex = orgId.replaceAll('-', '');
    const session = decodeURIComponent(owner.cookie.split('=').slice(1).join('='));
    expect(mapPattern('cookie_aic_session').exec(session)?.[1]).toBe(hex);
    const { token } = (await admin.call(apiKeysContract.create, { body: { name: 'routing' } })).data;
    expect(mapPattern('http_authorization').exec(`Bearer ${token}`)?.[1]).toBe(hex);
  });
});
