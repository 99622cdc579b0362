import { test, expect, createApiKey, creditSummary, meterUsage, settle, expectNoSeriousA11yViolations } from '../fixtures';

/**
 * Issue 21's proof, end to end on the real BFF: the owner saves a card in the sandbox Checkout,
 * turns auto top-up on, metering takes the balance below the threshold, and the top-up lands on
 * the open page (no reload): the top-up, the purchase row with its tax invoice PDF, and the
 * receipt email with the PDF attached.
 */
test('auto top-up: a saved card, a threshold crossed by metering, a top-up that lands without a reload', async ({ signUp, request }, testInfo) => {
  const owner = await signUp({ landOn: '/settings/billing' });
  const { page } = owner;
  await expect(page.getByRole('heading', { level: 1, name: 'Plans & Billing' })).toBeVisible();
  const autoTopUp = page.getByRole('region', { name: 'Auto top-up' });
  await expect(autoTopUp).toContainText('Saved card: none');

  // Buy Starter and save the card (the owner's consent).
  await page.getByRole('button', { name: 'Buy Credits' }).first().click();
  const picker = page.getByRole('dialog', { name: 'Buy credits' });
  await picker.getByRole('radio', { name: /Starter/ }).check();
  await picker.getByRole('checkbox', { name: /Save this card for auto top-up/ }).check();
  await picker.getByRole('button', { name: 'Continue to payment' }).click();
  const checkout = page.getByRole('dialog', { name: /Checkout/ });
  await checkout.getByRole('button', { name: 'Pay (success)' }).click();
  await expect(checkout).toBeHidden();
  await page.getByRole('button', { name: 'Dismiss' }).click();
  await expect(autoTopUp).toContainText(/Saved card: .+ ending \d{4}/);

  // Threshold just under today's balance (300 + 1,000): one metering call crosses it.
  const before = await creditSummary(owner);
  expect(before.balanceMc).toBe(1_300_000);
  await page.getByLabel('When the balance drops below (credits)').fill('1299');
  await page.getByLabel('Buy', { exact: true }).selectOption('starter');
  await page.getByLabel('Top-ups per month').fill('1');
  await autoTopUp.getByRole('button', { name: 'Save auto top-up' }).click();
  await expect(autoTopUp.getByRole('status')).toHaveText('Auto top-up saved.');
  await page.evaluate(() => ((window as unknown as { e2eNoReload: boolean }).e2eNoReload = true));

  const token = await createApiKey(owner);
  const res = await meterUsage(request, token, { useCase: 'chat', model: 'demo-model', inputTokens: 2_000, outputTokens: 1_000 });
  expect(res.status(), await res.text()).toBe(200);

  // The top-up lands on the open page: its line, the purchase row with its tax invoice.
  const topUps = autoTopUp.getByRole('list', { name: 'Recent top-ups' });
  await expect(topUps.getByRole('listitem').first()).toContainText('Starter ($10.00 before GST), Credits added', { timeout: 40_000 });
  const row = page.getByRole('table', { name: 'Purchases' }).getByRole('row').filter({ hasText: 'Auto top-up: Starter' });
  await expect(row).toContainText('Paid, credits added');
  await expect(row).toContainText('$11.80'); // the total charged: $10.00 + CGST 9 % + SGST 9 %
  const invoiceLink = row.getByRole('link', { name: /^Tax invoice AIC-\d{6,} \(PDF\)$/ });
  const number = /AIC-\d{6,}/.exec((await invoiceLink.textContent())!)![0];
  const pdf = await page.request.get((await invoiceLink.getAttribute('href'))!);
  expect(pdf.headers()['content-type']).toBe('application/pdf');
  expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');
  expect(await page.evaluate(() => (window as unknown as { e2eNoReload?: boolean }).e2eNoReload)).toBe(true);
  const after = await creditSummary(owner);
  // The call (2,000 input tokens at 0.5 credits per 1k + 1,000 output at 1.5) and one Starter, no more.
  expect(after.balanceMc).toBe(before.balanceMc - 2_500 + 1_000_000);
  await settle(page);
  await expectNoSeriousA11yViolations(page, testInfo, 'plans-billing-auto-topup');

  // The receipt email of the top-up carries its tax invoice.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sent emails' }).click();
  const receipt = page.getByRole('article').filter({ hasText: number });
  await expect(receipt).toContainText(`The GST tax invoice ${number} is attached (PDF).`);
  await expect(receipt).toContainText(new RegExp(`Attachedtax-invoice-${number}\\.pdf`));
});
