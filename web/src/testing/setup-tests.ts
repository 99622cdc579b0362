import * as jestDomMatchers from '@testing-library/jest-dom/matchers';
import { cleanup, configure } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, beforeEach, expect, vi } from 'vitest';
import { createHandlers } from '@ai-credits/shared/testing';
import { server } from './server';
import { TEST_NOW } from './test-utils';

// What `@testing-library/jest-dom/vitest` does, without its Vitest 4 types (jest-dom-vitest.d.ts).
expect.extend(jestDomMatchers);

// jsdom has no layout: Recharts' ResponsiveContainer needs ResizeObserver to exist.
class ResizeObserverStub {
  observe() {}
  unobserve() {}
  disconnect() {}
}
globalThis.ResizeObserver ??= ResizeObserverStub as unknown as typeof ResizeObserver;

// ...so charts measure 0x0 here and Recharts says so on every render; the tests read the
// charts' accessible tables instead. Drop only that message.
const warn = console.warn.bind(console);
console.warn = (...args: unknown[]) => {
  if (typeof args[0] === 'string' && args[0].includes('of chart should be greater than 0')) return;
  warn(...args);
};

// Lazy route modules and Recharts are compiled on first use; give findBy* room on a busy machine.
configure({ asyncUtilTimeout: 5000 });

beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
beforeEach(() => {
  // Only Date is faked: "now" is fixed, timers and promises stay real (MSW, React Query).
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(TEST_NOW);
  server.resetHandlers(...createHandlers('owner'));
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});
afterAll(() => server.close());
