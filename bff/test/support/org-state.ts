import { apiKeysContract } from '@ai-credits/shared/contracts/api-keys';
import { billingContract } from '@ai-credits/shared/contracts/billing';
import { budgetsContract } from '@ai-credits/shared/contracts/budgets';
import { creditsContract } from '@ai-credits/shared/contracts/credits';
import { orgContract } from '@ai-credits/shared/contracts/org';
import type { Client } from './harness';

/**
 * Everything a refused write could have changed, read through the API as the owner: a
 * permission test takes it before and after the refusals and expects the two to be equal.
 */
export async function orgState(owner: Client) {
  const [summary, members, invitations, projects, audit, budgets, thresholds, apiKeys, billing] = await Promise.all([
    owner.call(creditsContract.summary),
    owner.call(orgContract.listMembers),
    owner.call(orgContract.listInvitations),
    owner.call(orgContract.listProjects),
    owner.call(orgContract.auditLog),
    owner.call(budgetsContract.list),
    owner.call(budgetsContract.thresholds),
    owner.call(apiKeysContract.list),
    owner.call(billingContract.history),
  ]);
  return {
    summary: summary.data,
    members: members.data,
    invitations: invitations.data,
    projects: projects.data,
    audit: audit.data,
    budgets: budgets.data,
    thresholds: thresholds.data,
    apiKeys: apiKeys.data,
    billing: billing.data,
  };
}
