import { screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { renderApp } from '@/testing/test-utils';

const checklist = () => screen.findByRole('region', { name: 'Set up AI credits' });
const step = (list: HTMLElement, name: string) => within(list).getByRole('link', { name: new RegExp(`^${name}`) }).closest('li') as HTMLElement;

beforeEach(() => window.localStorage.clear());
afterEach(() => {
  delete (Element.prototype as { scrollIntoView?: unknown }).scrollIntoView;
});

// Issue 24, item 8: a new owner's first screen.
describe('setup checklist', () => {
  it("lists a new owner's six steps, each a link to where it is done, none ticked", async () => {
    renderApp('/settings/ai-credits', { scenario: 'emptyOrg' });
    const list = await checklist();
    expect(list).toHaveTextContent('0 of 6 steps done.');
    const links = within(list)
      .getAllByRole('link')
      .map((a) => [a.textContent, a.getAttribute('href')]);
    expect(links).toEqual([
      ['Create a project', '/settings/projects'],
      ['Invite a member', '/settings/members'],
      ['Set a budget', '/settings/budgets'],
      ['Choose alert thresholds', '/settings/budgets#thresholds-title'],
      ['Set an overage limit', '#ai-settings-title'],
      ['Create an API key', '/settings/api-keys'],
    ]);
    expect(within(list).getByRole('progressbar')).toHaveAttribute('aria-valuenow', '0');
    for (const li of within(list).getAllByRole('listitem')) expect(li).toHaveTextContent('(to do)');
  });

  it('ticks a step from what the server has: a project created, an overage limit saved', async () => {
    const { user } = renderApp('/settings/ai-credits', { scenario: 'emptyOrg' });
    await user.click(within(await checklist()).getByRole('link', { name: /^Create a project/ }));
    await user.type(await screen.findByLabelText('Project name'), 'First project');
    await user.click(screen.getByRole('button', { name: 'Create project' }));
    await screen.findByText('Project “First project” created.');
    await user.click(within(screen.getByRole('navigation', { name: 'Main' })).getByRole('link', { name: 'AI Credits' }));
    let list = await checklist();
    expect(step(list, 'Create a project')).toHaveTextContent('(done)');
    expect(list).toHaveTextContent('1 of 6 steps done.');

    const limit = await screen.findByRole('textbox', { name: 'Monthly overage limit' });
    await user.clear(limit);
    await user.type(limit, '50');
    await user.click(screen.getByRole('button', { name: 'Save limit' }));
    const confirm = await screen.findByRole('alertdialog');
    await user.click(within(confirm).getByRole('button', { name: /^Allow up to/ }));
    list = await checklist();
    await expect.poll(() => step(list, 'Set an overage limit').textContent).toContain('(done)');
    expect(list).toHaveTextContent('2 of 6 steps done.');
  });

  it('ticks "Choose alert thresholds" when the owner saves them, even unchanged (the defaults)', async () => {
    Element.prototype.scrollIntoView = vi.fn(); // jsdom does not scroll
    const { user } = renderApp('/settings/ai-credits', { scenario: 'emptyOrg' });
    await user.click(within(await checklist()).getByRole('link', { name: /^Choose alert thresholds/ }));
    await screen.findByRole('heading', { level: 2, name: 'Alert thresholds' });
    await user.click(await screen.findByRole('button', { name: 'Save thresholds' }));
    await screen.findByText('Thresholds saved.');
    await user.click(within(screen.getByRole('navigation', { name: 'Main' })).getByRole('link', { name: 'AI Credits' }));
    const list = await checklist();
    await expect.poll(() => step(list, 'Choose alert thresholds').textContent).toContain('(done)');
    expect(list).toHaveTextContent('1 of 6 steps done.');
  });

  it('folds away and stays folded; admins get only the steps they can do, dismissible once done; members none', async () => {
    const first = renderApp('/settings/ai-credits', { scenario: 'emptyOrg' });
    const list = await checklist();
    await first.user.click(within(list).getByRole('button', { name: 'Hide steps' }));
    expect(within(list).getByRole('button', { name: 'Show steps' })).toHaveAttribute('aria-expanded', 'false');
    expect(within(list).queryByRole('link', { name: /^Create a project/ })).not.toBeInTheDocument();
    first.unmount();
    const again = renderApp('/settings/ai-credits', { scenario: 'emptyOrg' });
    expect(within(await checklist()).getByRole('button', { name: 'Show steps' })).toBeInTheDocument();
    again.unmount();
    window.localStorage.clear();

    // The demo org has projects, members and API keys: an admin's three steps are done, and can be dismissed.
    const admin = renderApp('/settings/ai-credits', { scenario: 'admin' });
    const adminList = await checklist();
    expect(within(adminList).getAllByRole('link').map((a) => a.textContent)).toEqual(['Create a project', 'Invite a member', 'Create an API key']);
    expect(adminList).toHaveTextContent('Every step is done.');
    await admin.user.click(within(adminList).getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByRole('region', { name: 'Set up AI credits' })).not.toBeInTheDocument();
    admin.unmount();
    const adminAgain = renderApp('/settings/ai-credits', { scenario: 'admin' });
    await screen.findByRole('region', { name: 'Available Credits' });
    expect(screen.queryByRole('region', { name: 'Set up AI credits' })).not.toBeInTheDocument();
    adminAgain.unmount();

    renderApp('/settings/ai-credits', { scenario: 'member' });
    await screen.findByRole('heading', { level: 1, name: 'AI Credits' });
    await screen.findByRole('region', { name: 'Available Credits' });
    expect(screen.queryByRole('region', { name: 'Set up AI credits' })).not.toBeInTheDocument();
  });

  it('shows one compact empty state instead of empty charts while nothing was used', async () => {
    renderApp('/settings/ai-credits', { scenario: 'emptyOrg' });
    const charts = await screen.findByRole('region', { name: 'Usage charts' });
    expect(await within(charts).findByText('No AI usage in this range yet')).toBeInTheDocument();
    expect(within(charts).queryByRole('figure')).not.toBeInTheDocument();
  });

  it('opens Budgets at the alert thresholds from their step', async () => {
    // jsdom does not scroll: record which element was asked to.
    const scrolled: Element[] = [];
    Element.prototype.scrollIntoView = vi.fn(function (this: Element) {
      scrolled.push(this);
    });
    const { user } = renderApp('/settings/ai-credits', { scenario: 'emptyOrg' });
    await user.click(within(await checklist()).getByRole('link', { name: /^Choose alert thresholds/ }));
    const heading = await screen.findByRole('heading', { level: 2, name: 'Alert thresholds' });
    await expect.poll(() => scrolled).toContain(heading);
  });
});
