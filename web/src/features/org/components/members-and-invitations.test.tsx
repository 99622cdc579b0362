import { screen, within } from '@testing-library/react';
import { http } from 'msw';
import { describe, expect, it } from 'vitest';
import { orgContract } from '@ai-credits/shared/contracts/org';
import { apiError } from '@ai-credits/shared/testing';
import { server } from '@/testing/server';
import { renderApp, serveScenario } from '@/testing/test-utils';

// Issue 11, item 1: Settings -> Members, the accept page, the test-mode mailbox.
describe('Settings -> Members', () => {
  it('the owner invites an admin by email, sees it pending and in the test-mode mailbox, and revokes it after confirming', async () => {
    const { user } = renderApp('/settings/members');
    const members = await screen.findByRole('table', { name: 'Members' });
    const ownerRow = within(members).getByText('Olivia Owens').closest('tr')!;
    expect(within(ownerRow).getByText('Owner')).toBeInTheDocument();
    expect(within(ownerRow).queryByRole('button', { name: /Remove/ })).not.toBeInTheDocument();

    await user.type(screen.getByLabelText('Email'), 'New.Person@Example.com');
    await user.selectOptions(screen.getByLabelText('Role'), 'admin');
    await user.click(screen.getByRole('button', { name: 'Send invitation' }));
    const sent = await screen.findByText(/Invitation sent to new.person@example.com/);
    expect(sent.closest('[role="status"]')).toHaveTextContent('/invitations/accept#token=mock-invitation-token-');

    const pending = await screen.findByRole('table', { name: 'Pending invitations' });
    const row = within(pending).getByText('new.person@example.com').closest('tr')!;
    expect(within(row).getByText('Admin')).toBeInTheDocument();

    await user.click(within(screen.getByRole('navigation', { name: 'Main' })).getByRole('link', { name: 'Sent emails' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Sent emails (test mode)' })).toBeInTheDocument();
    expect(screen.getByRole('note')).toHaveTextContent('No mail server is configured');
    const email = screen.getByRole('article', { name: /You are invited to/ });
    expect(email).toHaveTextContent('new.person@example.com');
    expect(email).toHaveTextContent('Kept (test mode)');
    expect(email).toHaveTextContent('/invitations/accept#token=mock-invitation-token-');

    await user.click(within(screen.getByRole('navigation', { name: 'Main' })).getByRole('link', { name: 'Members' }));
    await user.click(await screen.findByRole('button', { name: 'Revoke the invitation to new.person@example.com' }));
    const dialog = await screen.findByRole('alertdialog', { name: 'Revoke the invitation to new.person@example.com?' });
    await user.click(within(dialog).getByRole('button', { name: 'Revoke invitation' }));
    expect(await screen.findByText('No pending invitations')).toBeInTheDocument();
  });

  it('refuses a bad email in the form with a clear message', async () => {
    const { user } = renderApp('/settings/members');
    await screen.findByRole('table', { name: 'Members' });
    await user.click(screen.getByRole('button', { name: 'Send invitation' }));
    expect(screen.getByText('Enter an email address.')).toBeInTheDocument();
    await user.type(screen.getByLabelText('Email'), 'not-an-email');
    await user.click(screen.getByRole('button', { name: 'Send invitation' }));
    expect(screen.getByText(/Enter a valid email address/)).toBeInTheDocument();
    expect(screen.getByLabelText('Email')).toHaveAttribute('aria-invalid', 'true');
    expect(screen.queryByRole('table', { name: 'Pending invitations' })).not.toBeInTheDocument();
  });

  it('the owner changes a role and removes a member after confirming', async () => {
    const { user } = renderApp('/settings/members');
    const members = await screen.findByRole('table', { name: 'Members' });
    const role = within(members).getByLabelText('Role of Maya Lopez');
    expect(role).toHaveValue('member');
    await user.selectOptions(role, 'admin');
    expect(await within(members).findByLabelText('Role of Maya Lopez')).toHaveValue('admin');

    await user.click(within(members).getByRole('button', { name: 'Remove Maya Lopez' }));
    const dialog = await screen.findByRole('alertdialog', { name: 'Remove Maya Lopez?' });
    await user.click(within(dialog).getByRole('button', { name: 'Remove member' }));
    await screen.findByRole('table', { name: 'Members' });
    expect(await screen.findByText('Arjun Mehta')).toBeInTheDocument();
    await expect.poll(() => screen.queryByText('Maya Lopez')).toBeNull();
  });

  it('the remove dialog says what else is revoked: the API keys they created and the invitations they sent', async () => {
    serveScenario('owner', {
      seed: (store) => {
        const arjun = store.members.find((m) => m.name === 'Arjun Mehta')!;
        const at = store.clock().toISOString();
        store.apiKeys.push({ id: '00000abc-0000-4000-8000-000000000001', name: 'ci-of-arjun', prefix: 'aic_0000abcd…wxyz', createdAt: at, createdBy: { id: arjun.userId, name: arjun.name }, lastUsedAt: null, revokedAt: null });
        store.invitations.push({ id: '00000abc-0000-4000-8000-000000000002', email: 'arjun.other@example.test', role: 'member', invitedBy: { id: arjun.userId, name: arjun.name }, createdAt: at, expiresAt: at });
      },
    });
    const { user } = renderApp('/settings/members');
    const members = await screen.findByRole('table', { name: 'Members' });
    await user.click(within(members).getByRole('button', { name: 'Remove Arjun Mehta' }));
    const dialog = await screen.findByRole('alertdialog', { name: 'Remove Arjun Mehta?' });
    expect(await within(dialog).findByRole('list', { name: 'API keys revoked' })).toHaveTextContent('ci-of-arjun');
    expect(within(dialog).getByRole('list', { name: 'Invitations withdrawn' })).toHaveTextContent('arjun.other@example.test (member)');
    await user.click(within(dialog).getByRole('button', { name: 'Remove member' }));
    await expect.poll(() => screen.queryByText('Arjun Mehta')).toBeNull();
  });

  it('an admin invites members only and cannot change roles or remove anyone', async () => {
    renderApp('/settings/members', { scenario: 'admin' });
    const members = await screen.findByRole('table', { name: 'Members' });
    expect(within(screen.getByLabelText('Role')).getAllByRole('option').map((o) => o.textContent)).toEqual(['Member']);
    expect(within(members).queryByRole('button', { name: /Remove/ })).not.toBeInTheDocument();
    expect(within(members).queryByRole('combobox')).not.toBeInTheDocument();
    expect(screen.getByText('Only the owner changes roles or removes members.')).toBeInTheDocument();
  });

  it('members see the list read-only, no invitations and no mailbox', async () => {
    const { router } = renderApp('/settings/members', { scenario: 'member' });
    await screen.findByRole('table', { name: 'Members' });
    expect(screen.getByRole('note')).toHaveTextContent('Only the organization owner and admins can invite');
    expect(screen.queryByRole('button', { name: 'Send invitation' })).not.toBeInTheDocument();
    expect(screen.queryByRole('heading', { name: 'Pending invitations' })).not.toBeInTheDocument();
    expect(within(screen.getByRole('navigation', { name: 'Main' })).queryByRole('link', { name: 'Sent emails' })).not.toBeInTheDocument();
    await router.navigate('/settings/emails');
    expect(await screen.findByRole('heading', { name: 'Not available' })).toBeInTheDocument();
  });
});

describe('/invitations/accept', () => {
  it('someone signed in as another email is told to sign out; the invited person then creates an account and joins', async () => {
    const { user, router } = renderApp('/settings/members', { scenario: 'emptyOrg' });
    await user.type(await screen.findByLabelText('Email'), 'ivy@example.com');
    await user.click(screen.getByRole('button', { name: 'Send invitation' }));
    const link = (await screen.findByText(/\/invitations\/accept#token=/, { selector: 'code' })).textContent!;
    await router.navigate(link.slice(link.indexOf('/invitations/')));

    expect(await screen.findByRole('heading', { level: 1, name: /^Join / })).toBeInTheDocument();
    expect(await screen.findByRole('alert')).toHaveTextContent('but this invitation is for ivy@example.com');
    await user.click(screen.getByRole('button', { name: 'Sign out' }));

    await user.click(await screen.findByRole('button', { name: 'Create account and join' }));
    expect(screen.getByText('Enter your name.')).toBeInTheDocument();
    expect(screen.getByText('Choose a password of at least 8 characters.')).toBeInTheDocument();
    await user.type(screen.getByLabelText('Your name'), 'Ivy Invitee');
    await user.type(screen.getByLabelText('Choose a password'), 'my-own-password');
    await user.click(screen.getByRole('button', { name: 'Create account and join' }));
    await expect.poll(() => router.state.location.pathname).toBe('/settings/ai-credits');
    expect((await screen.findAllByText('Ivy Invitee')).length).toBeGreaterThan(0);
  });

  it('says clearly when a link is incomplete, unknown, expired or already used', async () => {
    const { router } = renderApp('/invitations/accept');
    expect(await screen.findByRole('alert')).toHaveTextContent('This invitation link is incomplete');

    await router.navigate('/invitations/accept#token=mock-invitation-token-nothing-like-this');
    expect(await screen.findByText(/This invitation link is not valid/)).toHaveAttribute('role', 'alert');

    server.use(http.post(`*${orgContract.lookupInvitation.path}`, () => apiError(409, 'CONFLICT', 'This invitation has expired; ask for a new one')));
    await router.navigate('/invitations/accept#token=an-expired-invitation-token-0000');
    expect(await screen.findByText('This invitation has expired; ask for a new one')).toHaveAttribute('role', 'alert');
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent("This invitation can't be used");
  });
});
