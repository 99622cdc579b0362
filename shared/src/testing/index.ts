/**
 * The mock AI Credits API for other projects' tests and dev servers (README.md here):
 * `createHandlers(scenario, options)` for MSW, the store it runs on, scenarios and factories.
 */
export { createHandlers, createMockApi, HANDLER_GROUPS, isApiRequest, type MockApiOptions } from './handlers';
export { apiError, json, requireSession, url } from './http';
export { isScenarioName, scenarioFromSearch, SCENARIO_DESCRIPTIONS, SCENARIOS, type ScenarioName, type ScenarioOptions } from './scenarios';
export {
  charge,
  chartsOf,
  completePurchase,
  createMockStore,
  DEFAULT_PASSWORD,
  makeInvoice,
  makePurchase,
  MOCK_API_KEYS,
  mockApiKeyToken,
  mockId,
  PEOPLE,
  sessionOf,
  summaryOf,
  type MockStore,
} from './store';
export { SANDBOX_FAILURE_MESSAGE } from './handlers/billing';
