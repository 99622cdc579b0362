import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { renderApp } from '@/testing/test-utils';

const AI_LINKS = ['Test generation', 'AI chat', 'AI reports', 'API keys'];

function nav() {
  return within(screen.getByRole('navigation', { name: 'Main' }));
}

describe('Enable AI', () => {
  it('lets the owner turn AI off after confirming, which hides every AI entry point', async () => {
    const { user } = renderApp('/settings/ai-credits');
    const toggle = await screen.findByRole('switch', { name: 'Enable AI' });
    for (const name of AI_LINKS) expect(nav().getByRole('link', { name })).toBeInTheDocument();

    await user.click(toggle);
    const dialog = await screen.findByRole('alertdialog', { name: 'Turn off AI for everyone?' });
    // Cancel changes nothing.
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(toggle).toBeChecked();
    expect(nav().getByRole('link', { name: 'AI chat' })).toBeInTheDocument();

    await user.click(toggle);
    await user.click(within(await screen.findByRole('alertdialog')).getByRole('button', { name: 'Turn off AI' }));

    expect(await screen.findByText('AI is turned off for your organization')).toBeInTheDocument();
    await expect.poll(() => screen.getByRole('switch', { name: 'Enable AI' })).not.toBeChecked();
    await expect.poll(() => nav().queryByRole('link', { name: 'AI chat' })).toBeNull();
    for (const name of AI_LINKS) expect(nav().queryByRole('link', { name })).not.toBeInTheDocument();
    // History and charts stay.
    expect(screen.getByRole('heading', { name: 'Usage history' })).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: 'Usage charts' })).toBeInTheDocument();
  });

  it('turns AI back on without a confirmation and brings the AI features back', async () => {
    const { user } = renderApp('/settings/ai-credits', { scenario: 'aiDisabled' });
    const toggle = await screen.findByRole('switch', { name: 'Enable AI' });
    expect(toggle).not.toBeChecked();
    expect(nav().queryByRole('link', { name: 'Test generation' })).not.toBeInTheDocument();
    await user.click(toggle);
    expect(await nav().findByRole('link', { name: 'Test generation' })).toBeInTheDocument();
    expect(screen.getByRole('switch', { name: 'Enable AI' })).toBeChecked();
  });

  it('shows members a note that the owner turned AI off, and no AI links', async () => {
    const { user } = renderApp('/settings/ai-credits', { scenario: 'aiDisabled' });
    await screen.findByRole('switch', { name: 'Enable AI' });
    await user.click(screen.getByRole('button', { name: 'Sign out' }));
    await user.type(await screen.findByLabelText('Email'), 'maya@acme.test');
    await user.type(screen.getByLabelText('Password'), 'password123');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));

    expect(await screen.findByText('Your organization owner turned AI off')).toBeInTheDocument();
    expect(screen.getByRole('switch', { name: 'Enable AI' })).toBeDisabled();
    for (const name of AI_LINKS) expect(nav().queryByRole('link', { name })).not.toBeInTheDocument();
    expect(nav().getByRole('link', { name: 'AI Credits' })).toHaveAttribute('aria-current', 'page');
  });

  it('does not open the API keys page by URL while AI is off', async () => {
    renderApp('/settings/api-keys', { scenario: 'aiDisabled' });
    expect(await screen.findByRole('heading', { name: 'AI is turned off' })).toBeInTheDocument();
  });


  it('offers API keys to owners and admins only', async () => {
    renderApp('/settings/ai-credits', { scenario: 'member' });
    await screen.findByRole('switch', { name: 'Enable AI' });
    expect(nav().getByRole('link', { name: 'AI chat' })).toBeInTheDocument();
    expect(nav().queryByRole('link', { name: 'API keys' })).not.toBeInTheDocument();
  });
});

describe('overage limit', () => {
  it('shows the dollar cost as the owner types and confirms before raising it', async () => {
    const { user } = renderApp('/settings/ai-credits');
    const input = await screen.findByRole('textbox', { name: 'Monthly overage limit' });
    await user.clear(input);
    await user.type(input, '250');
    expect(screen.getByText('Up to $100.00 per billing month.')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Save limit' }));
    const dialog = await screen.findByRole('alertdialog', { name: 'Allow up to 250 overage credits?' });
    await user.click(within(dialog).getByRole('button', { name: 'Allow up to $100.00' }));
    expect(await screen.findByText('Overage limit saved.')).toBeInTheDocument();
    expect(screen.getByRole('textbox', { name: 'Monthly overage limit' })).toHaveValue('250');
  });

  it('rejects anything but a whole number of credits', async () => {
    const { user } = renderApp('/settings/ai-credits');
    const input = await screen.findByRole('textbox', { name: 'Monthly overage limit' });
    await user.clear(input);
    await user.type(input, '12.5');
    expect(screen.getByText('Enter a whole number of credits (0 or more).')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Save limit' })).toBeDisabled();
  });
});
