import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { renderApp } from '@/testing/test-utils';

describe('API keys page', () => {
  it('creates a key, shows its token once, and revokes a key', async () => {
    const { user } = renderApp('/settings/api-keys');
    expect(await screen.findByRole('cell', { name: 'ci-runner' })).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Create API key' }));
    const dialog = await screen.findByRole('dialog', { name: 'Create API key' });
    await user.type(within(dialog).getByRole('textbox', { name: 'Name' }), 'Nightly regression');
    await user.click(within(dialog).getByRole('button', { name: 'Create key' }));
    const shown = await screen.findByRole('dialog', { name: 'Copy your new API key' });
    expect(within(shown).getByTestId('new-api-key').textContent).toMatch(/^aic_/);
    await user.click(within(shown).getByRole('button', { name: 'Done' }));
    expect(await screen.findByRole('cell', { name: 'Nightly regression' })).toBeInTheDocument();
    expect(screen.queryByTestId('new-api-key')).not.toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Revoke ci-runner' }));
    const confirm = await screen.findByRole('alertdialog', { name: 'Revoke “ci-runner”?' });
    await user.click(within(confirm).getByRole('button', { name: 'Revoke key' }));
    const row = (await screen.findByRole('cell', { name: 'ci-runner' })).closest('tr')!;
    expect(await within(row).findByText(/^Revoked /)).toBeInTheDocument();
  });

  it('is not offered to members', async () => {
    renderApp('/settings/api-keys', { scenario: 'member' });
    expect(await screen.findByRole('heading', { name: 'Not available' })).toBeInTheDocument();
  });
});
