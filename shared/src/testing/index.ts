/**
 * The mock AI Credits API for other projects' tests and dev servers (README.md here):
 * `createHandlers(scenario, options)` for MSW, the store it runs on, scenarios and factories.
 */
export { createHandlers, createMockApi, HANDLER_GROUPS, isApiRequest, type MockApiOptions } from './handlers';
export { apiError, json, requireSession, url } from './http';
export { isScenarioName, scenarioFromSearch, SCENARIO_DESCRIPTIONS, SCENARIOS, type ScenarioName, type ScenarioSettings } from './scenarios';
export { createMockStore, DEFAULT_PASSWORD, makeInvoice, makePurchase, MOCK_API_KEYS, mockApiKeyToken, PEOPLE } from './store/fixtures';
export { charge, completePurchase } from './store/operations';
export { chartsOf, sessionOf, summaryOf } from './store/projections';
export { mockId, type MockStore, type ScenarioOptions } from './store/state';
export { SANDBOX_FAILURE_MESSAGE } from './handlers/billing';
