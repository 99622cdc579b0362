import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { billingContract } from '@ai-credits/shared/contracts/billing';
import { meteringContract } from '@ai-credits/shared/contracts/metering';
import { orgContract } from '@ai-credits/shared/contracts/org';
import { createLogger } from '../src/lib/logger';
import { paymentEntity, postWebhook, sandboxSecrets, signedWebhook } from './support/billing-helpers';
import { Client, startApp, uniq, type TestApp } from './support/harness';

/** Every line the BFF logs, as written (after pino's redaction and the request log's serializers). */
let captured = '';
const sink = new Writable({
  write(chunk: Buffer, _enc, done) {
    captured += chunk.toString();
    done();
  },
});

let app: TestApp;
beforeAll(async () => {
  // development, not test: request logging (autoLogging) is on, as in production.
  app = await startApp({ env: { NODE_ENV: 'development', LOG_LEVEL: 'debug' }, logger: createLogger('debug', sink) });
});
afterAll(() => app.close());

describe('credentials never reach the log', () => {
  it('signup, login, purchase (sandbox callback and webhook) and a metering call: no secret in the captured log', async () => {
    const secrets: Record<string, string> = {};
    const email = `${uniq('logs-')}@example.test`;
    const owner = new Client(app.baseUrl);
    await owner.signup({ email, password: 'correct horse battery' });
    secrets.signupSession = owner.cookie.split('=')[1]!;
    secrets.password = 'correct horse battery';

    const fresh = new Client(app.baseUrl);
    expect((await fresh.login(email, 'correct horse battery')).status).toBe(200);
    secrets.loginSession = fresh.cookie.split('=')[1]!;
    secrets.csrf = fresh.csrfToken;

    const invited = await fresh.call(orgContract.createInvitation, { body: { email: `${uniq('inv-')}@example.test`, role: 'member' } });
    expect(invited.status).toBe(201);
    secrets.invitationToken = invited.body.acceptToken;
    const joined = new Client(app.baseUrl);
    expect((await joined.call(orgContract.acceptInvitation, { body: { token: secrets.invitationToken, name: 'Joiner', password: 'joiner-password' } })).status).toBe(200);
    secrets.invitationSession = joined.cookie.split('=')[1]!;

    const key = await fresh.request('POST', '/api/api-keys', { body: { name: 'logs' } });
    expect(key.status).toBe(201);
    secrets.apiKey = key.body.token;

    const checkout = await fresh.call(billingContract.createPurchase, { body: { bundleId: 'starter' } });
    expect(checkout.status).toBe(201);
    const callback = await fresh.call(billingContract.sandboxPay, { body: { purchaseId: checkout.body.purchaseId, outcome: 'success' } });
    expect(callback.status).toBe(200);
    secrets.checkoutSignature = callback.body.razorpay_signature;
    const verified = await fresh.call(billingContract.verifyPurchase, { params: { purchaseId: checkout.body.purchaseId }, body: callback.body });
    expect(verified.status).toBe(200);

    // A webhook signed with the sandbox secret (signature in the x-razorpay-signature header).
    const secret = (await sandboxSecrets(app)).webhookSecret;
    const hook = signedWebhook(secret, 'payment.captured', {
      payment: paymentEntity({ id: 'pay_logs', orderId: checkout.body.orderId, amount: checkout.body.amount, status: 'captured' }),
    });
    expect((await postWebhook(app, hook)).status).toBe(200);
    secrets.webhookSignature = hook.signature;

    const metered = await fetch(app.baseUrl + meteringContract.record.path, {
      method: 'POST',
      headers: { authorization: `Bearer ${secrets.apiKey}`, 'idempotency-key': uniq('logs-key-'), 'content-type': 'application/json' },
      body: JSON.stringify({ useCase: 'chat', model: 'gpt-4o-mini', inputTokens: 10, outputTokens: 10 }),
    });
    expect(metered.status).toBe(200);
    // A refused request is logged too.
    await fetch(app.baseUrl + '/api/credits/summary', { headers: { authorization: `Bearer ${secrets.apiKey}x`, cookie: `aic_session=${secrets.loginSession}` } });

    // The log did record those requests (so this test can fail) ...
    for (const url of ['/api/auth/signup', '/api/auth/login', '/api/invitations/accept', '/api/billing/purchases', '/api/billing/webhook', '/api/v1/metering/record']) {
      expect(captured).toContain(`"url":"${url}`);
    }
    expect(captured).toContain('"statusCode":401');
    // ... and none of the credentials.
    for (const [name, value] of Object.entries(secrets)) {
      expect(value.length, name).toBeGreaterThan(8);
      expect(captured.includes(value), `${name} is in the log`).toBe(false);
    }
  });
});
