import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { billingContract } from '@ai-credits/shared/contracts/billing';
import { authContract } from '@ai-credits/shared/contracts/auth';
import { orgContract } from '@ai-credits/shared/contracts/org';
import { TestClock } from '../src/lib/clock';
import { createLogger } from '../src/lib/logger';
import { createEmailService, smtpTransport } from '../src/features/email/email.service';
import { queueEmail } from '../src/features/email/email.service';
import { checkoutSignature } from '../src/features/billing/payment-gateway';
import { paymentEntity, postWebhook, purchaseGrants, sandboxSecrets, signedWebhook } from './support/billing-helpers';
import { Client, createOrg, startApp, uniq, type TestApp } from './support/harness';
import { waitFor } from './support/fault-helpers';

/** What the in-process SMTP server received, parsed as a mail client would. */
interface Delivered {
  to: string[];
  from: string;
  subject: string;
  text: string;
  attachments: { filename: string; contentType: string; content: Buffer }[];
}

// A real SMTP server in this process: the BFF delivers to it over TCP through nodemailer.
const delivered: Delivered[] = [];
/** Recipients refused once (a temporary failure), then accepted: the retry path. */
const refuseOnce = new Set<string>();
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  onRcptTo(address, _session, callback) {
    if (refuseOnce.delete(address.address)) return callback(Object.assign(new Error('Mailbox busy, try later'), { responseCode: 451 }));
    callback();
  },
  onData(stream, session, callback) {
    simpleParser(stream)
      .then((mail) => {
        delivered.push({
          to: session.envelope.rcptTo.map((r) => r.address),
          from: mail.from?.text ?? '',
          subject: mail.subject ?? '',
          text: mail.text ?? '',
          attachments: mail.attachments.map((a) => ({ filename: a.filename ?? '', contentType: a.contentType, content: a.content })),
        });
        callback();
      })
      .catch(callback);
  },
});

let smtpUrl: string;
let app: TestApp;
let outboxApp: TestApp;
const clock = new TestClock();
const PUBLIC_URL = 'https://credits.example.test';
const FROM = 'AI Credits <billing@example.test>';

beforeAll(async () => {
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  smtpUrl = `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`;
  app = await startApp({ clock, poolMax: 20, env: { SMTP_URL: smtpUrl, EMAIL_FROM: FROM, PUBLIC_URL, SESSION_TTL_HOURS: '2160' } });
  outboxApp = await startApp({ env: { SESSION_TTL_HOURS: '2160' } });
});
afterAll(async () => {
  await app.services.email.idle();
  app.services.email.close();
  await app.close();
  await outboxApp.close();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

const to = (address: string) => delivered.filter((m) => m.to.includes(address));
async function deliveredTo(address: string, count = 1) {
  await app.services.email.dispatch();
  await waitFor(`${count} email(s) to ${address}`, async () => to(address).length >= count);
  await app.services.email.idle();
  return to(address);
}

describe('emails go out over SMTP when SMTP_URL is set', () => {
  it('an invitation is emailed with its accept link; the outbox row is marked sent', async () => {
    const { owner, session } = await createOrg(app);
    const email = `${uniq('invitee-')}@example.test`;
    const created = await owner.call(orgContract.createInvitation, { body: { email, role: 'member' } });
    expect(created.status).toBe(201);
    const [mail] = await deliveredTo(email);
    expect(mail!.from).toBe('"AI Credits" <billing@example.test>');
    expect(mail!.subject).toBe(`${session.user.name} invited you to ${session.org.name} on TestKase`);
    expect(mail!.text).toContain(`"${session.user.name}" invited you to join the organization "${session.org.name}" on TestKase as a member`);
    expect(mail!.text).toContain(`${PUBLIC_URL}/invitations/accept#token=${created.body.acceptToken}`);

    const rows = await app.db.selectFrom('email_outbox').selectAll().where('org_id', '=', session.org.id).where('to_address', '=', email).execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ kind: 'invitation', attempts: 1, last_error: null });
    expect(rows[0]!.sent_at).toBeInstanceOf(Date);

    // Resend: a new link by email; the old one no longer works.
    const resent = await owner.call(orgContract.resendInvitation, { params: { invitationId: created.body.invitation.id } });
    const mails = await deliveredTo(email, 2);
    expect(mails[1]!.text).toContain(`#token=${resent.body.acceptToken}`);
    expect(mails[1]!.text).not.toContain(created.body.acceptToken);
  });

  it('a refused delivery is recorded and retried on the next dispatch; it is sent once', async () => {
    const { orgId } = await createOrg(app);
    await app.services.email.idle(); // the invitations createOrg sent are out of the way
    const address = `${uniq('busy-')}@example.test`;
    refuseOnce.add(address);
    await queueEmail(app.db, { orgId, kind: 'alert', to: address, subject: 'Retry me', text: 'Body' }, new Date());
    await app.services.email.dispatch();
    const failed = await app.db.selectFrom('email_outbox').selectAll().where('to_address', '=', address).executeTakeFirstOrThrow();
    expect(failed.sent_at).toBeNull();
    expect(failed.attempts).toBe(1);
    expect(failed.last_error).toContain('Mailbox busy');
    expect(to(address)).toHaveLength(0);

    const mails = await deliveredTo(address);
    expect(mails).toHaveLength(1);
    const sent = await app.db.selectFrom('email_outbox').selectAll().where('to_address', '=', address).executeTakeFirstOrThrow();
    expect(sent).toMatchObject({ attempts: 2, last_error: null });
    expect(sent.sent_at).toBeInstanceOf(Date);
  });

  it('two dispatchers (two BFF instances) at once deliver each queued email exactly once', async () => {
    const { orgId } = await createOrg(app);
    await app.services.email.idle();
    const tag = uniq('burst-');
    const addresses = Array.from({ length: 45 }, (_, i) => `${tag}-${i}@example.test`);
    await app.db.transaction().execute(async (trx) => {
      for (const address of addresses) await queueEmail(trx, { orgId, kind: 'alert', to: address, subject: tag, text: 'x' }, new Date());
    });
    const other = createEmailService({ db: app.db, clock, logger: createLogger('silent'), from: FROM, transport: smtpTransport(smtpUrl) });
    const results = await Promise.all([app.services.email.dispatch(), other.dispatch(), app.services.email.dispatch(), other.dispatch()]);
    other.close();
    expect(results.reduce((n, r) => n + r.sent, 0)).toBeGreaterThanOrEqual(addresses.length);
    const byTag = delivered.filter((m) => m.subject === tag);
    expect(byTag).toHaveLength(addresses.length);
    expect(new Set(byTag.map((m) => m.to[0])).size).toBe(addresses.length);
    const unsent = await app.db.selectFrom('email_outbox').select('id').where('org_id', '=', orgId).where('sent_at', 'is', null).execute();
    expect(unsent).toEqual([]);
  });

  it('account emails (a sign-up confirmation) go out over SMTP too, from their own outbox, never under an org\'s Sent emails', async () => {
    const email = `${uniq('smtp-signup-')}@example.test`;
    const res = await new Client(app.baseUrl).call(authContract.signup, { body: { orgName: 'Mail Org', name: 'Mo', email, password: 'password123' } });
    expect(res.status).toBe(202);
    const [mail] = await deliveredTo(email);
    expect(mail!.subject).toBe('Confirm your email address for TestKase');
    expect(mail!.text).toMatch(new RegExp(`^${PUBLIC_URL}/verify-email#token=[A-Za-z0-9_-]{43}$`, 'm'));
    await waitFor('marked sent', async () => (await app.db.selectFrom('account_email_outbox').select('sent_at').where('to_address', '=', email).executeTakeFirstOrThrow()).sent_at !== null);
    expect(await app.db.selectFrom('email_outbox').select('id').where('to_address', '=', email).execute()).toEqual([]);
  });

  it('a purchase receipt is emailed exactly once when the callback and webhooks race', async () => {
    clock.follow(new Date());
    const org = await createOrg(app);
    const secrets = await sandboxSecrets(app);
    const p = (await org.owner.call(billingContract.createPurchase, { body: { bundleId: 'professional' } })).body;
    const paymentId = 'pay_RACERACERACE01';
    const callback = { razorpay_order_id: p.orderId, razorpay_payment_id: paymentId, razorpay_signature: checkoutSignature(secrets.keySecret, p.orderId, paymentId) };
    const hook = () => signedWebhook(secrets.webhookSecret, 'payment.captured', { payment: paymentEntity({ id: paymentId, orderId: p.orderId, amount: p.amount, status: 'captured', orgId: org.orgId }) });
    const results = await Promise.all([
      ...Array.from({ length: 5 }, () => org.owner.call(billingContract.verifyPurchase, { params: { purchaseId: p.purchaseId }, body: callback })),
      ...Array.from({ length: 5 }, () => postWebhook(app, hook())),
    ]);
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(await purchaseGrants(app, org.orgId, p.purchaseId)).toHaveLength(1);

    const receipts = await app.db.selectFrom('email_outbox').selectAll().where('org_id', '=', org.orgId).where('kind', '=', 'receipt').execute();
    expect(receipts).toHaveLength(1);
    // The owner also got their sign-up's confirmation email (issue 20): count the receipts.
    const isReceipt = (m: Delivered) => m.subject.includes('receipt');
    await waitFor('the receipt email', async () => to(org.session.user.email).some(isReceipt));
    const receiptMails = to(org.session.user.email).filter(isReceipt);
    expect(receiptMails).toHaveLength(1);
    const [mail] = receiptMails;
    expect(mail!.subject).toMatch(/^Your TestKase AI Credits receipt AIC-\d{8}-[0-9A-F]{8}$/);
    // The Professional bundle: $50.00 (catalog) + GST 18 % (no billing profile: CGST 9 % + SGST 9 %) = $59.00, written out rather than formatted by the code under test.
    expect(p.amount).toBe(5_900);
    expect(mail!.text).toContain('your payment of $59.00 USD was received');
    expect(mail!.text).toContain('Item: Professional bundle: 5,500 credits');
    expect(mail!.text).toContain(`Billed to: ${org.session.org.name}`);
    expect(mail!.text).toContain('Test mode (sandbox): no real money was charged.');
    expect(mail!.text).toContain(`Razorpay payment: ${paymentId}`);
  });

  it('the receipt carries the tax invoice PDF: stored with the outbox row, sent again whole after a refused attempt, listed under Sent emails', async () => {
    clock.follow(new Date());
    const org = await createOrg(app);
    const owner = org.session.user.email;
    const order = await org.owner.call(billingContract.createPurchase, { body: { bundleId: 'starter' } });
    const paid = await org.owner.call(billingContract.sandboxPay, { body: { purchaseId: order.body.purchaseId, outcome: 'success' } });
    // The first delivery attempt of the receipt is refused (451): the retry must send the same file.
    refuseOnce.add(owner);
    const verified = await org.owner.call(billingContract.verifyPurchase, { params: { purchaseId: order.body.purchaseId }, body: paid.body });
    const number = verified.data.purchase.taxInvoiceNumber!;
    expect(number).toMatch(/^AIC-\d{6,}$/);

    const [row] = await app.db.selectFrom('email_outbox').select(['id', 'body_text']).where('org_id', '=', org.orgId).where('kind', '=', 'receipt').execute();
    const stored = await app.db.selectFrom('email_attachments').selectAll().where('org_id', '=', org.orgId).where('email_id', '=', row!.id).execute();
    expect(stored.map((a) => [a.filename, a.content_type])).toEqual([[`tax-invoice-${number}.pdf`, 'application/pdf']]);
    expect(row!.body_text).toContain(`The GST tax invoice ${number} is attached (PDF)`);

    await waitFor('a refused attempt', async () => {
      await app.services.email.dispatch();
      return (await app.db.selectFrom('email_outbox').select('attempts').where('org_id', '=', org.orgId).where('id', '=', row!.id).executeTakeFirstOrThrow()).attempts >= 1;
    });
    const mails = (await deliveredTo(owner)).filter((m) => m.subject.includes('receipt'));
    expect(mails).toHaveLength(1);
    const [pdf] = mails[0]!.attachments;
    expect(pdf).toMatchObject({ filename: `tax-invoice-${number}.pdf`, contentType: 'application/pdf' });
    expect(pdf!.content.subarray(0, 5).toString()).toBe('%PDF-');
    expect(Buffer.compare(pdf!.content, Buffer.from(stored[0]!.content))).toBe(0);
    const { extractText, getDocumentProxy } = await import('unpdf');
    const { text } = await extractText(await getDocumentProxy(new Uint8Array(pdf!.content)), { mergePages: true });
    expect(text.replace(/\s+/g, ' ')).toContain(`Invoice number: ${number}`);

    // Sent emails (owner or admin) says the file is there, without its bytes.
    const outbox = await org.admin.call(orgContract.listEmails);
    const listed = outbox.data.emails.find((e) => e.kind === 'receipt')!;
    expect(listed.sentAt).not.toBeNull();
    expect(listed.attachments).toEqual([{ filename: `tax-invoice-${number}.pdf`, contentType: 'application/pdf', sizeBytes: stored[0]!.content.length }]);
    expect(outbox.data.emails.filter((e) => e.kind !== 'receipt').every((e) => e.attachments.length === 0)).toBe(true);
  });

  it('a credit alert crossed by a metering call goes out when its batch commits, not at the next outbox sweep (issue 23)', async () => {
    const owner = new Client(app.baseUrl);
    const session = await owner.signup();
    const orgId = session.org.id;
    // 160 of the month's 300 credits: past 50 %. Nobody calls dispatch() here (the sweep is not running in tests).
    await app.services.ledger.record({ orgId, userId: null, projectId: null, apiKeyId: null, source: 'app', useCase: 'report', model: 'llama-3-70b', inputTokens: 200_000, outputTokens: 0 });
    await waitFor('the alert email to be sent', async () => {
      const rows = await app.db.selectFrom('email_outbox').select('sent_at').where('org_id', '=', orgId).where('kind', '=', 'alert').execute();
      return rows.length === 1 && rows[0]!.sent_at !== null;
    });
    await app.services.email.idle();
    expect(to(session.user.email).some((m) => m.subject.includes('50'))).toBe(true);
  });

  it('the overage invoice is emailed to the owner when the billing month closes, with the catalog rule', async () => {
    clock.set('2026-04-07T00:00:00Z');
    const owner = new Client(app.baseUrl);
    const session = await owner.signup();
    const orgId = session.org.id;
    const { ledger } = app.services;
    await app.services.credits.setOverageLimit(orgId, session.user.id, 50);
    const ctx = { orgId, userId: null, projectId: null, apiKeyId: null, source: 'app' as const };
    await ledger.record({ ...ctx, useCase: 'report', model: 'llama-3-70b', inputTokens: 300 * 1250, outputTokens: 0 });
    await ledger.record({ ...ctx, useCase: 'report', model: 'llama-3-70b', inputTokens: 45_200 * 1.25, outputTokens: 0 }); // 45.2 credits of overage
    clock.set('2026-05-07T00:00:00Z');
    await ledger.ensureCurrentPeriod(orgId);
    await ledger.ensureCurrentPeriod(orgId);

    const rows = await app.db.selectFrom('email_outbox').selectAll().where('org_id', '=', orgId).where('kind', '=', 'overage_invoice').execute();
    expect(rows).toHaveLength(1);
    // The month's credit alerts (50-100 %) went to the owner too: pick the invoice.
    const isInvoice = (m: { subject?: string }) => Boolean(m.subject?.startsWith('Overage invoice'));
    await app.services.email.dispatch();
    await waitFor('the overage invoice email', async () => to(session.user.email).some(isInvoice));
    await app.services.email.idle();
    const mail = to(session.user.email).find(isInvoice);
    // 45.2 credits of overage are billed as 46 whole credits at 40 cents: $18.40.
    expect(mail!.subject).toBe(`Overage invoice for ${session.org.name}: $18.40 for 2026-04-07 to 2026-05-07`);
    expect(mail!.text).toContain('closed with 45.2 credits used beyond the balance');
    expect(mail!.text).toContain('Overage is billed in whole credits: 46 credits = $18.40.');
    expect(mail!.text).toContain('Amount due: $18.40 USD.');
  });
});

describe('without SMTP_URL the outbox is the test-mode mailbox', () => {
  it('owners and admins read the org emails, newest first with their text; members are refused; other orgs see nothing', async () => {
    const a = await createOrg(outboxApp);
    const b = await createOrg(outboxApp);
    const email = `${uniq('invitee-')}@example.test`;
    const created = await a.owner.request('POST', '/api/org/invitations', { body: { email, role: 'member' }, headers: { origin: 'http://localhost:5173' } });
    expect(created.status).toBe(201);

    const list = await a.owner.call(orgContract.listEmails);
    expect(list.status).toBe(200);
    expect(list.body.mode).toBe('outbox');
    const [newest] = list.body.emails;
    expect(newest).toMatchObject({ kind: 'invitation', to: email, sentAt: null, attempts: 0 });
    // No PUBLIC_URL here: the server's own address makes the link, never the request's Origin (issue 20).
    expect(newest.text).toContain(`http://localhost:3000/invitations/accept#token=${created.body.acceptToken}`);
    expect(newest.text).not.toContain('5173');
    // Older rows (the admin's and member's own invitations) follow.
    expect(list.body.emails.map((e: { createdAt: string }) => e.createdAt)).toEqual([...list.body.emails.map((e: { createdAt: string }) => e.createdAt)].sort().reverse());
    expect(list.body.emails).toHaveLength(3);

    expect((await a.admin.call(orgContract.listEmails)).status).toBe(200);
    const member = await a.member.call(orgContract.listEmails);
    expect(member.status).toBe(403);
    expect(member.text).not.toContain(created.body.acceptToken);
    const other = await b.owner.call(orgContract.listEmails);
    expect(other.body.emails.map((e: { to: string }) => e.to)).not.toContain(email);
    expect(JSON.stringify(other.body)).not.toContain(created.body.acceptToken);
  });

  it('a refused invitation (already pending) queues no second email', async () => {
    const a = await createOrg(outboxApp);
    const email = `${uniq('twice-')}@example.test`;
    expect((await a.owner.call(orgContract.createInvitation, { body: { email, role: 'member' } })).status).toBe(201);
    const again = await a.owner.call(orgContract.createInvitation, { body: { email, role: 'member' } });
    expect(again.status).toBe(409);
    const rows = await outboxApp.db.selectFrom('email_outbox').select('id').where('org_id', '=', a.orgId).where('to_address', '=', email).execute();
    expect(rows).toHaveLength(1);
  });

  it('nothing is sent and the dispatcher is a no-op', async () => {
    expect(outboxApp.services.email.mode).toBe('outbox');
    expect(await outboxApp.services.email.dispatch()).toEqual({ sent: 0, failed: 0 });
  });
});
