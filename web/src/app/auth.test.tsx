import { screen, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { server } from '@/testing/server';
import { renderApp, serveScenario } from '@/testing/test-utils';

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
    await router.navigate('/settings/ai-credits?period=7d');
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    expect(router.state.location.search).toContain('next=');
  });

  it('sign-up names follow the contract: the inputs stop at 100 characters and a name only of spaces is required', async () => {
    const { user } = renderApp('/settings/ai-credits');
    await user.click(await screen.findByRole('button', { name: 'Sign out' }));
    await user.click(await screen.findByRole('link', { name: 'Create an organization' }));
    const orgName = await screen.findByLabelText('Organization name');
    expect(orgName).toHaveAttribute('maxLength', '100');
    expect(screen.getByLabelText('Your name')).toHaveAttribute('maxLength', '100');
    expect(screen.getByLabelText('Email')).toHaveAttribute('maxLength', '254');
    await user.type(screen.getByLabelText('Your name'), '   ');
    await user.click(screen.getByRole('button', { name: 'Create organization' }));
    expect(screen.getByLabelText('Your name')).toHaveAccessibleDescription('Required');
  });

  it('creates an organization whose creator is the owner with 300 credits, once the emailed link confirms the address', async () => {
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

    // Nobody is signed in yet: the link in the email (the test mailbox, no SMTP) does it.
    expect(await screen.findByRole('heading', { name: 'Check your inbox' })).toBeInTheDocument();
    expect(screen.getByRole('status')).toHaveTextContent('We sent an email to hank@globex.test with the next step.');
    await user.click(screen.getByRole('link', { name: 'Open the test mailbox' }));
    const mail = await screen.findByRole('article', { name: 'Confirm your email address for AI Credits' });
    const link = new URL(within(mail).getByRole('link').getAttribute('href')!);
    expect(link.pathname).toBe('/verify-email');
    await router.navigate(link.pathname + link.hash);

    await expect.poll(() => router.state.location.pathname).toBe('/settings/ai-credits');
    const header = within(await screen.findByRole('banner'));
    expect(await header.findByText('Globex')).toBeInTheDocument();
    expect(header.getByLabelText('Role: Owner')).toBeInTheDocument();
    expect(await screen.findByRole('region', { name: 'Available Credits' })).toHaveTextContent('300 credits');
    expect(screen.queryByRole('region', { name: 'Confirm your email' })).toBeNull();
  });

  it('forgot password: a reset link from the test mailbox sets a new password, then sign in with it', async () => {
    const { user, router } = renderApp('/settings/ai-credits');
    await user.click(await screen.findByRole('button', { name: 'Sign out' }));
    await user.click(await screen.findByRole('link', { name: 'Forgot your password?' }));
    await screen.findByRole('heading', { name: 'Reset your password' });
    await user.type(screen.getByLabelText('Email'), 'olivia@acme.test');
    await user.click(screen.getByRole('button', { name: 'Email me a reset link' }));
    await user.click(await screen.findByRole('link', { name: 'Open the test mailbox' }));
    const mail = await screen.findByRole('article', { name: 'Reset your AI Credits password' });
    const link = new URL(within(mail).getByRole('link').getAttribute('href')!);
    await router.navigate(link.pathname + link.hash);

    await user.click(await screen.findByRole('button', { name: 'Set new password' }));
    expect(screen.getByLabelText('New password')).toHaveAccessibleDescription('Choose a password of at least 8 characters.');
    await user.type(screen.getByLabelText('New password'), 'a-brand-new-one');
    await user.click(screen.getByRole('button', { name: 'Set new password' }));
    expect(await screen.findByRole('heading', { name: 'Password changed' })).toBeInTheDocument();
    await user.click(screen.getByRole('link', { name: 'Sign in' }));
    await screen.findByRole('heading', { name: 'Sign in' });
    await user.type(screen.getByLabelText('Email'), 'olivia@acme.test');
    await user.type(screen.getByLabelText('Password'), 'a-brand-new-one');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    await expect.poll(() => router.state.location.pathname).toBe('/settings/ai-credits');
  });

  it('an unverified user sees the banner, asks for a new link and confirms the address with it', async () => {
    serveScenario('emptyOrg', { seed: (store) => void store.unverified.add(store.userId) });
    const { user, router } = renderApp('/settings/ai-credits');
    const banner = await screen.findByRole('region', { name: 'Confirm your email' });
    await user.click(within(banner).getByRole('button', { name: 'Send a new link' }));
    expect(await within(banner).findByText(/A new link is on its way/)).toBeInTheDocument();
    await user.click(within(banner).getByRole('link', { name: 'Open the test mailbox' }));
    const mail = await screen.findByRole('article', { name: 'Confirm your email address for AI Credits' });
    const link = new URL(within(mail).getByRole('link').getAttribute('href')!);
    await router.navigate(link.pathname + link.hash);
    await expect.poll(() => router.state.location.pathname).toBe('/settings/ai-credits');
    expect(await screen.findByRole('region', { name: 'Available Credits' })).toBeInTheDocument();
    expect(screen.queryByRole('region', { name: 'Confirm your email' })).toBeNull();
  });
});
