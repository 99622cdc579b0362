import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { renderApp } from '@/testing/test-utils';

// Issue 24: the buy dialog recommends the smallest bundle that covers the forecast until the reset, or says none is needed.
describe('buy dialog recommendation', () => {
  it('names the bundle that covers the forecast when the credits run out before the reset, and chooses it in one click', async () => {
    const { user } = renderApp('/settings/ai-credits', { scenario: 'lowBalance' });
    await screen.findByText(/At this rate, credits run out on/, undefined, { timeout: 10_000 });
    await user.click(screen.getAllByRole('button', { name: 'Buy Credits' })[0]!);
    const dialog = await screen.findByRole('dialog', { name: 'Buy credits' }, { timeout: 10_000 });
    const note = await within(dialog).findByText(/At the current rate you need about/);
    expect(note).toHaveTextContent(/more before the reset on Dec 15, 2026: \w+ \([\d,]+ credits\) is the smallest bundle that covers it\./);
    const choose = within(note).queryByRole('button', { name: /^Choose / });
    if (choose) {
      const name = choose.textContent!.replace('Choose ', '');
      await user.click(choose);
      expect(within(dialog).getByRole('radio', { name: new RegExp(name) })).toBeChecked();
    }
  }, 30_000);

  it('says no bundle is needed when the credits last until the reset', async () => {
    const { user } = renderApp('/settings/ai-credits');
    await screen.findByText(/credits last until the period resets/, undefined, { timeout: 10_000 });
    await user.click(screen.getAllByRole('button', { name: 'Buy Credits' })[0]!);
    const dialog = await screen.findByRole('dialog', { name: 'Buy credits' }, { timeout: 10_000 });
    expect(await within(dialog).findByText(/no bundle is needed now/)).toHaveTextContent('At the current rate your credits last until the reset on Dec 15, 2026: no bundle is needed now.');
  }, 30_000);
});
