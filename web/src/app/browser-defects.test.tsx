import { screen, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { aiContract } from '@ai-credits/shared/contracts/ai';

import { server } from '@/testing/server';
import { renderApp } from '@/testing/test-utils';

// Issue 11, item 7: small defects seen in the browser.
describe('navigation', () => {
  it('names each navigation list by its heading (ids without spaces)', async () => {
    renderApp('/settings/ai-credits');
    const nav = await screen.findByRole('navigation', { name: 'Main' });
    expect(within(nav).getByRole('list', { name: 'Settings' })).toBeInTheDocument();
    expect(within(nav).getByRole('list', { name: 'AI features' })).toBeInTheDocument();
    for (const el of nav.querySelectorAll('[id]')) expect(el.id).not.toMatch(/\s/);
  });

  it('offers members no Plans & Billing link (it would only lead to a refusal)', async () => {
    renderApp('/settings/ai-credits', { scenario: 'member' });
    const nav = await screen.findByRole('navigation', { name: 'Main' });
    expect(within(nav).getByRole('link', { name: 'AI Credits' })).toBeInTheDocument();
    expect(within(nav).queryByRole('link', { name: 'Plans & Billing' })).not.toBeInTheDocument();
  });

  it('still offers admins Plans & Billing', async () => {
    renderApp('/settings/ai-credits', { scenario: 'admin' });
    const nav = await screen.findByRole('navigation', { name: 'Main' });
    expect(within(nav).getByRole('link', { name: 'Plans & Billing' })).toBeInTheDocument();
  });
});

describe('AI chat', () => {
  it('sends with Enter, and Shift+Enter adds a line instead', async () => {
    const { user } = renderApp('/ai/chat');
    const box = await screen.findByRole('textbox', { name: 'Your message' });
    await user.type(box, 'First line{Shift>}{Enter}{/Shift}second line');
    expect(box).toHaveValue('First line\nsecond line');
    await user.keyboard('{Enter}');
    const messages = await screen.findByRole('list', { name: 'Messages' });
    expect(await within(messages).findByText(/Here is how I would approach/)).toBeInTheDocument();
    expect(box).toHaveValue('');
  });

  it('announces a refusal as one alert, with no status region nested inside it', async () => {
    server.use(
      http.post(`*${aiContract.chatStream.path}`, () => HttpResponse.json({ error: { code: 'INSUFFICIENT_CREDITS', message: 'Not enough credits.' } }, { status: 402 })),
    );
    const { user } = renderApp('/ai/chat');
    const box = await screen.findByRole('textbox', { name: 'Your message' });
    await user.type(box, 'Hello there{Enter}');
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Not enough credits');
    expect(alert.querySelector('[role="status"]')).toBeNull();
    expect(alert.closest('[role="status"]')).toBeNull();
  });
});
