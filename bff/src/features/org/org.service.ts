import type { AuditEntry, Member, Project } from '@ai-credits/shared/contracts/org';
import type { Db } from '../../db/db';
import { HttpError, notFound } from '../../http/http-error';
import type { Clock } from '../../lib/clock';
import type { AccountsService } from '../auth/accounts.service';
import { insertAudit } from '../ledger/ledger.repository';
import * as repo from './org.repository';

const toMember = (m: { user_id: string; email: string; name: string; role: Member['role']; created_at: Date }): Member => ({
  userId: m.user_id,
  email: m.email,
  name: m.name,
  role: m.role,
  joinedAt: m.created_at.toISOString(),
});

const toProject = (p: { id: string; name: string; created_at: Date }): Project => ({ id: p.id, name: p.name, createdAt: p.created_at.toISOString() });

export function createOrgService(deps: { db: Db; clock: Clock; accounts: AccountsService }) {
  const { db, clock } = deps;

  async function memberOrThrow(orgId: string, userId: string) {
    const member = await repo.findMember(db, orgId, userId);
    if (!member) throw notFound('Member');
    return member;
  }

  return {
    async listMembers(orgId: string) {
      return (await repo.listMembers(db, orgId)).map(toMember);
    },

    async changeRole(orgId: string, actorUserId: string, userId: string, role: 'admin' | 'member') {
      const member = await memberOrThrow(orgId, userId);
      if (member.role === 'owner') throw new HttpError(409, 'CONFLICT', "The owner's role cannot be changed");
      if (member.role !== role) {
        await db.transaction().execute(async (trx) => {
          await repo.updateRole(trx, orgId, userId, role);
          await insertAudit(trx, { org_id: orgId, actor_user_id: actorUserId, action: 'member.role_changed', from_value: { userId, role: member.role }, to_value: { userId, role }, created_at: clock.now() });
        });
      }
      return toMember({ ...member, role });
    },

    async removeMember(orgId: string, actorUserId: string, userId: string) {
      const member = await memberOrThrow(orgId, userId);
      if (member.role === 'owner') throw new HttpError(409, 'CONFLICT', 'The owner cannot be removed');
      await db.transaction().execute(async (trx) => {
        await repo.deleteMembership(trx, orgId, userId);
        await insertAudit(trx, { org_id: orgId, actor_user_id: actorUserId, action: 'member.removed', from_value: { userId, role: member.role }, to_value: null, created_at: clock.now() });
      });
    },

    async listProjects(orgId: string) {
      return (await repo.listProjects(db, orgId)).map(toProject);
    },

    async createProject(orgId: string, name: string) {
      const project = await repo.insertProject(db, { org_id: orgId, name, created_at: clock.now() });
      if (!project) throw new HttpError(409, 'CONFLICT', 'A project with this name already exists');
      return toProject(project);
    },

    /** For other features: the project must belong to the caller's org (404 otherwise). */
    async projectOrThrow(orgId: string, projectId: string) {
      const project = await repo.findProject(db, orgId, projectId);
      if (!project) throw notFound('Project');
      return project;
    },

    async auditLog(orgId: string, limit: number): Promise<AuditEntry[]> {
      return (await repo.listAudit(db, orgId, limit)).map((e) => ({
        id: e.id,
        at: e.created_at.toISOString(),
        actor: e.actor_id && e.actor_name ? { id: e.actor_id, name: e.actor_name } : null,
        action: e.action,
        from: e.from_value,
        to: e.to_value,
      }));
    },
  };
}

export type OrgService = ReturnType<typeof createOrgService>;
