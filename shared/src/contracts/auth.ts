import { z } from 'zod/mini';
import { endpoint, IdSchema, ROLES, SingleLineTextSchema } from '../api';

export const RoleSchema = z.enum(ROLES);
export type Role = z.infer<typeof RoleSchema>;

export const EmailSchema = z.pipe(z.email().check(z.maxLength(254)), z.transform((e) => e.toLowerCase()));
export const PasswordSchema = z.string().check(z.minLength(8, 'at least 8 characters'), z.maxLength(200));
/** Names of people, organizations, projects and API keys: one line (they reach emails). */
export const NameSchema = SingleLineTextSchema.check(z.trim(), z.minLength(1), z.maxLength(100));

export const SessionInfoSchema = z.object({
  user: z.object({ id: IdSchema, email: z.string(), name: z.string() }),
  org: z.object({ id: IdSchema, name: z.string(), aiEnabled: z.boolean() }),
  role: RoleSchema,
  /** Send back as `x-csrf-token` on every state-changing request. */
  csrfToken: z.string(),
});
export type SessionInfo = z.infer<typeof SessionInfoSchema>;

export const authContract = {
  signup: endpoint({
    method: 'POST',
    path: '/api/auth/signup',
    summary: 'Create an organization and its owner, and sign in',
    auth: 'none',
    body: z.strictObject({ orgName: NameSchema, name: NameSchema, email: EmailSchema, password: PasswordSchema }),
    response: SessionInfoSchema,
    status: 201,
  }),
  login: endpoint({
    method: 'POST',
    path: '/api/auth/login',
    summary: 'Sign in with email and password',
    auth: 'none',
    body: z.strictObject({ email: EmailSchema, password: z.string().check(z.minLength(1), z.maxLength(200)) }),
    response: SessionInfoSchema,
  }),
  logout: endpoint({
    method: 'POST',
    path: '/api/auth/logout',
    summary: 'Sign out',
    auth: 'session',
    response: null,
    status: 204,
  }),
  session: endpoint({
    method: 'GET',
    path: '/api/auth/session',
    summary: 'The signed-in user, their organization and role',
    auth: 'session',
    response: SessionInfoSchema,
  }),
};
