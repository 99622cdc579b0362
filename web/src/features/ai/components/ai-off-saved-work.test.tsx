import { screen, within } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';

import { renderApp, serveScenario } from '@/testing/test-utils';

// Issue 11, item 5: with AI off, what AI produced stays readable (read-only, with a note);
// only new AI work is refused (the BFF refuses it too: bff/test/ai.test.ts).
beforeEach(() => {
  serveScenario('aiDisabled');
});

const NOTE = 'AI is turned off: saved work is read-only';

describe('AI off keeps saved work readable', () => {
  it('offers the saved work in the navigation, and no AI feature', async () => {
    renderApp('/settings/ai-credits');
    const nav = await screen.findByRole('navigation', { name: 'Main' });
    const saved = await within(nav).findByRole('list', { name: 'Saved AI work' });
    expect(within(saved).getAllByRole('link').map((l) => l.textContent)).toEqual(['Saved test cases', 'Chat history', 'Saved reports']);
    expect(within(nav).queryByRole('link', { name: 'Test generation' })).not.toBeInTheDocument();
    expect(within(nav).queryByRole('link', { name: 'API keys' })).not.toBeInTheDocument();
  });

  it('shows saved test cases read-only, with the note and no way to generate', async () => {
    renderApp('/ai/test-generation');
    expect(await screen.findByText(NOTE)).toBeInTheDocument();
    const saved = await screen.findByRole('region', { name: 'Saved test cases' });
    expect(await within(saved).findAllByRole('article')).not.toHaveLength(0);
    expect(screen.queryByRole('button', { name: 'Generate test cases' })).not.toBeInTheDocument();
    expect(screen.queryByRole('textbox')).not.toBeInTheDocument();
  });

  it('shows chat history read-only, with no message box and no new conversation', async () => {
    const { user } = renderApp('/ai/chat');
    expect(await screen.findByText(NOTE)).toBeInTheDocument();
    const list = await screen.findByRole('navigation', { name: 'Conversations' });
    const first = (await within(list).findAllByRole('button'))[0]!;
    await user.click(first);
    const messages = await screen.findByRole('list', { name: 'Messages' });
    expect(await within(messages).findAllByRole('listitem')).not.toHaveLength(0);
    expect(screen.queryByRole('textbox', { name: 'Your message' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'New conversation' })).not.toBeInTheDocument();
    // Nothing spends credits while AI is off (issue 24: the page said "Each answer spends credits").
    expect(screen.queryByText(/spends credits/)).not.toBeInTheDocument();
  });

  it('shows saved reports read-only, with no Write report', async () => {
    renderApp('/ai/reports');
    expect(await screen.findByText(NOTE)).toBeInTheDocument();
    const list = await screen.findByRole('region', { name: 'Reports' });
    expect(await within(list).findAllByRole('article')).toHaveLength(1);
    expect(screen.queryByRole('button', { name: 'Write report' })).not.toBeInTheDocument();
  });
});

describe('an archived project', () => {
  it("shows its saved work read-only on the AI pages, with a note and no way to run new work", async () => {
    serveScenario('owner');
    const { user } = renderApp('/settings/projects');
    for (const name of ['Checkout Web', 'Mobile App', 'Payments API']) {
      await user.click(await screen.findByRole('button', { name: `Archive ${name}` }));
      await user.click(within(await screen.findByRole('alertdialog')).getByRole('button', { name: 'Archive project' }));
      await screen.findByRole('button', { name: `Restore ${name}` });
    }
    await user.click(within(screen.getByRole('navigation', { name: 'Main' })).getByRole('link', { name: 'Test generation' }));
    expect(await screen.findByText('This project is archived: its saved work is read-only')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Generate test cases' })).not.toBeInTheDocument();
    expect(screen.getByRole('combobox', { name: 'Project' })).toHaveTextContent('Checkout Web (archived)');
    const saved = await screen.findByRole('region', { name: 'Saved test cases' });
    expect(await within(saved).findAllByRole('article')).not.toHaveLength(0);
  });
});
