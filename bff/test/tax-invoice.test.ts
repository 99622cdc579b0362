import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractText, getDocumentProxy } from 'unpdf';
import { billingContract } from '@ai-credits/shared/contracts/billing';
import { DEMO_SELLER, EXPORT_NOTE } from '@ai-credits/shared/tax';
import { createOrg, startApp, type Client, type TestApp } from './support/harness';

/**
 * Tax before payment and GST tax invoices (issue 21, ADR 031): the order is for the bundle price
 * plus GST by the billing profile's place of supply; each paid purchase gets one PDF tax invoice
 * with the seller's next gap-free number, read back here as text.
 */
const PROFILE = {
  legalName: 'Acme QA Private Limited',
  addressLine1: '12 MG Road',
  addressLine2: null,
  city: 'Pune',
  postalCode: '411001',
  country: 'IN',
  state: '27',
  taxId: '27AAPFU0939F1ZV',
  invoiceEmail: 'accounts@acme.test',
};

async function buy(owner: Client, bundleId: 'starter' | 'professional') {
  const order = await owner.call(billingContract.createPurchase, { body: { bundleId } });
  expect(order.status, order.text).toBe(201);
  const paid = await owner.call(billingContract.sandboxPay, { body: { purchaseId: order.body.purchaseId, outcome: 'success' } });
  expect(paid.status, paid.text).toBe(200);
  const verified = await owner.call(billingContract.verifyPurchase, { params: { purchaseId: order.body.purchaseId }, body: paid.body });
  expect(verified.status, verified.text).toBe(200);
  return { order: order.data, purchase: verified.data.purchase };
}

async function pdfOf(app: TestApp, client: Client, purchaseId: string) {
  const res = await fetch(`${app.baseUrl}/api/billing/purchases/${purchaseId}/tax-invoice`, { headers: { cookie: client.cookie } });
  const bytes = new Uint8Array(await res.arrayBuffer());
  return { status: res.status, type: res.headers.get('content-type'), bytes };
}

async function pdfText(bytes: Uint8Array): Promise<string> {
  const { text } = await extractText(await getDocumentProxy(bytes), { mergePages: true });
  return text.replace(/\s+/g, ' ');
}

describe('tax before payment and GST tax invoices', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startApp();
  });
  afterAll(() => app?.close());

  it('another Indian state: the order is the price + IGST 18 %, and the PDF holds the number, both GSTINs, the SAC, the split and the total', async () => {
    const { owner, admin, member } = await createOrg(app);
    expect((await owner.call(billingContract.setProfile, { body: PROFILE })).status).toBe(200);
    const { order, purchase } = await buy(owner, 'starter');
    expect(order.amount).toBe(1_180);
    expect(order.tax).toEqual({ treatment: 'igst', netCents: 1_000, lines: [{ name: 'IGST', rateBp: 1800, cents: 180 }], taxCents: 180, totalCents: 1_180, rateBp: 1800, note: null });
    expect(purchase).toMatchObject({ amountCents: 1_180, netCents: 1_000, taxCents: 180, credits: 1_000, status: 'granted' });
    expect(purchase.taxInvoiceNumber).toMatch(/^AIC-\d{6,}$/);

    const history = await admin.call(billingContract.history);
    expect(history.data.purchases[0]).toMatchObject({ id: purchase.id, taxInvoiceNumber: purchase.taxInvoiceNumber });

    const pdf = await pdfOf(app, owner, purchase.id);
    expect(pdf.status).toBe(200);
    expect(pdf.type).toBe('application/pdf');
    expect(new TextDecoder().decode(pdf.bytes.slice(0, 5))).toBe('%PDF-');
    const text = await pdfText(pdf.bytes);
    expect(text).toContain('Tax Invoice');
    expect(text).toContain(`Invoice number: ${purchase.taxInvoiceNumber}`);
    expect(text).toContain(`GSTIN: ${DEMO_SELLER.gstin}`);
    expect(text).toContain('GSTIN: 27AAPFU0939F1ZV');
    expect(text).toContain('Acme QA Private Limited');
    expect(text).toContain(DEMO_SELLER.legalName);
    expect(text).toContain('Place of supply: Maharashtra (27)');
    expect(text).toContain('Starter bundle: 1,000 AI credits');
    expect(text).toContain('998315');
    expect(text).toContain('IGST 18% $1.80 USD');
    expect(text).toContain('Total $11.80 USD');
    expect(text).not.toContain('CGST');

    // Owner and admin read it; a member is refused by the server.
    expect((await pdfOf(app, admin, purchase.id)).status).toBe(200);
    expect((await pdfOf(app, member, purchase.id)).status).toBe(403);
  });

  it('the seller’s state: CGST 9 % + SGST 9 %; no profile: the same (place of supply is the seller’s); outside India: no tax, the export note', async () => {
    const same = await createOrg(app);
    await same.owner.call(billingContract.setProfile, { body: { ...PROFILE, state: '29', taxId: null, city: 'Bengaluru' } });
    const a = await buy(same.owner, 'professional');
    expect(a.order.amount).toBe(5_900);
    expect(a.order.tax.lines).toEqual([
      { name: 'CGST', rateBp: 900, cents: 450 },
      { name: 'SGST', rateBp: 900, cents: 450 },
    ]);
    const textA = await pdfText((await pdfOf(app, same.owner, a.purchase.id)).bytes);
    expect(textA).toContain('CGST 9% $4.50 USD');
    expect(textA).toContain('SGST 9% $4.50 USD');
    expect(textA).toContain('Total $59.00 USD');
    expect(textA).toContain('GSTIN: unregistered');

    const none = await createOrg(app);
    const b = await buy(none.owner, 'starter');
    expect(b.order.tax).toMatchObject({ treatment: 'cgst_sgst', totalCents: 1_180 });
    expect(await pdfText((await pdfOf(app, none.owner, b.purchase.id)).bytes)).toContain('No billing profile on record');

    const abroad = await createOrg(app);
    await abroad.owner.call(billingContract.setProfile, { body: { ...PROFILE, country: 'DE', state: 'Berlin', city: 'Berlin', taxId: 'DE123456789' } });
    const c = await buy(abroad.owner, 'starter');
    expect(c.order).toMatchObject({ amount: 1_000, tax: { treatment: 'export', taxCents: 0, lines: [], note: EXPORT_NOTE } });
    const textC = await pdfText((await pdfOf(app, abroad.owner, c.purchase.id)).bytes);
    expect(textC).toContain('IGST 0% $0.00 USD');
    expect(textC).toContain('Total $10.00 USD');
    expect(textC).toContain('Supply meant for export of services under LUT');
    expect(textC).toContain('Tax ID: DE123456789');
  });

  it('a purchase not paid has no tax invoice; another org’s purchase is not found', async () => {
    const org = await createOrg(app);
    const other = await createOrg(app);
    const order = await org.owner.call(billingContract.createPurchase, { body: { bundleId: 'starter' } });
    expect((await pdfOf(app, org.owner, order.data.purchaseId)).status).toBe(409);
    expect((await pdfOf(app, other.owner, order.data.purchaseId)).status).toBe(404);
  });

  it('invoice numbers have no gaps and no repeats under concurrent purchases of many orgs', async () => {
    const orgs = await Promise.all(Array.from({ length: 8 }, () => createOrg(app)));
    const orders = await Promise.all(orgs.flatMap((o) => [0, 1].map(() => o.owner.call(billingContract.createPurchase, { body: { bundleId: 'starter' } }).then((r) => ({ owner: o.owner, id: r.data.purchaseId })))));
    const numbers = await Promise.all(
      orders.map(async ({ owner, id }) => {
        const paid = await owner.call(billingContract.sandboxPay, { body: { purchaseId: id, outcome: 'success' } });
        return (await owner.call(billingContract.verifyPurchase, { params: { purchaseId: id }, body: paid.body })).data.purchase.taxInvoiceNumber;
      }),
    );
    expect(new Set(numbers).size).toBe(orders.length);
    // The whole sequence of the seller (every test file's invoices on this database): 1..N, each once.
    const seqs = await app.db.selectFrom('tax_invoices').select('seq').where('seller_gstin', '=', DEMO_SELLER.gstin).orderBy('seq').execute();
    expect(seqs.map((r) => Number(r.seq))).toEqual(seqs.map((_, i) => i + 1));
    const last = await app.db.selectFrom('invoice_sequences').select('last_number').where('seller_gstin', '=', DEMO_SELLER.gstin).executeTakeFirstOrThrow();
    expect(Number(last.last_number)).toBe(seqs.length);
  });
});
