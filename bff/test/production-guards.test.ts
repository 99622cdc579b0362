import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { billingContract } from '@ai-credits/shared/contracts/billing';
import { loadEnv } from '../src/env';
import { checkoutSignature } from '../src/features/billing/payment-gateway';
import { installationSecret } from '../src/lib/installation-secrets';
import { sandboxSecrets } from './support/billing-helpers';
import { createOrg, startApp, uniq, type TestApp } from './support/harness';

const bffDir = path.resolve(import.meta.dirname, '..');
// The seller on tax invoices is required in production (billing-profile.test.ts tests its refusal).
const PRODUCTION = { NODE_ENV: 'production', PUBLIC_URL: 'https://credits.example.com', SELLER_LEGAL_NAME: 'TestKase Private Limited', SELLER_ADDRESS: 'Bengaluru, Karnataka, India', SELLER_GSTIN: '29AAGCB7383J1Z4' };
const LIVE = { RAZORPAY_KEY_ID: 'rzp_live_abc', RAZORPAY_KEY_SECRET: 'a-real-key-secret-1234', RAZORPAY_WEBHOOK_SECRET: 'a-real-webhook-secret', AI_BASE_URL: 'https://models.example.com/v1', AI_API_KEY: 'sk-real-key-123456', SMTP_URL: 'smtp://mailer:a-real-password@smtp.example.com:587' };

function refusal(source: Record<string, string>): string {
  try {
    loadEnv(source);
  } catch (err) {
    return (err as Error).message;
  }
  return '';
}

describe('NODE_ENV=production refuses demo stand-ins unless each is switched on', () => {
  it('the sandbox gateway and the demo model are refused, both named in one message', () => {
    const message = refusal(PRODUCTION);
    expect(message).toContain('Refusing to start with NODE_ENV=production');
    expect(message).toContain('ALLOW_SANDBOX_PAYMENTS');
    expect(message).toContain('ALLOW_DEMO_MODEL');
    expect(message).toContain('ALLOW_OUTBOX_EMAIL');
  });

  it('without SMTP_URL emails only stay in the outbox: refused unless ALLOW_OUTBOX_EMAIL=true; a non-SMTP URL is refused', () => {
    const { SMTP_URL: _smtp, ...noSmtp } = LIVE;
    expect(refusal({ ...PRODUCTION, ...noSmtp })).toContain('ALLOW_OUTBOX_EMAIL: no SMTP_URL');
    expect(refusal({ ...PRODUCTION, ...noSmtp, ALLOW_OUTBOX_EMAIL: 'true' })).toBe('');
    expect(refusal({ NODE_ENV: 'development', SMTP_URL: 'https://mail.example.com' })).toContain('SMTP_URL');
  });

  it('each opt-in lifts only its own refusal', () => {
    expect(refusal({ ...PRODUCTION, ALLOW_SANDBOX_PAYMENTS: 'true' })).not.toContain('ALLOW_SANDBOX_PAYMENTS');
    expect(refusal({ ...PRODUCTION, ALLOW_SANDBOX_PAYMENTS: 'true' })).toContain('ALLOW_DEMO_MODEL');
    expect(refusal({ ...PRODUCTION, ALLOW_DEMO_MODEL: 'true' })).toContain('ALLOW_SANDBOX_PAYMENTS');
    expect(refusal({ ...PRODUCTION, ALLOW_SANDBOX_PAYMENTS: 'true', ALLOW_DEMO_MODEL: 'true' })).toContain('ALLOW_OUTBOX_EMAIL');
    expect(refusal({ ...PRODUCTION, ALLOW_SANDBOX_PAYMENTS: 'true', ALLOW_DEMO_MODEL: 'true', ALLOW_OUTBOX_EMAIL: 'true' })).toBe('');
    expect(refusal({ ...PRODUCTION, ...LIVE })).toBe('');
  });

  it('the demo seed is off in production unless SEED_DEMO=true', () => {
    expect(loadEnv({ ...PRODUCTION, ...LIVE }).SEED_DEMO).toBe(false);
    expect(loadEnv({ ...PRODUCTION, ...LIVE, SEED_DEMO: 'true' }).SEED_DEMO).toBe(true);
    expect(loadEnv({ NODE_ENV: 'development' }).SEED_DEMO).toBe(true);
  });

  it('a partial Razorpay configuration or a placeholder secret is refused', () => {
    expect(refusal({ ...PRODUCTION, ...LIVE, RAZORPAY_WEBHOOK_SECRET: '' })).toContain('set all three');
    expect(refusal({ ...PRODUCTION, ...LIVE, RAZORPAY_KEY_SECRET: 'changeme' })).toContain('RAZORPAY_KEY_SECRET: a placeholder');
    expect(refusal({ ...PRODUCTION, ...LIVE, AI_API_KEY: 'test' })).toContain('AI_API_KEY: a placeholder');
  });

  it('outside production the demo stand-ins need no opt-in', () => {
    expect(refusal({ NODE_ENV: 'development' })).toBe('');
    expect(refusal({ NODE_ENV: 'test' })).toBe('');
  });

  it('the server process exits 1 with the list, before touching any database', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      cwd: bffDir,
      env: { PATH: process.env.PATH, NODE_ENV: 'production', DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    clearTimeout(timer);
    expect(code).toBe(1);
    expect(stderr).toContain('ALLOW_SANDBOX_PAYMENTS');
    expect(stderr).toContain('ALLOW_DEMO_MODEL');
    expect(stderr).not.toContain('    at '); // a message, not a stack trace
  });
});

describe('sandbox signing secrets are random per installation, stored in PostgreSQL', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startApp();
  });
  afterAll(() => app.close());

  it('concurrent first uses all get the one secret', async () => {
    const name = uniq('test_secret_');
    const values = await Promise.all(Array.from({ length: 20 }, () => installationSecret(app.db, name)));
    expect(new Set(values).size).toBe(1);
    expect(values[0]!.length).toBeGreaterThanOrEqual(40);
    expect(await app.db.selectFrom('installation_secrets').select('value').where('name', '=', name).execute()).toEqual([{ value: values[0] }]);
  });

  it('the sandbox signs with the stored secret; the old built-in constant no longer verifies', async () => {
    const org = await createOrg(app);
    const p = (await org.owner.call(billingContract.createPurchase, { body: { bundleId: 'starter' } })).body;
    const paid = await org.owner.call(billingContract.sandboxPay, { body: { purchaseId: p.purchaseId, outcome: 'success' } });
    const { keySecret } = await sandboxSecrets(app);
    expect(paid.body.razorpay_signature).toBe(checkoutSignature(keySecret, p.orderId, paid.body.razorpay_payment_id));
    const forged = { ...paid.body, razorpay_signature: checkoutSignature('sandbox_key_secret_for_local_test_mode', p.orderId, paid.body.razorpay_payment_id) };
    expect((await org.owner.call(billingContract.verifyPurchase, { params: { purchaseId: p.purchaseId }, body: forged })).status).toBe(400);
  });

  it('no signing secret is a constant in the source', () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const full = path.join(dir, name);
        if (statSync(full).isDirectory()) walk(full);
        else if (full.endsWith('.ts')) files.push(full);
      }
    };
    walk(path.join(bffDir, 'src'));
    walk(path.resolve(bffDir, '..', 'shared', 'src'));
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      expect(text, file).not.toMatch(/secret_for_local_test_mode|SANDBOX_(KEY|WEBHOOK)_SECRET\b/);
      // No literal assigned as a default secret (e.g. `SECRET: z.string().default('...')`).
      expect(text, file).not.toMatch(/SECRET[A-Z_]*:\s*z\.string\(\)[^\n]*\.default\(/);
    }
  });
});

describe('HSTS only over HTTPS', () => {
  it('absent by default, present with COOKIE_SECURE=true', async () => {
    const plain = await startApp({ poolMax: 2 });
    const secure = await startApp({ env: { COOKIE_SECURE: 'true' }, poolMax: 2 });
    try {
      expect((await fetch(plain.baseUrl + '/api/health')).headers.get('strict-transport-security')).toBeNull();
      expect((await fetch(secure.baseUrl + '/api/health')).headers.get('strict-transport-security')).toContain('max-age=31536000');
    } finally {
      await plain.close();
      await secure.close();
    }
  });
});
