import { screen, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authContract } from '@ai-credits/shared/contracts/auth';
import { server } from '@/testing/server';
import { renderApp } from '@/testing/test-utils';

// Issue 24: "a UTC toggle remembered per user". The choice is saved on the server with the user:
// another browser (a fresh app) shows it, and another person in this browser keeps their own.
const saved = process.env.TZ;
beforeAll(() => {
  process.env.TZ = 'Asia/Kolkata';
});
afterAll(() => {
  process.env.TZ = saved;
});

const history = () => screen.findByRole('table', { name: 'Usage history, newest first' }, { timeout: 15_000 });
const dateHeader = async () => within(await history()).getAllByRole('columnheader')[0]!.textContent;
const toggle = () => screen.findByRole('checkbox', { name: 'Times in UTC' });

async function signInAs(user: ReturnType<typeof renderApp>['user'], email: string) {
  await user.click(screen.getByRole('button', { name: 'Sign out' }));
  await user.type(await screen.findByLabelText('Email'), email);
  await user.type(screen.getByLabelText('Password'), 'password123');
  await user.click(screen.getByRole('button', { name: 'Sign in' }));
}

describe('the UTC toggle, remembered per user', () => {
  it('saves the choice with the user: a fresh app shows it, another user in the same browser keeps theirs', async () => {
    const first = renderApp('/settings/ai-credits?period=all');
    expect(await dateHeader()).toBe('Date (GMT+5:30)');
    expect(await toggle()).not.toBeChecked();
    let sent: unknown = null;
    server.events.on('request:start', ({ request }) => {
      if (request.method === 'PUT' && request.url.endsWith(authContract.setPreferences.path)) void request.clone().json().then((b) => (sent = b));
    });
    await first.user.click(await toggle());
    expect(await toggle()).toBeChecked();
    expect(await dateHeader()).toBe('Date (UTC)');
    await expect.poll(() => sent).toEqual({ timeZone: 'utc' });
    server.events.removeAllListeners();
    // Not a browser setting.
    expect(Object.keys(window.localStorage)).not.toContain('ai-credits.time-zone');
    first.unmount();

    // Another browser, the same user (the same mock org, a fresh app): UTC, from the session.
    const again = renderApp('/settings/ai-credits?period=all');
    expect(await toggle()).toBeChecked();
    expect(await dateHeader()).toBe('Date (UTC)');

    // Another person in this browser: their own choice (local), and back to UTC for the owner.
    await signInAs(again.user, 'maya@acme.test');
    expect(await dateHeader()).toBe('Date (GMT+5:30)');
    expect(await toggle()).not.toBeChecked();
    await signInAs(again.user, 'olivia@acme.test');
    expect(await dateHeader()).toBe('Date (UTC)');
    expect(await toggle()).toBeChecked();
  });

  it('turns back when the server refuses the change, and says so', async () => {
    server.use(http.put(`*${authContract.setPreferences.path}`, () => HttpResponse.json({ error: { code: 'INTERNAL', message: 'Something went wrong on our side' } }, { status: 500 })));
    const { user } = renderApp('/settings/ai-credits?period=all');
    await user.click(await toggle());
    expect(await screen.findByText(/Couldn't save your time zone choice/)).toBeInTheDocument();
    expect(await toggle()).not.toBeChecked();
    expect(await dateHeader()).toBe('Date (GMT+5:30)');
  });
});
