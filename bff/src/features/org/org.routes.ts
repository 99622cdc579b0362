import { Router } from 'express';
import { orgContract } from '@ai-credits/shared/contracts/org';
import { mount } from '../../http/endpoint';
import type { Services } from '../../services';

export function orgRouter({ org, invitations, email, audit }: Services): Router {
  const router = Router();
  mount(router, orgContract.listMembers, async ({ actor }) => ({ members: await org.listMembers(actor.orgId) }));
  mount(router, orgContract.createInvitation, ({ actor, body }) => invitations.create(actor, body));
  mount(router, orgContract.listInvitations, async ({ actor }) => ({ invitations: await invitations.listPending(actor.orgId) }));
  mount(router, orgContract.revokeInvitation, ({ actor, params }) => invitations.revoke(actor, params.invitationId));
  mount(router, orgContract.resendInvitation, ({ actor, params }) => invitations.resend(actor, params.invitationId));
  mount(router, orgContract.lookupInvitation, ({ body, session }) => invitations.lookup(body.token, session?.info.user.email ?? null));
  mount(router, orgContract.changeRole, ({ actor, params, body }) => org.changeRole(actor.orgId, actor.userId, params.userId, body.role));
  mount(router, orgContract.offboardingPreview, ({ actor, params }) => org.offboardingPreview(actor.orgId, params.userId));
  mount(router, orgContract.removeMember, ({ actor, params }) => org.removeMember(actor.orgId, actor.userId, params.userId));
  mount(router, orgContract.listProjects, async ({ actor }) => ({ projects: await org.listProjects(actor.orgId) }));
  mount(router, orgContract.createProject, ({ actor, body }) => org.createProject(actor.orgId, actor.userId, body.name));
  mount(router, orgContract.updateProject, ({ actor, params, body }) => org.updateProject(actor.orgId, actor.userId, params.projectId, body));
  mount(router, orgContract.listEmails, ({ actor }) => email.outbox(actor.orgId));
  mount(router, orgContract.auditLog, ({ actor, query }) => audit.log(actor.orgId, query));
  return router;
}
