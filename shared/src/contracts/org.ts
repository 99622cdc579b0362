import { z } from 'zod';
import { endpoint, IdSchema, IsoDateTimeSchema } from '../api';
import { EmailSchema, NameSchema, PasswordSchema, RoleSchema } from './auth';

export const MemberSchema = z.object({
  userId: IdSchema,
  email: z.string(),
  name: z.string(),
  role: RoleSchema,
  joinedAt: IsoDateTimeSchema,
});
export type Member = z.infer<typeof MemberSchema>;

export const ProjectSchema = z.object({ id: IdSchema, name: z.string(), createdAt: IsoDateTimeSchema });
export type Project = z.infer<typeof ProjectSchema>;

export const AuditEntrySchema = z.object({
  id: IdSchema,
  at: IsoDateTimeSchema,
  actor: z.object({ id: IdSchema, name: z.string() }).nullable(),
  action: z.string(),
  from: z.unknown(),
  to: z.unknown(),
});
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

const UserIdParams = z.strictObject({ userId: IdSchema });

export const orgContract = {
  listMembers: endpoint({
    method: 'GET',
    path: '/api/org/members',
    summary: 'Members of the organization',
    auth: 'session',
    response: z.object({ members: z.array(MemberSchema) }),
  }),
  addMember: endpoint({
    method: 'POST',
    path: '/api/org/members',
    summary: 'Add a member (owner only); creates the user when the email is new',
    auth: 'session',
    body: z.strictObject({
      email: EmailSchema,
      name: NameSchema,
      password: PasswordSchema,
      role: z.enum(['admin', 'member']),
    }),
    response: MemberSchema,
    status: 201,
  }),
  changeRole: endpoint({
    method: 'PATCH',
    path: '/api/org/members/:userId',
    summary: "Change a member's role (owner only)",
    auth: 'session',
    params: UserIdParams,
    body: z.strictObject({ role: z.enum(['admin', 'member']) }),
    response: MemberSchema,
  }),
  removeMember: endpoint({
    method: 'DELETE',
    path: '/api/org/members/:userId',
    summary: 'Remove a member (owner only)',
    auth: 'session',
    params: UserIdParams,
    response: null,
    status: 204,
  }),
  listProjects: endpoint({
    method: 'GET',
    path: '/api/projects',
    summary: 'Projects of the organization',
    auth: 'session',
    response: z.object({ projects: z.array(ProjectSchema) }),
  }),
  createProject: endpoint({
    method: 'POST',
    path: '/api/projects',
    summary: 'Create a project (owner or admin)',
    auth: 'session',
    body: z.strictObject({ name: NameSchema }),
    response: ProjectSchema,
    status: 201,
  }),
  auditLog: endpoint({
    method: 'GET',
    path: '/api/audit',
    summary: 'Audit log of owner actions (owner or admin), newest first',
    auth: 'session',
    query: z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50) }),
    response: z.object({ entries: z.array(AuditEntrySchema) }),
  }),
};
