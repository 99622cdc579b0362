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

export const ProjectSchema = z.object({
  id: IdSchema,
  name: z.string(),
  createdAt: IsoDateTimeSchema,
  /** Archived projects keep their history and take no new AI usage; null while active. */
  archivedAt: IsoDateTimeSchema.nullable(),
});
export type Project = z.infer<typeof ProjectSchema>;

/** Rename and/or archive (or restore) a project: at least one of the two. */
export const UpdateProjectBodySchema = z
  .strictObject({ name: NameSchema.optional(), archived: z.boolean().optional() })
  .refine((b) => b.name !== undefined || b.archived !== undefined, { message: 'Give a new name or archived: true/false' });

/** Audit actions the log can be filtered by (the log stores more as the product grows; any known one filters). */
export const AUDIT_ACTIONS = [
  'ai.toggled',
  'overage_limit.changed',
  'member.added',
  'member.role_changed',
  'member.removed',
  'project.created',
  'project.renamed',
  'project.archived',
  'project.restored',
  'api_key.created',
  'api_key.revoked',
] as const;
export const AuditActionSchema = z.string().regex(/^[a-z_]+\.[a-z_]+$/, 'an action such as project.created').max(60);

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
const ProjectIdParams = z.strictObject({ projectId: IdSchema });

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
  updateProject: endpoint({
    method: 'PATCH',
    path: '/api/projects/:projectId',
    summary: 'Rename, archive or restore a project (owner or admin); archived projects keep their history and take no new usage',
    auth: 'session',
    params: ProjectIdParams,
    body: UpdateProjectBodySchema,
    response: ProjectSchema,
  }),
  auditLog: endpoint({
    method: 'GET',
    path: '/api/audit',
    summary: 'Audit log of the organization (owner or admin), newest first, optionally one action',
    auth: 'session',
    query: z.strictObject({
      limit: z.coerce.number().int().min(1).max(200).default(50),
      action: AuditActionSchema.optional(),
    }),
    response: z.object({ entries: z.array(AuditEntrySchema), actions: z.array(z.string()) }),
  }),
};
