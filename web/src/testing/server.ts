import { setupServer } from 'msw/node';

/** The MSW server of the component tests; setup-tests.ts gives each test a fresh `owner` org. */
export const server = setupServer();
