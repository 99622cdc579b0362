import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { renderApp } from '@/testing/test-utils';

// Issue 24: on a phone the 11 wrapped links took a third of the screen. The navigation is now a
// menu under the header (styles.css hides its entries below 761 px until it is opened).
describe('the navigation on a phone', () => {
  it('is one "Menu" button naming the current page, which opens and closes the entries', async () => {
    const { user, router } = renderApp('/settings/ai-credits');
    const nav = await screen.findByRole('navigation', { name: 'Main' });
    const toggle = within(nav).getByRole('button', { name: 'Menu: AI Credits' });
    expect(toggle).toHaveAttribute('aria-expanded', 'false');
    expect(toggle).toHaveAttribute('aria-controls', 'nav-sections');
    expect(nav.querySelector('#nav-sections')).not.toBeNull();
    expect(nav).not.toHaveClass('nav-open');

    await user.click(toggle);
    expect(toggle).toHaveAttribute('aria-expanded', 'true');
    expect(nav).toHaveClass('nav-open');

    // Choosing an entry goes there and closes the menu.
    await user.click(within(nav).getByRole('link', { name: 'Members' }));
    await expect.poll(() => router.state.location.pathname).toBe('/settings/members');
    expect(await within(nav).findByRole('button', { name: 'Menu: Members' })).toHaveAttribute('aria-expanded', 'false');
    expect(nav).not.toHaveClass('nav-open');
  });
});
