import { screen, waitFor, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { apiKeysContract } from '@ai-credits/shared/contracts/api-keys';

import { server } from '@/testing/server';
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

  it('announces a refused create in the dialog, with the server’s words', async () => {
    server.use(http.post(`*${apiKeysContract.create.path}`, () => HttpResponse.json({ error: { code: 'CONFLICT', message: 'A key with this name already exists' } }, { status: 409 })));
    const { user } = renderApp('/settings/api-keys');
    await user.click(await screen.findByRole('button', { name: 'Create API key' }));
    const dialog = await screen.findByRole('dialog', { name: 'Create API key' });
    await user.type(within(dialog).getByRole('textbox', { name: 'Name' }), 'ci-runner');
    await user.click(within(dialog).getByRole('button', { name: 'Create key' }));
    expect(await within(dialog).findByRole('alert')).toHaveTextContent('A key with this name already exists');
  });

  it('shows each key’s usage this billing period (issue 22)', async () => {
    renderApp('/settings/api-keys');
    const header = await screen.findByRole('columnheader', { name: /^Usage since / });
    const column = [...header.parentElement!.children].indexOf(header);
    const row = (await screen.findByRole('cell', { name: 'ci-runner' })).closest('tr')!;
    await waitFor(() => expect(within(row).getAllByRole('cell')[column]).toHaveTextContent(/^[\d,.]+ credits? in [\d,]+ calls?$/));
  });

  it('is not offered to members', async () => {
    renderApp('/settings/api-keys', { scenario: 'member' });
    expect(await screen.findByRole('heading', { name: 'Not available' })).toBeInTheDocument();
  });
});

describe('developer path (issue 22)', () => {
  it('shows a quickstart with this address, a project id and the key, and links the models and rates', async () => {
    const { user } = renderApp('/settings/api-keys');
    const quickstart = await screen.findByRole('region', { name: 'Quickstart' });
    const curl = within(quickstart).getByRole('figure', { name: 'curl' });
    expect(curl).toHaveTextContent(`curl -X POST '${location.origin}/api/v1/metering/record'`);
    await waitFor(() => expect(curl).toHaveTextContent(/"projectId":"[0-9a-f-]{36}"/));
    expect(curl).toHaveTextContent(/the key "ci-runner" \(aic_/);
    expect(within(quickstart).getByRole('figure', { name: 'TypeScript (Node 18+, fetch)' })).toHaveTextContent("'idempotency-key': crypto.randomUUID()");
    expect(within(quickstart).getByRole('button', { name: 'Copy the curl example' })).toBeInTheDocument();

    await user.click(within(quickstart).getByRole('link', { name: 'Models and rates' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Models and rates' })).toBeInTheDocument();
    const row = screen.getByRole('cell', { name: 'gpt-4o-mini' }).closest('tr')!;
    // 0.15 and 0.6 credits per 1k; 1,000 in + 500 out = 0.15 + 0.3.
    expect(within(row).getAllByRole('cell').map((c) => c.textContent)).toEqual(['GPT-4o mini', 'gpt-4o-mini', '0.15', '0.6', '0.45 credits']);
  });
});
