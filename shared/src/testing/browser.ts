import { setupWorker } from 'msw/browser';
import { createHandlers } from './handlers';
import { isScenarioName, scenarioFromSearch, SCENARIOS, SCENARIO_DESCRIPTIONS, type ScenarioName, type ScenarioSettings } from './scenarios';

const STORAGE_KEY = 'ai-credits:mock-scenario';

/**
 * `?scenario=member` picks a scenario and remembers it in localStorage; default `owner`.
 * `&role=`, `&delay=ms` and `&fail=GET /api/...` add options (ScenarioSettings).
 */
export function currentScenario(): { scenario: ScenarioName; options: ScenarioSettings } {
  const stored = localStorage.getItem(STORAGE_KEY);
  const picked = scenarioFromSearch(location.search, isScenarioName(stored) ? stored : 'owner');
  localStorage.setItem(STORAGE_KEY, picked.scenario);
  return picked;
}

/** Start the MSW worker over the mock API (the app calls this before rendering in mock mode). */
export async function startMockWorker(options: { serviceWorkerUrl?: string; picker?: boolean } = {}): Promise<void> {
  const { scenario, options: scenarioOptions } = currentScenario();
  const worker = setupWorker(...createHandlers(scenario, { ...scenarioOptions, origin: location.origin }));
  await worker.start({ onUnhandledFrame: 'bypass', quiet: true, serviceWorker: { url: options.serviceWorkerUrl ?? '/mockServiceWorker.js' } });
  console.info(`[mock] scenario "${scenario}": ${SCENARIO_DESCRIPTIONS[scenario]}. Others: ${SCENARIOS.join(', ')} (?scenario=name)`);
  if (options.picker !== false) mountScenarioPicker(scenario);
}

/** A small switcher in the corner so developers can hop between scenarios. */
function mountScenarioPicker(active: ScenarioName) {
  const wrapper = document.createElement('div');
  wrapper.className = 'mock-picker';
  const label = document.createElement('label');
  label.textContent = 'Mock scenario ';
  const select = document.createElement('select');
  for (const name of SCENARIOS) {
    const option = document.createElement('option');
    option.value = name;
    option.textContent = name;
    option.title = SCENARIO_DESCRIPTIONS[name];
    option.selected = name === active;
    select.append(option);
  }
  select.addEventListener('change', () => {
    const url = new URL(location.href);
    url.searchParams.set('scenario', select.value);
    location.assign(url);
  });
  label.append(select);
  wrapper.append(label);
  document.body.append(wrapper);
}
