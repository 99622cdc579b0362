import { createHash, randomBytes } from 'node:crypto';
import { INVITATION_TTL_MS, type Invitation, type IssuedInvitation } from '@ai-credits/shared/contracts/org';
import type { Transaction } from 'kysely';
import type { Database } from '../../db/database';
import type { Db } from '../../db/db';
import type { SessionActor, SessionContext } from '../../http/endpoint';
import { forbidden, HttpError, notFound } from '../../http/http-error';
import type { Clock } from '../../lib/clock';
import type { AccountsService } from '../auth/accounts.service';
import * as directory from '../auth/directory.service';
import { recordAudit } from '../audit/audit.service';
import { names, queueEmail, type EmailService } from '../email/email.service';
import { invitationEmail } from '../email/templates';
import * as repo from './invitations.repository';

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** `<org id hex>_<32 random bytes>`: the org part sends the lookup to its org's rows (shard); older tokens are the random part alone. */
const ORG_TOKEN = /^([0-9a-f]{32})_[A-Za-z0-9_-]{43}$/;

/** What finds a token's invitation: its hash and, for tokens that carry it, its org. */
function tokenRef(token: string): repo.TokenRef {
  const hex = ORG_TOKEN.exec(token)?.[1];
  const orgId = hex ? `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}` : null;
  return { orgId, tokenHash: hashToken(token) };
}

type Row = { id: string; email: string; role: 'admin' | 'member'; created_at: Date; expires_at: Date; invited_by: string | null };

/** `names`: the inviters' names, from their owner (accounts.userNames). */
const toInvitation = (r: Row, names: Map<string, string>): Invitation => ({
  id: r.id,
  email: r.email,
  role: r.role,
  invitedBy: r.invited_by && names.has(r.invited_by) ? { id: r.invited_by, name: names.get(r.invited_by)! } : null,
  createdAt: r.created_at.toISOString(),
  expiresAt: r.expires_at.toISOString(),
});

/** The owner invites admins and members; an admin invites (and revokes, resends) members only. */
function assertMayHandle(actor: SessionActor, role: 'admin' | 'member') {
  if (actor.role === 'owner' || (actor.role === 'admin' && role === 'member')) return;
  throw forbidden('Only the organization owner can invite admins');
}

/**
 * Invitations (docs/product.md "Team"): nobody joins an organization without accepting. The accept
 * token is 256 random bits, stored only as its SHA-256, single-use and valid for 7 days.
 */
export function createInvitationsService(deps: { db: Db; clock: Clock; accounts: AccountsService; email: Pick<EmailService, 'kick'>; publicUrl: string }) {
  const { db, clock, accounts, email } = deps;

  /**
   * The invitation email, queued in the transaction that issues the link. Its link starts with
   * the configured public URL only (PUBLIC_URL; in development the server's own address), never
   * a request header: a forged Origin cannot send the token elsewhere (issue 20).
   */
  async function queueInvitationEmail(trx: Transaction<Database>, actor: SessionActor, to: { email: string; role: 'admin' | 'member'; expiresAt: Date }, acceptUrl: string, now: Date) {
    const { orgName, userName } = await names(trx, actor.orgId, actor.userId);
    const link = `${deps.publicUrl}${acceptUrl}`;
    const message = invitationEmail({ inviterName: userName, orgName, role: to.role, link, expiresAt: to.expiresAt });
    await queueEmail(trx, { orgId: actor.orgId, kind: 'invitation', to: to.email, ...message }, now);
  }

  function issue(orgId: string) {
    const token = `${orgId.replaceAll('-', '').toLowerCase()}_${randomBytes(32).toString('base64url')}`;
    return { token, tokenHash: hashToken(token), acceptUrl: `/invitations/accept#token=${token}` };
  }

  /** Invitations with their inviters' names (two statements: the invitations, then the names from accounts). */
  async function withInviters(rows: Row[]): Promise<Invitation[]> {
    const names = await accounts.userNames(rows.flatMap((r) => (r.invited_by ? [r.invited_by] : [])));
    return rows.map((r) => toInvitation(r, names));
  }

  async function issued(orgId: string, id: string, token: { token: string; acceptUrl: string }): Promise<IssuedInvitation> {
    const row = await repo.findOpenInvitation(db, orgId, id);
    if (!row) throw notFound('Invitation');
    const [invitation] = await withInviters([row]);
    return { invitation: invitation!, acceptToken: token.token, acceptUrl: token.acceptUrl };
  }

  async function openOrThrow(actor: SessionActor, id: string) {
    const row = await repo.findOpenInvitation(db, actor.orgId, id);
    if (!row) throw notFound('Invitation');
    assertMayHandle(actor, row.role);
    return row;
  }

  return {
    async create(actor: SessionActor, input: { email: string; role: 'admin' | 'member' }): Promise<IssuedInvitation> {
      assertMayHandle(actor, input.role);
      const user = await accounts.findAccount(input.email);
      if (user && (await directory.orgMember(db, actor.orgId, user.id))) throw new HttpError(409, 'CONFLICT', 'This person is already a member');
      await accounts.limitInvitationEmail(actor.orgId, input.email);
      const token = issue(actor.orgId);
      const id = await db.transaction().execute(async (trx) => {
        const now = clock.now();
        await repo.retireExpired(trx, actor.orgId, input.email, now);
        const row = await repo.insertInvitation(trx, {
          org_id: actor.orgId,
          email: input.email,
          role: input.role,
          token_hash: token.tokenHash,
          invited_by: actor.userId,
          created_at: now,
          expires_at: new Date(now.getTime() + INVITATION_TTL_MS),
        });
        if (!row) throw new HttpError(409, 'CONFLICT', 'This email already has a pending invitation; resend or revoke it');
        await recordAudit(trx, { orgId: actor.orgId, actorUserId: actor.userId, action: 'invitation.created', from: null, to: { invitationId: row.id, email: input.email, role: input.role }, at: now });
        await queueInvitationEmail(trx, actor, { email: input.email, role: input.role, expiresAt: new Date(now.getTime() + INVITATION_TTL_MS) }, token.acceptUrl, now);
        return row.id;
      });
      email.kick();
      return issued(actor.orgId, id, token);
    },

    /** The open invitations `userId` sent: what removing them (or demoting them to member) revokes. */
    async pendingSentBy(orgId: string, userId: string) {
      return repo.listPendingSentBy(db, orgId, userId);
    },

    /** Offboarding: revokes the invitations `userId` sent that are still open, in the caller's transaction (each in the audit log). */
    async revokeSentBy(trx: Transaction<Database>, orgId: string, actorUserId: string, userId: string, now: Date) {
      for (const i of await repo.revokeSentBy(trx, orgId, userId, now)) {
        await recordAudit(trx, { orgId, actorUserId, action: 'invitation.revoked', from: { invitationId: i.id, email: i.email, role: i.role, invitedBy: userId }, to: null, at: now });
      }
    },

    async listPending(orgId: string) {
      return withInviters(await repo.listPending(db, orgId, clock.now()));
    },

    async revoke(actor: SessionActor, id: string) {
      const row = await openOrThrow(actor, id);
      await db.transaction().execute(async (trx) => {
        const now = clock.now();
        if (!(await repo.revoke(trx, actor.orgId, id, now))) throw notFound('Invitation');
        await recordAudit(trx, { orgId: actor.orgId, actorUserId: actor.userId, action: 'invitation.revoked', from: { invitationId: id, email: row.email, role: row.role }, to: null, at: now });
      });
    },

    /** A new link and 7 more days; the previous link stops working in the same statement. */
    async resend(actor: SessionActor, id: string): Promise<IssuedInvitation> {
      const row = await openOrThrow(actor, id);
      await accounts.limitInvitationEmail(actor.orgId, row.email);
      const token = issue(actor.orgId);
      await db.transaction().execute(async (trx) => {
        const now = clock.now();
        const expiresAt = new Date(now.getTime() + INVITATION_TTL_MS);
        if (!(await repo.reissue(trx, actor.orgId, id, token.tokenHash, expiresAt))) throw notFound('Invitation');
        await recordAudit(trx, { orgId: actor.orgId, actorUserId: actor.userId, action: 'invitation.resent', from: null, to: { invitationId: id, email: row.email, role: row.role }, at: now });
        await queueInvitationEmail(trx, actor, { email: row.email, role: row.role, expiresAt }, token.acceptUrl, now);
      });
      email.kick();
      return issued(actor.orgId, id, token);
    },

    /** What a link offers, for the accept page; the same refusals as accepting it. Never whether the address has an account (issue 20). */
    async lookup(token: string, signedInAs: string | null) {
      const found = await usableOrThrow(token);
      return {
        orgName: (await directory.orgName(db, found.org_id)) ?? '',
        email: found.email,
        role: found.role,
        expiresAt: found.expires_at.toISOString(),
        signedInAs,
      };
    },

    /**
     * Signed in as the invited email, or with that account's password (same limits as sign-in),
     * or, for an email with no verified account, with a name and a new password (an unverified
     * account holding the address is released: the link proves it). One person belongs to
     * one organization. Returns a new session in the organization joined.
     */
    async accept(input: { token: string; name?: string; password?: string }, session: SessionContext | null, ip: string) {
      const found = await usableOrThrow(input.token);
      let userId: string | null = null;
      let newAccount: { name: string; passwordHash: string } | null = null;
      if (session) {
        if (session.info.user.email !== found.email) {
          throw forbidden(`This invitation is for ${found.email}; sign out and open the link again`);
        }
        userId = session.info.user.id;
      } else if ((await accounts.findAccount(found.email))?.verified) {
        if (!input.password) throw new HttpError(400, 'VALIDATION_FAILED', `password: enter the password of the account ${found.email}`);
        try {
          userId = (await accounts.checkCredentials({ email: found.email, password: input.password, ip })).id;
        } catch (err) {
          // The account may be one a concurrent accept of this very link just created: say the
          // link is used (409), not that this person's password is wrong.
          await usableOrThrow(input.token);
          // A name means the person chose "new account" (the lookup no longer tells them there is
          // one): say so, to the holder of a link emailed to that address.
          if (input.name && err instanceof HttpError && err.code === 'INVALID_CREDENTIALS') {
            throw new HttpError(409, 'CONFLICT', `${found.email} already has an account: sign in with its password instead (or reset the password) to join.`);
          }
          throw err;
        }
      } else {
        if (!input.name || !input.password) throw new HttpError(400, 'VALIDATION_FAILED', 'name, password: choose your name and a password for your new account');
        newAccount = { name: input.name, passwordHash: await accounts.hashPassword(input.password) };
      }

      const joined = await db.transaction().execute(async (trx) => {
        const now = clock.now();
        const claimed = await repo.claim(trx, tokenRef(input.token), now);
        if (!claimed) throw new HttpError(409, 'CONFLICT', 'This invitation was already used or is no longer valid');
        if (newAccount) {
          const user = await accounts.createUser(trx, { email: claimed.email, name: newAccount.name, passwordHash: newAccount.passwordHash, at: now });
          if (!user) throw new HttpError(409, 'EMAIL_TAKEN', 'An account with this email was just created; sign in and open the link again');
          userId = user.id;
        }
        const user = await directory.lockUser(trx, userId!);
        if (!user) throw notFound('Account');
        const current = await directory.membershipOf(trx, user.id);
        if (current) {
          throw new HttpError(
            409,
            'CONFLICT',
            current.orgId === claimed.org_id
              ? 'You are already a member of this organization'
              : `You already belong to the organization ${current.orgName}. An account belongs to one organization: leave it first, or ask for an invitation to another email.`,
          );
        }
        await accounts.addMember(trx, { orgId: claimed.org_id, userId: user.id, role: claimed.role, at: now });
        await repo.setAcceptedBy(trx, claimed.org_id, claimed.id, user.id);
        await recordAudit(trx, { orgId: claimed.org_id, actorUserId: user.id, action: 'invitation.accepted', from: null, to: { invitationId: claimed.id, userId: user.id, email: claimed.email, role: claimed.role }, at: now });
        return { userId: user.id, orgId: claimed.org_id };
      });
      return accounts.startSession(joined.userId, joined.orgId);
    },
  };

  async function usableOrThrow(token: string) {
    const found = await repo.findByToken(db, tokenRef(token));
    if (!found) throw notFound('Invitation');
    if (found.accepted_at) throw new HttpError(409, 'CONFLICT', 'This invitation was already used');
    if (found.revoked_at) throw new HttpError(409, 'CONFLICT', 'This invitation was withdrawn; ask for a new one');
    if (found.expires_at <= clock.now()) throw new HttpError(409, 'CONFLICT', 'This invitation has expired; ask for a new one');
    return found;
  }
}

export type InvitationsService = ReturnType<typeof createInvitationsService>;
