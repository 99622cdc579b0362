import { createHash, randomBytes } from 'node:crypto';
import type { Preferences, Role, SessionInfo } from '@ai-credits/shared/contracts/auth';
import type { Transaction } from 'kysely';
import type { Database } from '../../db/database';
import type { Db } from '../../db/db';
import type { SessionContext } from '../../http/endpoint';
import { HttpError, rateLimited } from '../../http/http-error';
import type { Clock } from '../../lib/clock';
import type { LedgerService } from '../ledger/ledger.service';
import { recordAudit } from '../audit/audit.service';
import { queueAccountEmail, type EmailService } from '../email/email.service';
import { accountExistsEmail, passwordResetEmail, verifyEmailEmail } from '../email/templates';
import * as repo from './accounts.repository';
import { DUMMY_HASH, hashPassword as hashWithCost, verifyPassword } from './password';

const LOGIN_WINDOW_MS = 15 * 60 * 1000;
const LOGIN_MAX_FAILURES_PER_EMAIL = 10;
const LOGIN_MAX_FAILURES_PER_IP = 100;

export const hashSessionToken = (token: string) => createHash('sha256').update(token).digest('hex');

const HOUR_MS = 3600 * 1000;
/** How long an emailed link works: confirming an address (and claiming it), resetting a password. */
export const VERIFY_LINK_TTL_MS = 24 * HOUR_MS;
export const RESET_LINK_TTL_MS = HOUR_MS;

const hashLinkToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** What a sign-up that claims an address an unverified account holds carries until the link is opened. */
interface PendingSignup {
  orgName: string;
  name: string;
  passwordHash: string;
}

/** Per-hour limits on what sends mail or creates accounts (env RATE_LIMIT_*, README). */
export interface RateLimits {
  signupsPerIp: number;
  invitationsPerOrg: number;
  emailsPerAddress: number;
  accountEmailsPerIp: number;
}

export function createAccountsService(deps: {
  db: Db;
  clock: Clock;
  ledger: LedgerService;
  email: Pick<EmailService, 'kick' | 'mode'>;
  sessionTtlHours: number;
  passwordHashCost: number;
  limits: RateLimits;
  /** The base of links in emails (PUBLIC_URL, or the server's own address). */
  publicUrl: string;
  /** Account emails are readable through GET /api/dev/mailbox (test mode, never production). */
  devMailbox: boolean;
}) {
  const { db, clock, ledger, limits, publicUrl } = deps;
  const checkInbox = { devMailbox: deps.devMailbox };
  const hashPassword = (password: string) => hashWithCost(password, deps.passwordHashCost);

  async function startSession(userId: string, orgId: string) {
    // `<org id hex>_<random>`: the balancer routes a session's calls by its org (ADR 022); only the hash is stored.
    const token = `${orgId.replaceAll('-', '').toLowerCase()}_${randomBytes(32).toString('base64url')}`;
    const now = clock.now();
    await repo.insertSession(db, {
      id: hashSessionToken(token),
      user_id: userId,
      org_id: orgId,
      csrf_token: randomBytes(24).toString('base64url'),
      created_at: now,
      expires_at: new Date(now.getTime() + deps.sessionTtlHours * 3600 * 1000),
    });
    const context = await readSession(token);
    if (!context) throw new Error('session vanished right after creation');
    return { token, context };
  }

  async function readSession(token: string): Promise<SessionContext | null> {
    const row = await repo.findSessionContext(db, hashSessionToken(token), clock.now());
    if (!row) return null;
    return {
      sessionId: row.id,
      csrfToken: row.csrf_token,
      info: {
        user: { id: row.user_id, email: row.email, name: row.name, emailVerified: row.email_verified_at !== null, preferences: { timeZone: row.time_zone } },
        org: { id: row.org_id, name: row.org_name },
        role: row.role,
        csrfToken: row.csrf_token,
      },
    };
  }

  /**
   * One hit on a fixed-window counter in PostgreSQL (one atomic upsert: concurrent requests cannot
   * all slip under it, across instances); over the limit, 429 with Retry-After and nothing done.
   */
  async function limit(key: string, max: number, message: string, windowMs = HOUR_MS) {
    const now = clock.now();
    const { count, windowStart } = await repo.hitRateLimit(db, key, now, windowMs);
    if (count > max) throw rateLimited(message, (windowStart.getTime() + windowMs - now.getTime()) / 1000);
  }

  /**
   * Every attempt is counted (one atomic upsert per key) before its password is checked, so
   * concurrent guesses cannot all slip under the limit; an attempt that succeeds is then taken
   * back, so only failures count (a busy office behind one address can still sign in) and it
   * clears the account's count. Used by sign-in and by accepting an invitation with a password.
   */
  async function checkCredentials(input: { email: string; password: string; ip: string }) {
    const now = clock.now();
    const emailKey = `login:email:${input.email}`;
    const ipKey = `login:ip:${input.ip}`;
    const [byEmail, byIp] = await Promise.all([
      repo.hitRateLimit(db, emailKey, now, LOGIN_WINDOW_MS),
      repo.hitRateLimit(db, ipKey, now, LOGIN_WINDOW_MS),
    ]);
    if (byEmail.count > LOGIN_MAX_FAILURES_PER_EMAIL || byIp.count > LOGIN_MAX_FAILURES_PER_IP) {
      const opens = Math.max(...[byEmail, byIp].map((w) => w.windowStart.getTime() + LOGIN_WINDOW_MS));
      throw rateLimited('Too many failed sign-in attempts. Wait 15 minutes and try again.', (opens - now.getTime()) / 1000);
    }
    const user = await repo.findUserByEmail(db, input.email);
    const ok = await verifyPassword(input.password, user?.password_hash ?? DUMMY_HASH);
    if (!user || !ok) throw new HttpError(401, 'INVALID_CREDENTIALS', 'Email or password is incorrect');
    await Promise.all([repo.clearRateLimit(db, emailKey), repo.undoRateLimitHit(db, ipKey)]);
    return user;
  }

  /** A new single-use link: the token goes into the email, only its hash into the database. */
  async function issueLink(trx: Transaction<Database>, t: { purpose: 'verify_email' | 'claim_email' | 'reset_password'; userId: string | null; email: string; payload?: PendingSignup; now: Date }) {
    const token = randomBytes(32).toString('base64url');
    const ttl = t.purpose === 'reset_password' ? RESET_LINK_TTL_MS : VERIFY_LINK_TTL_MS;
    // One open link per purpose and address. A resend (anyone can ask for one) never retires a
    // claim link: a squatter cannot cancel the real holder's sign-up.
    await repo.pruneAccountTokens(trx, t.email, t.now);
    await repo.retireAccountTokens(trx, t.email, [t.purpose], t.now);
    await repo.insertAccountToken(trx, {
      purpose: t.purpose,
      user_id: t.userId,
      email: t.email,
      token_hash: hashLinkToken(token),
      payload: t.payload ? JSON.stringify(t.payload) : null,
      created_at: t.now,
      expires_at: new Date(t.now.getTime() + ttl),
    });
    const page = t.purpose === 'reset_password' ? 'reset-password' : 'verify-email';
    // In the fragment: a link's token never reaches a server log or a Referer.
    return { link: `${publicUrl}/${page}#token=${token}`, expiresAt: new Date(t.now.getTime() + ttl) };
  }

  async function mailVerification(trx: Transaction<Database>, to: string, link: { link: string; expiresAt: Date }, now: Date) {
    await queueAccountEmail(trx, { kind: 'verify_email', to, ...verifyEmailEmail(link) }, now);
  }

  /** Creates an organization with its owner (and its first 300 credits) in the caller's transaction. */
  async function createOrgWithOwner(trx: Transaction<Database>, input: { orgName: string; name: string; email: string; passwordHash: string; verifiedAt: Date | null }, now: Date) {
    const user = await repo.insertUser(trx, { email: input.email, name: input.name, password_hash: input.passwordHash, created_at: now, email_verified_at: input.verifiedAt });
    if (!user) return null;
    const org = await repo.insertOrganization(trx, { name: input.orgName, created_at: now });
    await repo.insertMembership(trx, { org_id: org.id, user_id: user.id, role: 'owner', created_at: now });
    await ledger.openAccount(trx, org.id, now);
    return { userId: user.id, orgId: org.id };
  }

  /** An account action in the audit log of the user's organization (if they have one). */
  async function auditAccount(trx: Transaction<Database>, userId: string, action: 'account.email_verified' | 'account.password_reset' | 'account.address_released', detail: unknown, now: Date) {
    const membership = await repo.findMembershipOfUser(trx, userId);
    if (membership) await recordAudit(trx, { orgId: membership.org_id, actorUserId: userId, action, from: null, to: detail, at: now });
  }

  async function limitAccountEmail(email: string, ip: string) {
    await limit(`account-mail:ip:${ip}`, limits.accountEmailsPerIp, 'Too many requests from your network in the last hour. Try again later.');
    await limit(`mail:account:${email}`, limits.emailsPerAddress, 'Too many emails to this address in the last hour. Try again later.');
  }

  return {
    hashPassword,
    readSession,

    /** What GET /api/auth/session (and signing in) answers: the session with the org's AI switch (the ledger's). */
    async sessionInfo(context: SessionContext): Promise<SessionInfo> {
      return { ...context.info, org: { ...context.info.org, aiEnabled: await ledger.aiEnabled(context.info.org.id) } };
    },
    startSession,
    checkCredentials,

    /** The signed-in user's own preferences (any role, for themselves only: the route passes the session's user). */
    async setPreferences(userId: string, preferences: Preferences): Promise<Preferences> {
      await repo.setUserTimeZone(db, userId, preferences.timeZone);
      return { timeZone: preferences.timeZone };
    },

    /** Before an invitation email (new or resent): per organization, and per organization and address. */
    async limitInvitationEmail(orgId: string, email: string) {
      await limit(`mail:org:${orgId}`, limits.invitationsPerOrg, 'This organization has sent too many invitations in the last hour. Try again later.');
      await limit(`mail:org:${orgId}:to:${email}`, limits.emailsPerAddress, `Too many emails to ${email} in the last hour. Try again later.`);
    },

    /**
     * An organization and its verified owner, signed in: the demo seed and benchmarks (never a
     * request: a sign-up from the public goes through requestSignup and the emailed link).
     */
    async signup(input: { orgName: string; name: string; email: string; password: string }) {
      const passwordHash = await hashPassword(input.password);
      const created = await db.transaction().execute(async (trx) => {
        const now = clock.now();
        const ids = await createOrgWithOwner(trx, { ...input, passwordHash, verifiedAt: now }, now);
        if (!ids) throw new HttpError(409, 'EMAIL_TAKEN', 'An account with this email already exists');
        return ids;
      });
      return startSession(created.userId, created.orgId);
    },

    /**
     * Sign-up (docs/product.md "Accounts"): the same answer for every address, so it tells nobody
     * whether an address has an account. A new address: the organization and its owner are
     * created unverified, and the link to confirm the address is emailed. An address whose account
     * is verified: its holder gets an email saying so (sign in, or reset the password). An address
     * an unverified account holds (a squatter, or the same person again): a link that, opened,
     * releases that account and creates this one; until then nothing changes.
     */
    async requestSignup(input: { orgName: string; name: string; email: string; password: string; ip: string }) {
      await limit(`signup:ip:${input.ip}`, limits.signupsPerIp, 'Too many sign-ups from your network in the last hour. Try again later.');
      await limit(`mail:account:${input.email}`, limits.emailsPerAddress, 'Too many attempts for this email address in the last hour. Try again later.');
      // Hashed on every path: the time it takes tells nothing either.
      const passwordHash = await hashPassword(input.password);
      await db.transaction().execute(async (trx) => {
        const now = clock.now();
        const holder = await repo.lockUserByEmail(trx, input.email);
        if (!holder) {
          const created = await createOrgWithOwner(trx, { ...input, passwordHash, verifiedAt: null }, now);
          if (!created) throw new HttpError(409, 'CONFLICT', 'Please try again');
          await mailVerification(trx, input.email, await issueLink(trx, { purpose: 'verify_email', userId: created.userId, email: input.email, now }), now);
        } else if (holder.email_verified_at === null) {
          const payload: PendingSignup = { orgName: input.orgName, name: input.name, passwordHash };
          await mailVerification(trx, input.email, await issueLink(trx, { purpose: 'claim_email', userId: null, email: input.email, payload, now }), now);
        } else {
          await queueAccountEmail(trx, { kind: 'account_exists', to: input.email, ...accountExistsEmail({ publicUrl }) }, now);
        }
      });
      deps.email.kick();
      return checkInbox;
    },

    /**
     * Opens a confirmation link (single use): the address is verified and its holder signed in.
     * A claim link first releases the unverified account that held the address (issue 20).
     */
    async verifyEmail(token: string) {
      const joined = await db.transaction().execute(async (trx) => {
        const now = clock.now();
        const link = await repo.claimAccountToken(trx, hashLinkToken(token), ['verify_email', 'claim_email'], now);
        if (!link) throw new HttpError(409, 'CONFLICT', 'This link was already used or has expired. Sign in, or sign up again for a new link.');
        await repo.dropTokenPayload(trx, link.id);
        const holder = await repo.lockUserByEmail(trx, link.email);
        if (link.purpose === 'verify_email') {
          if (!holder || holder.id !== link.user_id) throw new HttpError(409, 'CONFLICT', 'This link is no longer valid: the address was confirmed by another sign-up. Sign in or reset your password.');
          if (holder.email_verified_at === null) {
            await repo.markVerified(trx, holder.id, now);
            await auditAccount(trx, holder.id, 'account.email_verified', { userId: holder.id, email: holder.email }, now);
          }
          const membership = await repo.findMembershipOfUser(trx, holder.id);
          if (!membership) throw new HttpError(403, 'FORBIDDEN', 'This account is not a member of any organization');
          return { userId: holder.id, orgId: membership.org_id };
        }
        if (holder && holder.email_verified_at !== null) {
          throw new HttpError(409, 'CONFLICT', 'This address already has a confirmed account: sign in, or reset your password.');
        }
        if (holder) {
          await auditAccount(trx, holder.id, 'account.address_released', { userId: holder.id, email: holder.email }, now);
          await repo.releaseAddress(trx, holder.id);
        }
        const pending = link.payload as PendingSignup;
        const created = await createOrgWithOwner(trx, { orgName: pending.orgName, name: pending.name, email: link.email, passwordHash: pending.passwordHash, verifiedAt: now }, now);
        if (!created) throw new HttpError(409, 'CONFLICT', 'Please try again');
        await auditAccount(trx, created.userId, 'account.email_verified', { userId: created.userId, email: link.email }, now);
        return created;
      });
      return startSession(joined.userId, joined.orgId);
    },

    /** A new confirmation link for an unverified account; nothing for any other address (the same answer). */
    async resendVerification(email: string, ip: string) {
      await limitAccountEmail(email, ip);
      await db.transaction().execute(async (trx) => {
        const now = clock.now();
        const holder = await repo.lockUserByEmail(trx, email);
        if (holder && holder.email_verified_at === null) {
          await mailVerification(trx, email, await issueLink(trx, { purpose: 'verify_email', userId: holder.id, email, now }), now);
        }
      });
      deps.email.kick();
      return checkInbox;
    },

    /** A reset link for an address with an account; nothing for any other (the same answer). */
    async forgotPassword(email: string, ip: string) {
      await limitAccountEmail(email, ip);
      await db.transaction().execute(async (trx) => {
        const now = clock.now();
        const holder = await repo.lockUserByEmail(trx, email);
        if (!holder) return;
        const link = await issueLink(trx, { purpose: 'reset_password', userId: holder.id, email, now });
        await queueAccountEmail(trx, { kind: 'password_reset', to: email, ...passwordResetEmail(link) }, now);
      });
      deps.email.kick();
      return checkInbox;
    },

    /**
     * A new password from a reset link (single use, 1 hour): it proves the address, so the account
     * counts as verified; every session of the account ends (whoever else was signed in is out).
     */
    async resetPassword(token: string, password: string) {
      const passwordHash = await hashPassword(password);
      await db.transaction().execute(async (trx) => {
        const now = clock.now();
        const link = await repo.claimAccountToken(trx, hashLinkToken(token), ['reset_password'], now);
        if (!link) throw new HttpError(409, 'CONFLICT', 'This link was already used or has expired. Ask for a new one.');
        const holder = link.user_id ? await repo.lockUserById(trx, link.user_id) : undefined;
        if (!holder || holder.email !== link.email) throw new HttpError(409, 'CONFLICT', 'This link is no longer valid. Ask for a new one.');
        await repo.setPassword(trx, holder.id, passwordHash);
        await repo.markVerified(trx, holder.id, now);
        await repo.deleteSessionsOfUser(trx, holder.id);
        await repo.retireAccountTokens(trx, holder.email, ['reset_password', 'verify_email', 'claim_email'], now);
        await repo.clearRateLimit(trx, `login:email:${holder.email}`);
        await auditAccount(trx, holder.id, 'account.password_reset', { userId: holder.id, email: holder.email }, now);
      });
    },

    /** GET /api/dev/mailbox is served (test mode, never production). */
    devMailbox: deps.devMailbox,

    async login(input: { email: string; password: string; ip: string }) {
      const user = await checkCredentials(input);
      const membership = await repo.findMembershipOfUser(db, user.id);
      if (!membership) throw new HttpError(403, 'FORBIDDEN', 'This account is not a member of any organization');
      return startSession(user.id, membership.org_id);
    },

    /** A removed member's sessions in that org end, in the caller's transaction. */
    async endSessionsInOrg(trx: Transaction<Database>, orgId: string, userId: string): Promise<void> {
      await repo.deleteSessionsInOrg(trx, orgId, userId);
    },

    /** Display names of users by id (members or former members); unknown ids are left out. */
    async userNames(userIds: string[]): Promise<Map<string, string>> {
      if (!userIds.length) return new Map();
      return new Map((await repo.userNames(db, [...new Set(userIds)])).map((u) => [u.id, u.name]));
    },

    /** The account with this email, if any (its id and whether the address is verified: the password hash stays here). */
    async findAccount(email: string): Promise<{ id: string; verified: boolean } | null> {
      const user = await repo.findUserByEmail(db, email);
      return user ? { id: user.id, verified: user.email_verified_at !== null } : null;
    },

    /**
     * A new account in the caller's transaction, its address verified (an invitation link, emailed
     * to it, proves it); undefined when the email is taken meanwhile. An unverified account that
     * held the address is released first (issue 20).
     */
    async createUser(trx: Transaction<Database>, user: { email: string; name: string; passwordHash: string; at: Date }): Promise<{ id: string } | undefined> {
      const holder = await repo.lockUserByEmail(trx, user.email);
      if (holder && holder.email_verified_at === null) {
        await auditAccount(trx, holder.id, 'account.address_released', { userId: holder.id, email: holder.email }, user.at);
        await repo.releaseAddress(trx, holder.id);
      }
      const row = await repo.insertUser(trx, { email: user.email, name: user.name, password_hash: user.passwordHash, created_at: user.at, email_verified_at: user.at });
      return row && { id: row.id };
    },

    /** Makes the user a member of the org, in the caller's transaction. */
    async addMember(trx: Transaction<Database>, m: { orgId: string; userId: string; role: Role; at: Date }): Promise<void> {
      await repo.insertMembership(trx, { org_id: m.orgId, user_id: m.userId, role: m.role, created_at: m.at });
    },

    async logout(sessionId: string) {
      await repo.deleteSession(db, sessionId);
    },
  };
}

export type AccountsService = ReturnType<typeof createAccountsService>;
