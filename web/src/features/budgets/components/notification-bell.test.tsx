import { screen, within } from '@testing-library/react';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandlers, type MockStore } from '@ai-credits/shared/testing';
import { server } from '@/testing/server';
import { renderApp } from '@/testing/test-utils';

// Issue 24 item 4: alerts that fire together are one notification (a line each, most severe
// first); dates in the reader's time zone; a member's "Ask for more" reaches the owner.
const saved = process.env.TZ;
beforeAll(() => {
  process.env.TZ = 'Asia/Kolkata';
});
afterAll(() => {
  process.env.TZ = saved;
});

const merged = {
  id: '00000000-0000-4000-8000-000000000011',
  kind: 'alert' as const,
  title: 'AI stopped for Mia Member: member budget reached (+2 more)',
  body: [
    'AI stopped for Mia Member: member budget reached (2 of 2 credits used, settled and in progress).',
    'Mia Member has used 100% of their monthly budget (2 of 2 credits, settled and in progress).',
    'Mia Member has used 90% of their monthly budget (2 of 2 credits, settled and in progress).',
    'AI requests stay refused until you raise the limit or it resets with the billing month.',
  ].join('\n'),
  link: '/settings/ai-credits?userId=00000000-0000-4000-8000-000000000099',
  resetsAt: '2026-12-10T00:00:00.000Z',
  createdAt: '2026-11-20T17:22:00.000Z',
  readAt: null,
};
const request = {
  id: '00000000-0000-4000-8000-000000000012',
  kind: 'more_request' as const,
  title: 'Mia Member asks for more credits',
  body: "Mia Member's AI requests are refused: their monthly budget is reached. You can raise the budget in Settings → Budgets.",
  link: '/settings/budgets',
  resetsAt: '2026-12-10T00:00:00.000Z',
  createdAt: '2026-11-20T17:25:00.000Z',
  readAt: null,
};

describe('the bell', () => {
  it('lists merged alerts line by line, with the reset and the time in the reader\'s zone; a request for more links to the limits', async () => {
    server.resetHandlers(...createHandlers('owner', { seed: (db: MockStore) => void (db.notifications = [request, merged]) }));
    const { user } = renderApp('/settings/ai-credits');
    await user.click(await screen.findByRole('button', { name: 'Notifications, 2 unread' }));
    const panel = await screen.findByRole('dialog', { name: 'Notifications' });
    const [first, second] = within(panel).getAllByRole('listitem');
    expect(first).toHaveTextContent('Mia Member asks for more credits');
    expect(within(first!).getByRole('link', { name: 'Review limits' })).toHaveAttribute('href', '/settings/budgets');
    // 17:25 UTC is 22:55 in India; the request shows no reset line.
    expect(first).toHaveTextContent('Nov 20, 2026, 22:55 GMT+5:30');
    expect(first).not.toHaveTextContent('Limits reset');

    expect(second).toHaveTextContent('AI stopped for Mia Member: member budget reached (+2 more)');
    const body = within(second!).getByText(/^AI stopped for Mia Member: member budget reached \(2 of 2/);
    expect(body.textContent!.split('\n')).toHaveLength(4);
    expect(second).toHaveTextContent('Limits reset Dec 10, 2026, 05:30 GMT+5:30 (00:00 UTC)');
    expect(second).toHaveTextContent('Nov 20, 2026, 22:52 GMT+5:30');
    expect(within(second!).getByRole('link', { name: 'View usage' })).toHaveAttribute('href', merged.link);
  });
});
