/** Named states of the mock API, for `vite --mode mock` (`?scenario=`) and for component tests. */
export const SCENARIOS = ['owner', 'admin', 'member', 'aiDisabled', 'lowBalance', 'inOverage', 'emptyOrg', 'serverErrors'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export const SCENARIO_DESCRIPTIONS: Record<ScenarioName, string> = {
  owner: 'Owner of an org with a purchase this month and a healthy balance',
  admin: 'Admin of the same org: sees everything, cannot buy, toggle AI or change the limit',
  member: 'Member of the same org: read-only dashboard',
  aiDisabled: 'The owner turned AI off (signed in as owner)',
  lowBalance: 'Fewer than 30 credits left',
  inOverage: 'Balance below zero, overage limit 500 credits, one unpaid overage invoice',
  emptyOrg: 'A brand-new org: 300 credits, no project and no usage yet',
  serverErrors: 'Signed in, but every data endpoint answers 500',
};

export function isScenarioName(value: unknown): value is ScenarioName {
  return typeof value === 'string' && (SCENARIOS as readonly string[]).includes(value);
}
