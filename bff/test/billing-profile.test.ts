import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { billingContract } from '@ai-credits/shared/contracts/billing';
import { orgContract } from '@ai-credits/shared/contracts/org';
import { DEMO_SELLER } from '@ai-credits/shared/tax';
import { loadEnv } from '../src/env';
import { sellerFrom } from '../src/features/billing/seller';
import { createOrg, startApp, type TestApp } from './support/harness';

const PROFILE = {
  legalName: 'Acme QA Private Limited',
  addressLine1: '12 MG Road',
  addressLine2: null,
  city: 'Bengaluru',
  postalCode: '560001',
  country: 'IN',
  state: '27',
  taxId: '27AAPFU0939F1ZV',
  invoiceEmail: 'Accounts@Acme.test',
};

describe('billing profile', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startApp();
  });
  afterAll(() => app?.close());

  it('the owner sets it (GSTIN checked), admins read it, members neither; each save is audited', async () => {
    const { owner, admin, member } = await createOrg(app);
    const empty = await owner.call(billingContract.profile);
    expect(empty.status).toBe(200);
    expect(empty.body).toEqual({ profile: null, seller: { ...DEMO_SELLER } });

    const wrongCheck = await owner.call(billingContract.setProfile, { body: { ...PROFILE, taxId: '27AAPFU0939F1ZW' } });
    expect(wrongCheck.status).toBe(400);
    expect(wrongCheck.body.error.message).toContain('taxId: not a valid GSTIN');
    const otherState = await owner.call(billingContract.setProfile, { body: { ...PROFILE, state: '29' } });
    expect(otherState.body.error.message).toContain('taxId: the GSTIN belongs to another state');
    const noState = await owner.call(billingContract.setProfile, { body: { ...PROFILE, state: null, taxId: null } });
    expect(noState.body.error.message).toContain('state: for India, the GST state code');

    const saved = await owner.call(billingContract.setProfile, { body: PROFILE });
    expect(saved.status).toBe(200);
    expect(saved.body.profile).toMatchObject({ ...PROFILE, invoiceEmail: 'accounts@acme.test' });
    // Outside India the tax ID is free text (a VAT number, an EIN).
    const abroad = await owner.call(billingContract.setProfile, { body: { ...PROFILE, country: 'DE', state: 'Berlin', taxId: 'DE123456789' } });
    expect(abroad.status).toBe(200);

    expect((await admin.call(billingContract.profile)).body.profile.country).toBe('DE');
    expect((await admin.call(billingContract.setProfile, { body: PROFILE })).status).toBe(403);
    expect((await member.call(billingContract.profile)).status).toBe(403);

    const log = await owner.call(orgContract.auditLog, { query: { limit: 10, action: 'billing_profile.changed' } });
    expect(log.body.entries).toHaveLength(2);
    expect(log.body.entries[1].from).toBeNull();
    expect(log.body.entries[0].from).toMatchObject({ country: 'IN', taxId: '27AAPFU0939F1ZV' });
    expect(log.body.entries[0].to).toMatchObject({ country: 'DE', taxId: 'DE123456789' });
  });
});

describe('seller configuration', () => {
  const PRODUCTION_READY = {
    NODE_ENV: 'production',
    ALLOW_SANDBOX_PAYMENTS: 'true',
    ALLOW_DEMO_MODEL: 'true',
    ALLOW_OUTBOX_EMAIL: 'true',
    PUBLIC_URL: 'https://credits.example.com',
  };
  const refusal = (source: Record<string, string>) => {
    try {
      loadEnv(source);
      return '';
    } catch (err) {
      return (err as Error).message;
    }
  };

  it('production refuses to start without the seller, naming each missing variable', () => {
    const message = refusal(PRODUCTION_READY);
    expect(message).toContain('SELLER_LEGAL_NAME, SELLER_ADDRESS, SELLER_GSTIN: the seller on every tax invoice');
    expect(refusal({ ...PRODUCTION_READY, SELLER_LEGAL_NAME: 'TestKase Pvt Ltd', SELLER_ADDRESS: 'Bengaluru', SELLER_GSTIN: '29AAGCB7383J1Z4' })).toBe('');
  });

  it('a GSTIN with a wrong check character is refused in every environment', () => {
    expect(refusal({ NODE_ENV: 'development', SELLER_GSTIN: '29AAGCB7383J1Z5' })).toContain('SELLER_GSTIN: the GSTIN check character does not match');
  });

  it('outside production the demo seller stands in; the state comes from the GSTIN', () => {
    expect(sellerFrom(loadEnv({ NODE_ENV: 'development' }))).toEqual({ ...DEMO_SELLER });
    expect(sellerFrom(loadEnv({ NODE_ENV: 'development', SELLER_GSTIN: '33AAACH7409R1Z8' })).state).toBe('33');
  });
});
