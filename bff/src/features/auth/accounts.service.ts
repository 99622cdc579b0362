import { createHash, randomBytes } from 'node:crypto';
import type { Role } from '@ai-credits/shared/contracts/auth';
import type { Transaction } from 'kysely';
import type { Database } from '../../db/database';
import type { Db } from '../../db/db';
import type { SessionContext } from '../../http/endpoint';
import { HttpError, rateLimited } from '../../http/http-error';
import type { Clock } from '../../lib/clock';
import { billingPeriodAt } from '@ai-credits/shared/billing-period';
import type { LedgerService } from '../ledger/ledger.service';
import * as repo from './accounts.repository';
import { DUMMY_HASH, hashPassword as hashWithCost, verifyPassword } from './password';

const LOGIN_WINDOW_MS = 15 * 60 * 1000;
const LOGIN_MAX_FAILURES_PER_EMAIL = 10;
const LOGIN_MAX_FAILURES_PER_IP = 100;

export const hashSessionToken = (token: string) => createHash('sha256').update(token).digest('hex');

const HOUR_MS = 3600 * 1000;

/** Per-hour limits on what sends mail or creates accounts (env RATE_LIMIT_*, README). */
export interface RateLimits {
  signupsPerIp: number;
  invitationsPerOrg: number;
  emailsPerAddress: number;
  accountEmailsPerIp: number;
}

export function createAccountsService(deps: { db: Db; clock: Clock; ledger: LedgerService; sessionTtlHours: number; passwordHashCost: number; limits: RateLimits }) {
  const { db, clock, ledger, limits } = deps;
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
        user: { id: row.user_id, email: row.email, name: row.name },
        org: { id: row.org_id, name: row.org_name, aiEnabled: row.ai_enabled },
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

  return {
    hashPassword,
    readSession,
    startSession,
    checkCredentials,

    /** Before an invitation email (new or resent): per organization, and per organization and address. */
    async limitInvitationEmail(orgId: string, email: string) {
      await limit(`mail:org:${orgId}`, limits.invitationsPerOrg, 'This organization has sent too many invitations in the last hour. Try again later.');
      await limit(`mail:org:${orgId}:to:${email}`, limits.emailsPerAddress, `Too many emails to ${email} in the last hour. Try again later.`);
    },

    /** Sign-up creates an org whose creator is its owner, with its first 300 credits (docs/product.md). */
    /** `ip`: a sign-up from the public (the route), counted against the limits; the seed and benchmarks call without. */
    async signup(input: { orgName: string; name: string; email: string; password: string; ip?: string }) {
      if (input.ip !== undefined) {
        await limit(`signup:ip:${input.ip}`, limits.signupsPerIp, 'Too many sign-ups from your network in the last hour. Try again later.');
        await limit(`mail:account:${input.email}`, limits.emailsPerAddress, 'Too many attempts for this email address in the last hour. Try again later.');
      }
      const passwordHash = await hashPassword(input.password);
      const { userId, orgId } = await db.transaction().execute(async (trx) => {
        const now = clock.now();
        const user = await repo.insertUser(trx, { email: input.email, name: input.name, password_hash: passwordHash, created_at: now });
        if (!user) throw new HttpError(409, 'EMAIL_TAKEN', 'An account with this email already exists; sign in instead');
        const period = billingPeriodAt(now, now);
        const org = await repo.insertOrganization(trx, { name: input.orgName, created_at: now, period_start: period.start, period_end: period.end });
        await repo.insertMembership(trx, { org_id: org.id, user_id: user.id, role: 'owner', created_at: now });
        await ledger.openAccount(trx, org.id);
        return { userId: user.id, orgId: org.id };
      });
      return startSession(userId, orgId);
    },

    async login(input: { email: string; password: string; ip: string }) {
      const user = await checkCredentials(input);
      const membership = await repo.findMembershipOfUser(db, user.id);
      if (!membership) throw new HttpError(403, 'FORBIDDEN', 'This account is not a member of any organization');
      return startSession(user.id, membership.org_id);
    },

    /** The account with this email, if any (its id only: the password hash stays here). */
    async findAccount(email: string): Promise<{ id: string } | null> {
      const user = await repo.findUserByEmail(db, email);
      return user ? { id: user.id } : null;
    },

    /** A new account in the caller's transaction; undefined when the email is taken meanwhile. */
    async createUser(trx: Transaction<Database>, user: { email: string; name: string; passwordHash: string; at: Date }): Promise<{ id: string } | undefined> {
      const row = await repo.insertUser(trx, { email: user.email, name: user.name, password_hash: user.passwordHash, created_at: user.at });
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
