import type { AuditAction, Member, Project } from '@ai-credits/shared/contracts/org';
import type { Db, Executor } from '../../db/db';
import { HttpError, notFound } from '../../http/http-error';
import type { Clock } from '../../lib/clock';
import type { AccountsService } from '../auth/accounts.service';
import * as directory from '../auth/directory.service';
import type { ApiKeysService } from '../api-keys/api-keys.service';
import type { InvitationsService } from './invitations.service';
import { recordAudit } from '../audit/audit.service';
import * as repo from './org.repository';

const toMember = (m: directory.OrgMember): Member => ({
  userId: m.id,
  email: m.email,
  name: m.name,
  role: m.role,
  joinedAt: m.joinedAt.toISOString(),
});

const toProject = (p: { id: string; name: string; created_at: Date; archived_at: Date | null }): Project => ({
  id: p.id,
  name: p.name,
  createdAt: p.created_at.toISOString(),
  archivedAt: p.archived_at?.toISOString() ?? null,
});

/**
 * Project names by id, in the caller's executor (alerts name projects inside the ledger's batch):
 * one statement for all the ids; ids of no project of the org are left out.
 */
export async function projectNames(q: Executor, orgId: string, projectIds: string[]): Promise<Map<string, string>> {
  if (!projectIds.length) return new Map();
  return new Map((await repo.projectNames(q, orgId, [...new Set(projectIds)])).map((p) => [p.id, p.name]));
}

export function createOrgService(deps: {
  db: Db;
  clock: Clock;
  accounts: AccountsService;
  apiKeys: Pick<ApiKeysService, 'activeCreatedBy' | 'revokeCreatedBy' | 'evict'>;
  invitations: Pick<InvitationsService, 'pendingSentBy' | 'revokeSentBy'>;
}) {
  const { db, clock, apiKeys, invitations } = deps;

  async function memberOrThrow(orgId: string, userId: string) {
    const member = await directory.orgMember(db, orgId, userId);
    if (!member) throw notFound('Member');
    return member;
  }

  return {
    /** A member of this org (404 NOT_FOUND "Member" otherwise): id, email, name, role. */
    memberOrThrow,

    /** True when the user is a member of this org (metering's attribution check). */
    async hasMember(orgId: string, userId: string): Promise<boolean> {
      return (await directory.orgMember(db, orgId, userId)) !== undefined;
    },

    async listMembers(orgId: string) {
      return (await directory.orgMembers(db, orgId)).map(toMember);
    },

    async changeRole(orgId: string, actorUserId: string, userId: string, role: 'admin' | 'member') {
      const member = await memberOrThrow(orgId, userId);
      if (member.role === 'owner') throw new HttpError(409, 'CONFLICT', "The owner's role cannot be changed");
      if (member.role !== role) {
        await db.transaction().execute(async (trx) => {
          const now = clock.now();
          await directory.setMemberRole(trx, orgId, userId, role);
          await recordAudit(trx, { orgId, actorUserId, action: 'member.role_changed', from: { userId, role: member.role }, to: { userId, role }, at: now });
          // A member cannot invite: the invitations they sent as an admin stop working (their keys stay the org's).
          if (role === 'member') await invitations.revokeSentBy(trx, orgId, actorUserId, userId, now);
        });
      }
      return toMember({ ...member, role });
    },

    /** What removing `userId` revokes besides their sessions (the remove dialog's preview). */
    async offboardingPreview(orgId: string, userId: string) {
      await memberOrThrow(orgId, userId);
      const [keys, pending] = await Promise.all([apiKeys.activeCreatedBy(orgId, userId), invitations.pendingSentBy(orgId, userId)]);
      return { apiKeys: keys, invitations: pending };
    },

    /**
     * Removing a member leaves nothing of theirs working (docs/product.md "Accounts"): in one
     * transaction their membership and sessions go, the API keys they created and the invitations
     * they sent are revoked; the keys leave this instance's cache after the commit.
     */
    async removeMember(orgId: string, actorUserId: string, userId: string) {
      const member = await memberOrThrow(orgId, userId);
      if (member.role === 'owner') throw new HttpError(409, 'CONFLICT', 'The owner cannot be removed');
      let revokedKeys: string[] = [];
      try {
        await db.transaction().execute(async (trx) => {
          const now = clock.now();
          await directory.deleteMembership(trx, orgId, userId);
          await deps.accounts.endSessionsInOrg(trx, orgId, userId);
          revokedKeys = await apiKeys.revokeCreatedBy(trx, orgId, actorUserId, userId, now);
          await invitations.revokeSentBy(trx, orgId, actorUserId, userId, now);
          await recordAudit(trx, { orgId, actorUserId, action: 'member.removed', from: { userId, role: member.role }, to: null, at: now });
        });
      } finally {
        apiKeys.evict(revokedKeys);
      }
    },

    async listProjects(orgId: string) {
      return (await repo.listProjects(db, orgId)).map(toProject);
    },

    async createProject(orgId: string, actorUserId: string, name: string) {
      return db.transaction().execute(async (trx) => {
        const now = clock.now();
        const project = await repo.insertProject(trx, { org_id: orgId, name, created_at: now });
        if (!project) throw new HttpError(409, 'CONFLICT', 'A project with this name already exists');
        await recordAudit(trx, { orgId, actorUserId, action: 'project.created', from: null, to: { projectId: project.id, name }, at: now });
        return toProject(project);
      });
    },

    /** Rename and/or archive (restore) a project; each change is one audit entry. History is never touched. */
    async updateProject(orgId: string, actorUserId: string, projectId: string, change: { name?: string; archived?: boolean }) {
      return db.transaction().execute(async (trx) => {
        const now = clock.now();
        const before = await repo.lockProject(trx, orgId, projectId);
        if (!before) throw notFound('Project');
        const set: { name?: string; archived_at?: Date | null } = {};
        if (change.name !== undefined && change.name !== before.name) set.name = change.name;
        if (change.archived !== undefined && change.archived !== (before.archived_at !== null)) set.archived_at = change.archived ? now : null;
        if (Object.keys(set).length === 0) return toProject(before);
        const after = await repo.updateProject(trx, orgId, projectId, set);
        if (!after) throw new HttpError(409, 'CONFLICT', 'A project with this name already exists');
        const audit = (action: AuditAction, from: unknown, to: unknown) =>
          recordAudit(trx, { orgId, actorUserId, action, from, to, at: now });
        if (set.name !== undefined) await audit('project.renamed', { projectId, name: before.name }, { projectId, name: after.name });
        if (set.archived_at !== undefined) {
          await audit(set.archived_at ? 'project.archived' : 'project.restored', { projectId, name: after.name, archived: !set.archived_at }, { projectId, name: after.name, archived: !!set.archived_at });
        }
        return toProject(after);
      });
    },

    /** For other features: the project must belong to the caller's org (404 otherwise). Archived ones too: their history stays readable. */
    async projectOrThrow(orgId: string, projectId: string): Promise<Project> {
      const project = await repo.findProject(db, orgId, projectId);
      if (!project) throw notFound('Project');
      return toProject(project);
    },

    /** For new AI usage (AI features, metering attribution): the project must exist and not be archived. */
    async projectForUsageOrThrow(orgId: string, projectId: string): Promise<Project> {
      const project = await repo.findProject(db, orgId, projectId);
      if (!project) throw notFound('Project');
      if (project.archived_at) throw new HttpError(409, 'PROJECT_ARCHIVED', `Project "${project.name}" is archived: it keeps its history but takes no new AI usage. An owner or admin can restore it in Settings → Projects.`);
      return toProject(project);
    },
  };
}

export type OrgService = ReturnType<typeof createOrgService>;
