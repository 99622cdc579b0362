import { screen, waitFor, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { aiContract } from '@ai-credits/shared/contracts/ai';

import { server } from '@/testing/server';
import { renderApp, serveScenario } from '@/testing/test-utils';

describe('AI chat page', () => {
  it('starts a conversation: estimate first, then the reply from the demo model', async () => {
    const { user } = renderApp('/ai/chat');
    const box = await screen.findByRole('textbox', { name: 'Your message' });
    await user.click(box);
    await user.paste('Which boundary values should I test for the coupon code?');
    expect(await screen.findByText(/^About [\d.,]+ credits$/)).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Send' }));

    const messages = await screen.findByRole('list', { name: 'Messages' });
    expect(await within(messages).findByText(/Here is how I would approach/)).toBeInTheDocument();
    expect(within(messages).getByText('Which boundary values should I test for the coupon code?')).toBeInTheDocument();
    const nav = screen.getByRole('navigation', { name: 'Conversations' });
    expect(await within(nav).findByRole('button', { name: 'Which boundary values should I test for the coupon code?' })).toHaveAttribute('aria-pressed', 'true');
    expect(box).toHaveValue('');
  });
});

describe('AI chat page, a saved conversation', () => {
  it('shows the error with Try again (not "No messages yet") when the history fails, then the messages', async () => {
    let fail = true;
    server.use(
      http.get(`*${aiContract.getConversation.path.replace(':conversationId', '*')}`, () =>
        fail ? HttpResponse.json({ error: { code: 'INTERNAL', message: 'The server is down' } }, { status: 500 }) : undefined,
      ),
    );
    const { user } = renderApp('/ai/chat');
    const nav = await screen.findByRole('navigation', { name: 'Conversations' });
    const saved = within((await within(nav).findAllByRole('listitem'))[0]!).getByRole('button');
    await user.click(saved);
    const conversation = screen.getByRole('region', { name: 'Conversation' });
    expect(await within(conversation).findByText('Could not load the conversation')).toBeInTheDocument();
    expect(within(conversation).queryByText('No messages yet')).not.toBeInTheDocument();

    fail = false;
    await user.click(within(conversation).getByRole('button', { name: 'Try again' }));
    const messages = within(conversation).getByRole('list', { name: 'Messages' });
    expect(await within(messages).findAllByRole('listitem')).not.toHaveLength(0);
    expect(within(conversation).queryByText('Could not load the conversation')).not.toBeInTheDocument();
  });
});

describe('AI reports page', () => {
  it('lists saved reports and writes a new one with coverage by area', async () => {
    const { user } = renderApp('/ai/reports');
    const list = await screen.findByRole('region', { name: 'Reports' });
    expect(await within(list).findByText(/3 test cases across 2 areas/)).toBeInTheDocument();
    expect(await screen.findByText(/^About [\d.,]+ credits$/)).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Write report' }));
    expect(await screen.findByText(/^Used [\d.,]+ credits/)).toBeInTheDocument();
    expect(await within(list).findAllByRole('article')).toHaveLength(2);
    expect(within(list).getAllByRole('cell', { name: 'Checkout & payments' }).length).toBeGreaterThan(0);
  });
});

describe('AI chat page, streamed answers', () => {
  it('shows the answer as it is written with a live meter, and Stop keeps what was written, charged and marked stopped', async () => {
    const { user } = renderApp('/ai/chat');
    const box = await screen.findByRole('textbox', { name: 'Your message' });
    await user.click(box);
    await user.paste('How do I stop an answer midway?');
    await user.click(await screen.findByRole('button', { name: 'Send' }));

    const meter = await screen.findByLabelText('Credits for this answer');
    expect(meter).toHaveTextContent(/Credits so far: [\d.,]+/);
    expect(await within(meter).findByText(/held until it finishes/)).toBeInTheDocument();
    const messages = screen.getByRole('list', { name: 'Messages' });
    // Part of the answer is on screen before it is finished.
    expect(await within(messages).findByText(/Here is how I would approach/)).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Stop' }));

    expect(await screen.findByText('The answer was stopped; you were charged for what was written.')).toBeInTheDocument();
    expect(screen.getByText(/^Used [\d.,]+ credits/)).toBeInTheDocument();
    expect(within(messages).getByText('(stopped)')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Stop' })).not.toBeInTheDocument();
    // Announced once, finished: not the words as they came.
    const statuses = screen.getAllByRole('status').map((s) => s.textContent ?? '');
    expect(statuses.filter((t) => t.startsWith('Assistant (stopped): Here is how I would approach'))).toHaveLength(1);
  });
});

describe('AI reports page, streamed reports (issue 22)', () => {
  it('shows the report as it is written with a live meter; Stop keeps what was written, charged, marked stopped, announced once', async () => {
    // Slow enough to press Stop midway.
    serveScenario('owner', { seed: (store) => void (store.streamDelayMs = 150) });
    const { user } = renderApp('/ai/reports');
    const write = await screen.findByRole('button', { name: 'Write report' });
    // Enabled once the project's test cases are known to be there.
    await waitFor(() => expect(write).toBeEnabled());
    await user.click(write);

    const meter = await screen.findByLabelText('Credits for this report');
    expect(await within(meter).findByText(/held until it finishes/)).toBeInTheDocument();
    const writing = screen.getByLabelText('Report being written');
    expect(writing).toHaveAttribute('aria-busy', 'true');
    // Part of the report is on screen before it is finished.
    await waitFor(() => expect(writing).toHaveTextContent(/^3 test cases/));
    expect(meter).toHaveTextContent(/Credits so far: [\d.,]+/);
    await user.click(screen.getByRole('button', { name: 'Stop' }));

    expect(await screen.findByText('The report was stopped; you were charged for what was written. It is saved below.')).toBeInTheDocument();
    expect(screen.getByText(/^Used [\d.,]+ credits/)).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Stop' })).not.toBeInTheDocument();
    const list = screen.getByRole('region', { name: 'Reports' });
    expect(await within(list).findByText('(stopped)')).toBeInTheDocument();
    // Announced once, finished: not the words as they came.
    const statuses = screen.getAllByRole('status').map((s) => s.textContent ?? '');
    expect(statuses.filter((t) => t.startsWith('Report written (stopped): 3 test cases'))).toHaveLength(1);
  });

  it('a project with no test cases: Write report is disabled up front and says why (issue 24: it answered 409 "The request failed")', async () => {
    server.use(http.get(`*${aiContract.listTestCases.path}`, () => HttpResponse.json({ generations: [] })));
    renderApp('/ai/reports');
    const reason = await screen.findByText(/This project has no test cases yet, so there is nothing to report on/);
    expect(within(reason).getByRole('link', { name: 'Generate test cases' })).toHaveAttribute('href', '/ai/test-generation');
    const write = screen.getByRole('button', { name: 'Write report' });
    expect(write).toBeDisabled();
    expect(write).toHaveAccessibleDescription(/no test cases yet/);
  });
});
