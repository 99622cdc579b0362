import { setupWorker } from 'msw/browser';
import { createHandlers } from './handlers';
import { isScenarioName, SCENARIOS, SCENARIO_DESCRIPTIONS, type ScenarioName } from './scenarios';

const STORAGE_KEY = 'ai-credits:mock-scenario';

/** `?scenario=member` picks a scenario and remembers it in localStorage; default `owner`. */
export function currentScenario(): ScenarioName {
  const fromUrl = new URLSearchParams(location.search).get('scenario');
  if (isScenarioName(fromUrl)) {
    localStorage.setItem(STORAGE_KEY, fromUrl);
    return fromUrl;
  }
  const stored = localStorage.getItem(STORAGE_KEY);
  return isScenarioName(stored) ? stored : 'owner';
}

export async function startMockWorker(): Promise<void> {
  const scenario = currentScenario();
  const worker = setupWorker(...createHandlers(scenario));
  await worker.start({ onUnhandledFrame: 'bypass', quiet: true });
  console.info(`[mock] scenario "${scenario}": ${SCENARIO_DESCRIPTIONS[scenario]}. Others: ${SCENARIOS.join(', ')} (?scenario=name)`);
  mountScenarioPicker(scenario);
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
