import type { Role } from '@ai-credits/shared/contracts/auth';
import type { Executor } from '../../db/db';
import * as repo from './accounts.repository';

/**
 * The directory: who belongs to an organization, their names and addresses, and the
 * organization's name, for the other features (ADR 017: organizations, users and memberships
 * are the accounts feature's tables, and this is how the others read them). Each function takes
 * the caller's executor, so a read made inside another feature's transaction (the ledger's
 * batch, a payment webhook, the outbox) is part of that transaction; lookups take arrays of ids
 * (one statement, never one per row). Apart from accounts.service.ts, whose factory uses the
 * email feature: email reads the directory too, without an import cycle.
 */

/** A member of an org: the user and their membership. */
export interface OrgMember {
  id: string;
  email: string;
  name: string;
  role: Role;
  joinedAt: Date;
}

const toMember = (m: { id: string; email: string; name: string; role: Role; created_at: Date }): OrgMember => ({ id: m.id, email: m.email, name: m.name, role: m.role, joinedAt: m.created_at });

/** Every member: the owner, the admins, the members, each group by name. */
export async function orgMembers(q: Executor, orgId: string): Promise<OrgMember[]> {
  return (await repo.orgMembers(q, orgId)).map(toMember);
}

/** The members among these users (the others are left out), in the same order. */
export async function orgMembersByIds(q: Executor, orgId: string, userIds: string[]): Promise<OrgMember[]> {
  if (!userIds.length) return [];
  return (await repo.orgMembers(q, orgId, { userIds: [...new Set(userIds)] })).map(toMember);
}

export async function orgMember(q: Executor, orgId: string, userId: string): Promise<OrgMember | undefined> {
  return (await orgMembersByIds(q, orgId, [userId]))[0];
}

/** The owner and the admins (who get every alert and every "ask for more"): the owner first. */
export async function orgManagers(q: Executor, orgId: string): Promise<OrgMember[]> {
  return (await repo.orgMembers(q, orgId, { roles: ['owner', 'admin'] })).map(toMember);
}

/** The org feature changes a member's role (the owner's is never changed: its rule, checked there). */
export async function setMemberRole(q: Executor, orgId: string, userId: string, role: 'admin' | 'member'): Promise<void> {
  await repo.updateMemberRole(q, orgId, userId, role);
}

/** The membership goes (the user's sessions in the org: accounts.endSessionsInOrg). */
export async function deleteMembership(q: Executor, orgId: string, userId: string): Promise<void> {
  await repo.deleteMembership(q, orgId, userId);
}

/** The organization's owner (address, name) and the organization's name: where its own emails go. */
export async function orgOwner(q: Executor, orgId: string): Promise<{ email: string; name: string; orgName: string } | undefined> {
  const owner = await repo.orgOwner(q, orgId);
  return owner && { email: owner.email, name: owner.name, orgName: owner.org_name };
}

export async function orgName(q: Executor, orgId: string): Promise<string | undefined> {
  return (await repo.orgName(q, orgId))?.name;
}

/** Names and addresses of users by id (members or former members); unknown ids are left out. */
export async function userContacts(q: Executor, userIds: string[]): Promise<Map<string, { name: string; email: string }>> {
  if (!userIds.length) return new Map();
  return new Map((await repo.userContacts(q, [...new Set(userIds)])).map((u) => [u.id, { name: u.name, email: u.email }]));
}

/**
 * The user's row, locked until the caller's transaction ends: what gives a user a membership
 * locks it first, so two at once cannot both join.
 */
export async function lockUser(q: Executor, userId: string): Promise<{ id: string; email: string; name: string } | undefined> {
  const user = await repo.lockUserById(q, userId);
  return user && { id: user.id, email: user.email, name: user.name };
}

/** The organization the user belongs to (one per account), with its name. */
export async function membershipOf(q: Executor, userId: string): Promise<{ orgId: string; orgName: string } | undefined> {
  const m = await repo.findMembershipOfUser(q, userId);
  return m && { orgId: m.org_id, orgName: m.org_name };
}
