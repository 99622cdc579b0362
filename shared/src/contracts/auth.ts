import { z } from 'zod/mini';
import { endpoint, IdSchema, IsoDateTimeSchema, ROLES, SingleLineTextSchema } from '../api';

export const RoleSchema = z.enum(ROLES);
export type Role = z.infer<typeof RoleSchema>;

/** Input limits the forms read too (maxLength and their messages), so the page and the server agree. */
export const EMAIL_MAX_CHARS = 254;
export const NAME_MAX_CHARS = 100;
export const PASSWORD_MAX_CHARS = 200;
export const NAME_TOO_LONG = `Use at most ${NAME_MAX_CHARS} characters.`;

export const EmailSchema = z.pipe(z.email().check(z.maxLength(EMAIL_MAX_CHARS)), z.transform((e) => e.toLowerCase()));
export const PasswordSchema = z.string().check(z.minLength(8, 'at least 8 characters'), z.maxLength(PASSWORD_MAX_CHARS));
/** Names of people, organizations, projects and API keys: one line (they reach emails). */
export const NameSchema = SingleLineTextSchema.check(z.trim(), z.minLength(1), z.maxLength(NAME_MAX_CHARS));

/**
 * How the SPA shows times to this user (issue 24): 'local' in the browser's time zone, 'utc' in UTC.
 * Kept per user on the server, so two people sharing a browser keep their own, and another browser
 * shows the same. (The CSV is UTC whatever this says.)
 */
export const TimeZoneChoiceSchema = z.enum(['local', 'utc']);
export type TimeZoneChoice = z.infer<typeof TimeZoneChoiceSchema>;

/** The signed-in user's own display preferences. */
export const PreferencesSchema = z.strictObject({ timeZone: TimeZoneChoiceSchema });
export type Preferences = z.infer<typeof PreferencesSchema>;

export const SessionInfoSchema = z.object({
  /**
   * emailVerified: false until the emailed link is opened; such a user may look but not spend or send mail.
   * preferences: the user's own (not the org's, not the browser's).
   */
  user: z.object({ id: IdSchema, email: z.string(), name: z.string(), emailVerified: z.boolean(), preferences: z.object({ timeZone: TimeZoneChoiceSchema }) }),
  org: z.object({ id: IdSchema, name: z.string(), aiEnabled: z.boolean() }),
  role: RoleSchema,
  /** Send back as `x-csrf-token` on every state-changing request. */
  csrfToken: z.string(),
});
export type SessionInfo = z.infer<typeof SessionInfoSchema>;

/** A single-use emailed token (verification, password reset): 32 random bytes, base64url. */
export const AccountTokenSchema = z.string().check(z.minLength(20), z.maxLength(200), z.regex(/^[A-Za-z0-9_-]+$/, 'not a link token'));

/**
 * What sign-up, resend and forgot-password answer, whatever the address (no answer tells whether
 * it has an account). `devMailbox`: emails stay on this server (test mode) and the dev mailbox shows them.
 */
export const CheckInboxSchema = z.object({ devMailbox: z.boolean() });
export type CheckInbox = z.infer<typeof CheckInboxSchema>;

const EmailBody = z.strictObject({ email: EmailSchema });

/** An email the product sent (or, without SMTP, kept in the outbox: "test mode"). */
/** A file an email carries (the tax invoice PDF of a receipt): what it is, not its bytes. */
export const EmailAttachmentSchema = z.object({ filename: z.string(), contentType: z.string(), sizeBytes: z.int() });
export type EmailAttachment = z.infer<typeof EmailAttachmentSchema>;

export const OutboxEmailSchema = z.object({
  id: IdSchema,
  kind: z.string(),
  to: z.string(),
  subject: z.string(),
  text: z.string(),
  createdAt: IsoDateTimeSchema,
  /** When SMTP accepted it; null while queued (or always, in test mode). */
  sentAt: z.nullable(IsoDateTimeSchema),
  attempts: z.int(),
  lastError: z.nullable(z.string()),
  /** Files sent with it, in order (none for most emails). */
  attachments: z.array(EmailAttachmentSchema),
});
export type OutboxEmail = z.infer<typeof OutboxEmailSchema>;

export const authContract = {
  signup: endpoint({
    method: 'POST',
    path: '/api/auth/signup',
    summary: 'Sign up: the same answer for every address; a new address gets a link to confirm it (that creates the organization), an address with an account gets an email saying so',
    auth: 'none',
    body: z.strictObject({ orgName: NameSchema, name: NameSchema, email: EmailSchema, password: PasswordSchema }),
    response: CheckInboxSchema,
    status: 202,
  }),
  verifyEmail: endpoint({
    method: 'POST',
    path: '/api/auth/verify-email',
    summary: 'Open an emailed confirmation link (single use): the address is verified and you are signed in',
    auth: 'none',
    body: z.strictObject({ token: AccountTokenSchema }),
    response: SessionInfoSchema,
  }),
  resendVerification: endpoint({
    method: 'POST',
    path: '/api/auth/resend-verification',
    summary: 'Email a new confirmation link to an unverified account (the same answer for every address)',
    auth: 'none',
    body: EmailBody,
    response: CheckInboxSchema,
    status: 202,
  }),
  forgotPassword: endpoint({
    method: 'POST',
    path: '/api/auth/forgot-password',
    summary: 'Email a password-reset link (the same answer for every address)',
    auth: 'none',
    body: EmailBody,
    response: CheckInboxSchema,
    status: 202,
  }),
  resetPassword: endpoint({
    method: 'POST',
    path: '/api/auth/reset-password',
    summary: 'Set a new password with an emailed reset link (single use, 1 hour); every session of the account ends and the address counts as verified',
    auth: 'none',
    body: z.strictObject({ token: AccountTokenSchema, password: PasswordSchema }),
    response: null,
    status: 204,
  }),
  devMailbox: endpoint({
    method: 'GET',
    path: '/api/dev/mailbox',
    summary: 'Test mode only (DEV_MAILBOX, never in production): the account emails to one address (confirmation and reset links)',
    auth: 'none',
    query: EmailBody,
    response: z.object({ emails: z.array(OutboxEmailSchema) }),
  }),
  login: endpoint({
    method: 'POST',
    path: '/api/auth/login',
    summary: 'Sign in with email and password',
    auth: 'none',
    body: z.strictObject({ email: EmailSchema, password: z.string().check(z.minLength(1), z.maxLength(PASSWORD_MAX_CHARS)) }),
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
    summary: 'The signed-in user (with their preferences), their organization and role',
    auth: 'session',
    response: SessionInfoSchema,
  }),
  setPreferences: endpoint({
    method: 'PUT',
    path: '/api/auth/preferences',
    summary: "Save the signed-in user's own display preferences (any role, for themselves): times in the browser's time zone or in UTC",
    auth: 'session',
    body: PreferencesSchema,
    response: PreferencesSchema,
  }),
};
