import { test, expect, creditSummary, expectNoSeriousA11yViolations, saveScreenshot, settle } from '../fixtures';

/**
 * Monthly statements and the emailed tax invoice (issue 21, ADR 035), through the built SPA and
 * the real BFF: buy a bundle, download this month's statement as PDF and CSV from Plans & Billing,
 * and find the receipt with its tax invoice PDF attached under Sent emails.
 */
test('owner downloads this month’s statement (PDF and CSV) after a purchase; the receipt email carries the tax invoice PDF', async ({ signUp }, testInfo) => {
  const owner = await signUp({ landOn: '/settings/billing' });
  const { page } = owner;
  await expect(page.getByRole('heading', { level: 1, name: 'Plans & Billing' })).toBeVisible();

  await page.getByRole('button', { name: 'Buy Credits' }).first().click();
  const picker = page.getByRole('dialog', { name: 'Buy credits' });
  await picker.getByRole('radio', { name: /Starter/ }).check();
  await picker.getByRole('button', { name: 'Continue to payment' }).click();
  const checkout = page.getByRole('dialog', { name: /Checkout/ });
  await checkout.getByRole('button', { name: 'Pay (success)' }).click();
  await expect(checkout).toBeHidden();
  await page.getByRole('button', { name: 'Dismiss' }).click();
  const row = page.getByRole('table', { name: 'Purchases' }).getByRole('row').filter({ hasText: 'Starter' });
  const invoiceLink = row.getByRole('link', { name: /^Tax invoice AIC-\d{6,} \(PDF\)$/ });
  const number = /AIC-\d{6,}/.exec((await invoiceLink.textContent())!)![0];

  const { period, balanceMc } = await creditSummary(owner);
  const id = period.start.slice(0, 10);
  const statements = page.getByRole('region', { name: 'Monthly statements' });
  const item = statements.getByRole('listitem').first();
  await expect(item).toContainText('So far');
  await settle(page);
  await expectNoSeriousA11yViolations(page, testInfo, 'plans-billing-statements');
  await statements.scrollIntoViewIfNeeded();
  await saveScreenshot(page, testInfo, 'plans-billing-statements-1280', { fullPage: false });
  await page.setViewportSize({ width: 390, height: 844 });
  await statements.scrollIntoViewIfNeeded();
  await saveScreenshot(page, testInfo, 'plans-billing-statements-390', { fullPage: false });
  // Nothing sideways at 390 px.
  expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
  await page.setViewportSize({ width: 1280, height: 800 });

  const pdfLink = item.getByRole('link', { name: /\(PDF\)$/ });
  const [pdfDownload] = await Promise.all([page.waitForEvent('download'), pdfLink.click()]);
  expect(pdfDownload.suggestedFilename()).toBe(`statement-${id}.pdf`);
  const pdf = await (await page.request.get((await pdfLink.getAttribute('href'))!)).body();
  expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');

  const csvLink = item.getByRole('link', { name: /\(CSV\)$/ });
  const [csvDownload] = await Promise.all([page.waitForEvent('download'), csvLink.click()]);
  expect(csvDownload.suggestedFilename()).toBe(`statement-${id}.csv`);
  const csv = (await (await page.request.get((await csvLink.getAttribute('href'))!)).text()).split('\r\n');
  expect(csv[0]).toBe('Line,Time (UTC),Description,Credits,Millicredits,Amount (USD cents)');
  expect(csv.find((l) => l.startsWith('Purchase,'))).toContain(`(tax invoice ${number})",1000,1000000,1180`);
  expect(csv.find((l) => l.startsWith('Closing balance,'))).toContain(`,${balanceMc / 1000},${balanceMc},`);

  // Sent emails (test mode): the receipt, with the tax invoice PDF attached.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sent emails' }).click();
  const receipt = page.getByRole('article', { name: /receipt/ });
  await expect(receipt).toContainText(`The GST tax invoice ${number} is attached (PDF).`);
  await expect(receipt).toContainText(new RegExp(`Attachedtax-invoice-${number}\\.pdf \\(\\d+\\.\\d KB\\)`));
  await settle(page);
  await expectNoSeriousA11yViolations(page, testInfo, 'sent-emails-attachment');
});
