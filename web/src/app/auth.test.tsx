import { screen, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { server } from '@/testing/server';
import { renderApp } from '@/testing/test-utils';

describe('sign in, sign up, sign out', () => {
  it('sends a signed-out visitor to the login page and back where they were going', async () => {
    const { user, router } = renderApp('/settings/ai-credits?useCase=chat');
    await user.click(await screen.findByRole('button', { name: 'Sign out' }));
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();

    // A deep link while signed out.
    await router.navigate('/settings/billing');
    expect(router.state.location.pathname).toBe('/login');
    expect(router.state.location.search).toBe('?next=%2Fsettings%2Fbilling');

    await user.type(screen.getByLabelText('Email'), 'olivia@acme.test');
    await user.type(screen.getByLabelText('Password'), 'wrong-password');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Email or password is incorrect.');

    await user.clear(screen.getByLabelText('Password'));
    await user.type(screen.getByLabelText('Password'), 'password123');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    await expect.poll(() => router.state.location.pathname).toBe('/settings/billing');
  });

  it('goes to the login page when a query answers 401 mid-session', async () => {
    const { router } = renderApp('/settings/ai-credits');
    await screen.findByRole('heading', { level: 1, name: 'AI Credits' });
    server.use(http.get('*/api/credits/charts', () => HttpResponse.json({ error: { code: 'UNAUTHENTICATED', message: 'Session expired' } }, { status: 401 })));
    await router.navigate('/settings/ai-credits?chartRange=7d');
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    expect(router.state.location.search).toContain('next=');
  });

  it('creates an organization whose creator is the owner with 300 credits', async () => {
    const { user, router } = renderApp('/settings/ai-credits');
    await user.click(await screen.findByRole('button', { name: 'Sign out' }));
    await user.click(await screen.findByRole('link', { name: 'Create an organization' }));
    expect(await screen.findByText('You become its owner. Every new organization starts with 300 AI credits.')).toBeInTheDocument();
    await user.click(await screen.findByRole('button', { name: 'Create organization' }));
    expect(screen.getByLabelText('Password')).toHaveAccessibleDescription('Use at least 8 characters');

    await user.type(screen.getByLabelText('Organization name'), 'Globex');
    await user.type(screen.getByLabelText('Your name'), 'Hank Scorpio');
    await user.type(screen.getByLabelText('Email'), 'hank@globex.test');
    await user.type(screen.getByLabelText('Password'), 'correct horse');
    await user.click(screen.getByRole('button', { name: 'Create organization' }));

    await expect.poll(() => router.state.location.pathname).toBe('/settings/ai-credits');
    const header = within(await screen.findByRole('banner'));
    expect(await header.findByText('Globex')).toBeInTheDocument();
    expect(header.getByLabelText('Role: Owner')).toBeInTheDocument();
    expect(await screen.findByRole('region', { name: 'Available Credits' })).toHaveTextContent('300 credits');
  });
});
