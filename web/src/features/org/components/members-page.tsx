import { useMutation, useQuery, useSuspenseQuery } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { EMAIL_MAX_CHARS, EmailSchema, type Role } from '@ai-credits/shared/contracts/auth';
import type { Invitation, IssuedInvitation, Member } from '@ai-credits/shared/contracts/org';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { EmptyState } from '@/components/ui/states';
import { PageHeader } from '@/components/ui/page-header';
import { QuerySection } from '@/components/ui/query-section';
import { Field, FormError } from '@/components/ui/field';
import { formatDate } from '@/lib/dates';
import { sessionQueries } from '@/api/session-queries';
import { orgQueries } from '@/api/org-queries';
import { orgAdminQueries, orgMutations } from '../api/org-admin-queries';
import './org.css';

const ROLE_LABEL: Record<Role, string> = { owner: 'Owner', admin: 'Admin', member: 'Member' };

/** The contract's own rule, so the form says what the server would refuse. */
function emailError(value: string): string | null {
  if (!value.trim()) return 'Enter an email address.';
  return EmailSchema.safeParse(value.trim()).success ? null : 'Enter a valid email address, like name@example.com.';
}

/**
 * Settings -> Members: who is in the organization and who is invited. The owner invites admins
 * and members, changes roles and removes people; an admin invites members and resends or revokes
 * their invitations; members see the list read-only. The BFF enforces every one of these rules
 * (and that the owner can be neither removed nor demoted); the screen only offers what is allowed.
 */
export function MembersPage() {
  const { data: session } = useSuspenseQuery(sessionQueries.current());
  const manager = session.role === 'owner' || session.role === 'admin';
  // Fresh on every visit: someone may have accepted an invitation since the list was cached.
  const members = useQuery({ ...orgQueries.members(), refetchOnMount: 'always' });

  return (
    <div className="page">
      <PageHeader
        breadcrumb="Settings"
        title="Members"
        description={
          <>
            Everyone in {session.org.name}. Each person&apos;s AI usage shows up in the history and the charts by user.
          </>
        }
      />
      {manager ? (
        <InviteForm inviterRole={session.role} />
      ) : (
        <p className="muted" role="note">
          Only the organization owner and admins can invite people or change the team.
        </p>
      )}
      <section className="card" aria-labelledby="members-title">
        <h2 id="members-title" className="section-title">
          Members
        </h2>
        <QuerySection query={members} loadingLabel="Loading members" errorTitle="Couldn't load members">
          {(data) => <MembersTable members={data.members} owner={session.role === 'owner'} me={session.user.id} />}
        </QuerySection>
        {session.role === 'admin' ? <p className="section-subtitle">Only the owner changes roles or removes members.</p> : null}
      </section>
      {manager ? <PendingInvitations role={session.role} /> : null}
    </div>
  );
}

function InviteForm({ inviterRole }: { inviterRole: Role }) {
  const invite = useMutation(orgMutations.createInvitation());
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<'admin' | 'member'>('member');
  const [touched, setTouched] = useState(false);
  const id = useId();
  const error = touched ? emailError(email) : null;
  const roles: ('admin' | 'member')[] = inviterRole === 'owner' ? ['member', 'admin'] : ['member'];

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (emailError(email) || invite.isPending) return;
    invite.mutate(
      { email: email.trim().toLowerCase(), role },
      {
        onSuccess: () => {
          setEmail('');
          setTouched(false);
        },
      },
    );
  };

  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="section-title">
        Invite someone
      </h2>
      <p className="section-subtitle">
        They get an email with a link to join (single use, valid for 7 days).
        {inviterRole === 'admin' ? ' Admins invite members; the owner invites admins.' : ''}
      </p>
      <form className="org-inline-form" onSubmit={onSubmit} noValidate>
        <Field id={`${id}-email`} label="Email" error={error}>
          {(control) => (
            <input
              {...control}
              type="email"
              autoComplete="off"
              value={email}
              maxLength={EMAIL_MAX_CHARS}
              onChange={(e) => {
                setEmail(e.target.value);
                invite.reset();
              }}
              onBlur={() => setTouched(email.length > 0)}
            />
          )}
        </Field>
        <Field id={`${id}-role`} label="Role" className="org-role-field">
          {(control) => (
            <select {...control} value={role} onChange={(e) => setRole(e.target.value as 'admin' | 'member')}>
              {roles.map((r) => (
                <option key={r} value={r}>
                  {ROLE_LABEL[r]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <button type="submit" className="button button-primary" disabled={invite.isPending}>
          {invite.isPending ? 'Inviting…' : 'Send invitation'}
        </button>
      </form>
      <FormError>{invite.error?.message}</FormError>
      {invite.isSuccess ? <IssuedLink issued={invite.data} verb="Invitation sent" /> : null}
    </section>
  );
}

/**
 * After inviting or resending: the email is on its way (or, without SMTP, in the test-mode
 * mailbox); the link is also shown this once so it can be handed over directly.
 */
function IssuedLink({ issued, verb }: { issued: IssuedInvitation; verb: string }) {
  const link = `${window.location.origin}${issued.acceptUrl}`;
  return (
    <div className="org-issued" role="status">
      <p className="field-success">
        {verb} to {issued.invitation.email}. The email with the link is listed under <Link to="/settings/emails">Sent emails</Link>.
      </p>
      <p className="field-hint">You can also hand the link over yourself; it is shown only now and works once:</p>
      <code className="org-link">{link}</code>
    </div>
  );
}

function MembersTable({ members, owner, me }: { members: Member[]; owner: boolean; me: string }) {
  return (
    <div className="table-scroll" role="group" aria-label="Members" tabIndex={0}>
      <table className="table table-stack">
        <caption className="sr-only">Members</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">Joined</th>
            {owner ? <th scope="col">Actions</th> : null}
          </tr>
        </thead>
        <tbody>
          {members.map((m) => (
            <MemberRow key={m.userId} member={m} owner={owner} me={m.userId === me} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** What removing a member also revokes (docs/product.md "Accounts"): the API keys they created and the invitations they sent. */
function OffboardingPreview({ userId }: { userId: string }) {
  const preview = useQuery(orgAdminQueries.offboarding(userId));
  if (preview.isPending) return <p className="muted">Checking what else is revoked…</p>;
  if (preview.isError) return <p role="alert">{preview.error.message}</p>;
  const { apiKeys, invitations } = preview.data;
  if (apiKeys.length === 0 && invitations.length === 0) return <p>They created no API keys and have no pending invitations.</p>;
  return (
    <>
      {apiKeys.length ? (
        <>
          <p>
            {apiKeys.length === 1 ? 'The API key they created is revoked' : `The ${apiKeys.length} API keys they created are revoked`} (a service that uses one needs a new key):
          </p>
          <ul aria-label="API keys revoked">
            {apiKeys.map((k) => (
              <li key={k.id}>
                {k.name} <code>{k.prefix}</code>
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {invitations.length ? (
        <>
          <p>{invitations.length === 1 ? 'The invitation they sent is withdrawn:' : `The ${invitations.length} invitations they sent are withdrawn:`}</p>
          <ul aria-label="Invitations withdrawn">
            {invitations.map((i) => (
              <li key={i.id}>
                {i.email} ({i.role})
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </>
  );
}

function MemberRow({ member, owner, me }: { member: Member; owner: boolean; me: boolean }) {
  const changeRole = useMutation(orgMutations.changeRole());
  const remove = useMutation(orgMutations.removeMember());
  const [confirm, setConfirm] = useState(false);
  const id = useId();
  const error = changeRole.error ?? remove.error;
  return (
    <tr>
      <td data-label="Name">
        <span className="org-project-name">{member.name}</span>
        {me ? <span className="muted"> (you)</span> : null}
      </td>
      <td data-label="Email" className="org-wrap">
        {member.email}
      </td>
      <td data-label="Role">
        {owner && member.role !== 'owner' ? (
          <Field id={`${id}-role`} label={`Role of ${member.name}`} labelClassName="sr-only" className="org-role-cell">
            {(control) => (
              <select
                {...control}
                value={member.role}
                disabled={changeRole.isPending}
                onChange={(e) => changeRole.mutate({ userId: member.userId, role: e.target.value as 'admin' | 'member' })}
              >
                <option value="admin">Admin</option>
                <option value="member">Member</option>
              </select>
            )}
          </Field>
        ) : (
          <span className={member.role === 'owner' ? 'badge badge-success' : 'badge'}>{ROLE_LABEL[member.role]}</span>
        )}
      </td>
      <td data-label="Joined">{formatDate(member.joinedAt)}</td>
      {owner ? (
        <td data-label="Actions">
          {member.role === 'owner' ? (
            <span className="muted">The owner stays</span>
          ) : (
            <button type="button" className="button button-secondary" onClick={() => setConfirm(true)} aria-label={`Remove ${member.name}`}>
              Remove
            </button>
          )}
          <FormError inline>{error?.message}</FormError>
          <ConfirmDialog
            open={confirm}
            onOpenChange={setConfirm}
            title={`Remove ${member.name}?`}
            confirmLabel="Remove member"
            tone="danger"
            pending={remove.isPending}
            onConfirm={() => remove.mutate(member.userId, { onSettled: () => setConfirm(false) })}
          >
            <p>
              {member.email} loses access to the organization at once: they are signed out everywhere. Their past usage stays in the history. You can invite them again later.
            </p>
            {confirm ? <OffboardingPreview userId={member.userId} /> : null}
          </ConfirmDialog>
        </td>
      ) : null}
    </tr>
  );
}

function PendingInvitations({ role }: { role: Role }) {
  const invitations = useQuery({ ...orgAdminQueries.invitations(), refetchOnMount: 'always' });
  return (
    <section className="card" aria-labelledby="invitations-title">
      <h2 id="invitations-title" className="section-title">
        Pending invitations
      </h2>
      <QuerySection query={invitations} loadingLabel="Loading invitations" errorTitle="Couldn't load invitations">
        {(data) =>
          data.invitations.length === 0 ? (
            <EmptyState title="No pending invitations">Invitations waiting for an answer show here.</EmptyState>
          ) : (
            <div className="table-scroll" role="group" aria-label="Pending invitations" tabIndex={0}>
              <table className="table table-stack">
                <caption className="sr-only">Pending invitations</caption>
                <thead>
                  <tr>
                    <th scope="col">Email</th>
                    <th scope="col">Role</th>
                    <th scope="col">Invited by</th>
                    <th scope="col">Expires</th>
                    <th scope="col">Actions</th>
                  </tr>
                </thead>
                <tbody>
                  {data.invitations.map((i) => (
                    <InvitationRow key={i.id} invitation={i} mayHandle={role === 'owner' || i.role === 'member'} />
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </QuerySection>
    </section>
  );
}

function InvitationRow({ invitation, mayHandle }: { invitation: Invitation; mayHandle: boolean }) {
  const resend = useMutation(orgMutations.resendInvitation());
  const revoke = useMutation(orgMutations.revokeInvitation());
  const [confirm, setConfirm] = useState(false);
  const error = resend.error ?? revoke.error;
  return (
    <tr>
      <td data-label="Email" className="org-wrap">
        {invitation.email}
      </td>
      <td data-label="Role">
        <span className="badge">{ROLE_LABEL[invitation.role]}</span>
      </td>
      <td data-label="Invited by">{invitation.invitedBy?.name ?? '—'}</td>
      <td data-label="Expires">{formatDate(invitation.expiresAt)}</td>
      <td data-label="Actions">
        {mayHandle ? (
          <div className="org-actions">
            <button
              type="button"
              className="button button-secondary"
              disabled={resend.isPending}
              onClick={() => resend.mutate(invitation.id)}
              aria-label={`Resend the invitation to ${invitation.email}`}
            >
              {resend.isPending ? 'Resending…' : 'Resend'}
            </button>
            <button type="button" className="button button-secondary" onClick={() => setConfirm(true)} aria-label={`Revoke the invitation to ${invitation.email}`}>
              Revoke
            </button>
          </div>
        ) : (
          <span className="muted">Owner only</span>
        )}
        {resend.isSuccess ? <IssuedLink issued={resend.data} verb="A new link was sent" /> : null}
        <FormError inline>{error?.message}</FormError>
        <ConfirmDialog
          open={confirm}
          onOpenChange={setConfirm}
          title={`Revoke the invitation to ${invitation.email}?`}
          confirmLabel="Revoke invitation"
          tone="danger"
          pending={revoke.isPending}
          onConfirm={() => revoke.mutate(invitation.id, { onSettled: () => setConfirm(false) })}
        >
          <p>The link in their email stops working at once. You can invite them again later.</p>
        </ConfirmDialog>
      </td>
    </tr>
  );
}
