import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { renderApp } from '@/testing/test-utils';

// Issue 11, item 1 (projects, audit log, the next step of a new org).
describe('Settings -> Projects', () => {
  it('lets the owner create, rename and archive a project (after confirming), each change in the audit log', async () => {
    const { user } = renderApp('/settings/projects');
    const active = await screen.findByRole('table', { name: 'Active projects' });
    expect(within(active).getAllByRole('row')).toHaveLength(4);

    await user.type(screen.getByLabelText('Project name'), 'Search Service');
    await user.click(screen.getByRole('button', { name: 'Create project' }));
    expect(await screen.findByText('Project “Search Service” created.')).toBeInTheDocument();
    expect(await within(screen.getByRole('table', { name: 'Active projects' })).findByText('Search Service')).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Rename Search Service' }));
    const input = screen.getByLabelText('New name for Search Service');
    await user.clear(input);
    await user.type(input, 'Search API{Enter}');
    expect(await within(screen.getByRole('table', { name: 'Active projects' })).findByText('Search API')).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Archive Search API' }));
    const dialog = await screen.findByRole('alertdialog', { name: 'Archive “Search API”?' });
    expect(dialog).toHaveTextContent('stay readable');
    await user.click(within(dialog).getByRole('button', { name: 'Archive project' }));
    const archived = await screen.findByRole('table', { name: 'Archived projects' });
    expect(within(archived).getByText('Search API')).toBeInTheDocument();
    expect(within(archived).getByRole('button', { name: 'Restore Search API' })).toBeInTheDocument();

    await user.click(within(screen.getByRole('navigation', { name: 'Main' })).getByRole('link', { name: 'Audit log' }));
    const log = await screen.findByRole('table', { name: 'Audit log, newest first' });
    const actions = within(log)
      .getAllByRole('row')
      .slice(1, 4)
      .map((r) => within(r).getAllByRole('cell')[2]!.textContent);
    expect(actions).toEqual(['Project archived', 'Project renamed', 'Project created']);
  });

  it('refuses a blank or duplicate name with a clear message', async () => {
    const { user } = renderApp('/settings/projects');
    await screen.findByRole('table', { name: 'Active projects' });
    await user.click(screen.getByRole('button', { name: 'Create project' }));
    expect(screen.getByText('Enter a project name.')).toBeInTheDocument();
    expect(screen.getByLabelText('Project name')).toHaveAttribute('aria-invalid', 'true');
    await user.type(screen.getByLabelText('Project name'), 'checkout web');
    await user.click(screen.getByRole('button', { name: 'Create project' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('A project with this name already exists');
  });

  it('shows members the list read-only', async () => {
    renderApp('/settings/projects', { scenario: 'member' });
    const active = await screen.findByRole('table', { name: 'Active projects' });
    expect(within(active).getAllByRole('row')).toHaveLength(4);
    expect(screen.getByRole('note')).toHaveTextContent('Only the organization owner and admins');
    expect(screen.queryByRole('button', { name: /Create project|Rename|Archive/ })).not.toBeInTheDocument();
    expect(within(screen.getByRole('navigation', { name: 'Main' })).queryByRole('link', { name: 'Audit log' })).not.toBeInTheDocument();
  });
});

describe('Audit log', () => {
  it('filters by action, keeping the filter in the URL', async () => {
    const { user, router } = renderApp('/settings/projects', { scenario: 'admin' });
    await screen.findByRole('table', { name: 'Active projects' });
    await user.type(screen.getByLabelText('Project name'), 'Data Lake');
    await user.click(screen.getByRole('button', { name: 'Create project' }));
    await screen.findByText('Project “Data Lake” created.');

    await user.click(within(screen.getByRole('navigation', { name: 'Main' })).getByRole('link', { name: 'Audit log' }));
    await screen.findByRole('table', { name: 'Audit log, newest first' });
    await user.selectOptions(screen.getByLabelText('Action'), 'Project created');
    await expect.poll(() => router.state.location.search).toBe('?action=project.created');
    await expect
      .poll(() =>
        within(screen.getByRole('table', { name: 'Audit log, newest first' }))
          .getAllByRole('row')
          .slice(1)
          .map((r) => within(r).getAllByRole('cell')[2]!.textContent),
      )
      .toEqual(['Project created']);
    expect(screen.getByRole('table', { name: 'Audit log, newest first' })).toHaveTextContent('Data Lake');
  });

  it('is not offered to members', async () => {
    renderApp('/settings/audit-log', { scenario: 'member' });
    expect(await screen.findByRole('heading', { name: 'Not available' })).toBeInTheDocument();
  });
});

describe('a new org', () => {
  it('points the owner from an AI page with no project to Settings -> Projects', async () => {
    renderApp('/ai/test-generation', { scenario: 'emptyOrg' });
    const banner = (await screen.findByText('No projects yet')).closest('.banner') as HTMLElement;
    expect(within(banner).getByRole('link', { name: 'Create a project' })).toHaveAttribute('href', '/settings/projects');
  });
});
