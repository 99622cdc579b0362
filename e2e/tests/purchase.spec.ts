import { test, expect, creditSummary, saveScreenshot, type Owner } from '../fixtures';

/** `total`: the price + GST 18 % (no billing profile: CGST 9 % + SGST 9 %), shown before payment and charged. */
async function openCheckout(owner: Owner, bundle: RegExp, total: string) {
  const { page } = owner;
  await page.getByRole('button', { name: 'Buy Credits' }).first().click();
  const picker = page.getByRole('dialog', { name: 'Buy credits' });
  await expect(picker).toBeVisible();
  await picker.getByRole('radio', { name: bundle }).check();
  await expect(picker.getByLabel('Price with tax')).toContainText(`Total charged${total} USD`);
  await picker.getByRole('button', { name: 'Continue to payment' }).click();
  const checkout = page.getByRole('dialog', { name: /Checkout/ });
  await expect(checkout).toBeVisible();
  await expect(checkout).toContainText('Test mode');
  await expect(checkout).toContainText(`${total} USD`);
  return checkout;
}

test.describe('buying credits (sandbox Checkout)', () => {
  test('owner buys the Professional bundle: +5,500 credits without a reload; Plans & Billing lists it with a receipt', async ({ signUp }, testInfo) => {
    const owner = await signUp();
    const { page } = owner;
    await expect(page.getByRole('region', { name: 'Available Credits' })).toContainText('300 credits');
    // A marker on window survives only if the page is never reloaded.
    await page.evaluate(() => ((window as unknown as { e2eNoReload: boolean }).e2eNoReload = true));

    await page.getByRole('button', { name: 'Buy Credits' }).first().click();
    const picker = page.getByRole('dialog', { name: 'Buy credits' });
    await expect(picker.getByRole('radio', { name: /Professional/ })).toBeChecked();
    for (const [name, price, credits] of [
      ['Starter', '$10', '1,000'],
      ['Professional', '$50', '5,500'],
      ['Enterprise', '$250', '28,000'],
      ['Ultimate', '$500', '58,000'],
    ]) {
      // Each bundle's radio is labelled by its whole card: name, price, credits.
      const option = picker.getByRole('radio', { name: new RegExp(`${name}.*\\${price}\\b.*\\b${credits} credits`) });
      await expect(option).toBeVisible();
    }
    // The dialog says before payment that purchased credits expire with the billing month.
    const { period } = await creditSummary(owner);
    const endDay = new Date(period.end).toLocaleDateString('en-US', { month: 'short', day: 'numeric', year: 'numeric', timeZone: 'UTC' });
    await expect(picker).toContainText(`credits expire with this billing month on ${endDay}`);
    await saveScreenshot(page, testInfo, 'purchase-dialog-bundles', { fullPage: false });
    // Price, GST and the total charged, before any payment (no billing profile: CGST + SGST).
    const tax = picker.getByLabel('Price with tax');
    await expect(tax).toContainText('Price$50.00');
    await expect(tax).toContainText('CGST 9%$4.50');
    await expect(tax).toContainText('SGST 9%$4.50');
    await expect(tax).toContainText('Total charged$59.00 USD');
    await picker.getByRole('button', { name: 'Continue to payment' }).click();

    const checkout = page.getByRole('dialog', { name: /Checkout/ });
    await expect(checkout).toContainText('$59.00 USD');
    await expect(checkout).toContainText('Test mode');
    await saveScreenshot(page, testInfo, 'purchase-dialog-sandbox-checkout', { fullPage: false });
    await checkout.getByRole('button', { name: 'Pay (success)' }).click();
    await expect(checkout).toBeHidden();
    await expect(page.getByRole('status').filter({ hasText: '5,500 credits were added to your balance' })).toBeVisible();

    await expect(page.getByRole('region', { name: 'Available Credits' })).toContainText('5,800 credits');
    expect(await page.evaluate(() => (window as unknown as { e2eNoReload?: boolean }).e2eNoReload)).toBe(true);
    expect((await creditSummary(owner)).balanceMc).toBe(5_800_000);

    // Plans & Billing: the purchase with its Razorpay ids and a receipt.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Plans & Billing' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Plans & Billing' })).toBeVisible();
    const purchases = page.getByRole('table', { name: 'Purchases' });
    const row = purchases.getByRole('row').filter({ hasText: 'Professional' });
    await expect(row).toHaveCount(1);
    await expect(row).toContainText('$59.00');
    await expect(row).toContainText('5,500');
    await expect(row).toContainText('Paid, credits added');
    await expect(row).toContainText(/order_\w+/);
    await expect(row).toContainText(/pay_\w+/);

    const [receipt] = await Promise.all([page.context().waitForEvent('page'), row.getByRole('link', { name: 'Receipt' }).click()]);
    await receipt.waitForLoadState();
    await expect(receipt.locator('body')).toContainText('Professional');
    await expect(receipt.locator('body')).toContainText('$59.00');
    await expect(receipt.locator('body')).toContainText('5,500');
    await saveScreenshot(receipt, testInfo, 'purchase-receipt');
    await receipt.close();

    // The GST tax invoice, a PDF built by the BFF, downloads from the row.
    const invoiceLink = row.getByRole('link', { name: /^Tax invoice AIC-\d{6,} \(PDF\)$/ });
    const [download] = await Promise.all([page.waitForEvent('download'), invoiceLink.click()]);
    expect(download.suggestedFilename()).toMatch(/^tax-invoice-AIC-\d{6,}\.pdf$/);
    const bytes = await (await page.request.get((await invoiceLink.getAttribute('href'))!)).body();
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
  });

  test('a failed and a dismissed payment add nothing and say so', async ({ signUp }) => {
    const owner = await signUp();
    const { page } = owner;
    await expect(page.getByRole('region', { name: 'Available Credits' })).toContainText('300 credits');

    const failing = await openCheckout(owner, /Starter/, '$11.80');
    await failing.getByRole('button', { name: 'Fail payment' }).click();
    await expect(failing).toBeHidden();
    await expect(page.getByRole('alert').filter({ hasText: 'Payment failed' })).toContainText('No credits were added.');
    await expect(page.getByRole('region', { name: 'Available Credits' })).toContainText('300 credits');

    const dismissed = await openCheckout(owner, /Enterprise/, '$295.00');
    await dismissed.getByRole('button', { name: 'Close checkout' }).click();
    await expect(dismissed).toBeHidden();
    await expect(page.getByRole('alert').filter({ hasText: 'Payment cancelled' })).toContainText('No credits were added.');

    await page.reload();
    await expect(page.getByRole('region', { name: 'Available Credits' })).toContainText('300 credits');
    expect((await creditSummary(owner)).balanceMc).toBe(300_000);

    // Plans & Billing shows the failed attempt, without a receipt.
    await page.goto('/settings/billing');
    const purchases = page.getByRole('table', { name: 'Purchases' });
    const failed = purchases.getByRole('row').filter({ hasText: 'Starter' });
    await expect(failed).toContainText('Failed');
    await expect(failed.getByRole('link', { name: 'Receipt' })).toHaveCount(0);
    await expect(purchases.getByRole('link', { name: 'Receipt' })).toHaveCount(0);
  });
});
