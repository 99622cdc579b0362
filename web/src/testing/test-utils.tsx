import { render } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { createApp } from '@/app/create-app';
import { createHandlers } from '@ai-credits/shared/testing';
import type { ScenarioName, ScenarioOptions } from '@ai-credits/shared/testing';
import { server } from './server';

/** Fixed "now" of the tests: the `owner` org's billing period is Nov 15 – Dec 15, 2026. */
export const TEST_NOW = new Date('2026-11-20T12:00:00Z');

/** Serve a scenario (a fresh in-memory org) for the rest of the test. */
export function serveScenario(scenario: ScenarioName, options: ScenarioOptions = {}): void {
  server.resetHandlers(...createHandlers(scenario, options));
}

/** Render the whole app (router, a fresh QueryClient with retries off) at `path`. */
export function renderApp(path: string, options: { scenario?: ScenarioName } = {}) {
  if (options.scenario) serveScenario(options.scenario);
  const app = createApp({ initialEntries: [path], retry: false });
  const user = userEvent.setup();
  const result = render(app.element);
  return { ...result, ...app, user };
}
