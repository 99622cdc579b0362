import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { MONTHLY_ALLOWANCE_MC } from '@ai-credits/shared/catalog';
import type { Role } from '@ai-credits/shared/contracts/auth';
import { formatCredits } from '@ai-credits/shared/format';
import { orgQueries } from '@/api/org-queries';
import './org.css';

/**
 * A new org's first screen says what to do next: AI features need a project, and the charts by
 * user and project stay empty until the team is in. Shown to owners and admins until a project exists.
 */
export function NextSteps({ role }: { role: Role }) {
  const projects = useQuery(orgQueries.projects());
  const members = useQuery(orgQueries.members());
  if (role === 'member' || !projects.data || projects.data.projects.some((p) => p.archivedAt === null)) return null;
  const alone = (members.data?.members.length ?? 1) <= 1;
  return (
    <section className="card org-next-steps" aria-labelledby="next-steps-title">
      <h2 id="next-steps-title" className="section-title">
        Next steps
      </h2>
      <p className="section-subtitle">Your organization has {formatCredits(MONTHLY_ALLOWANCE_MC)} credits. Before anyone can use AI features:</p>
      <ol>
        <li>
          <Link to="/settings/projects">Create a project</Link>: test cases, chats, reports and their credit usage belong to one.
        </li>
        <li>
          <Link to="/settings/members">Invite your team</Link>
          {alone ? '' : ' (you already have members)'}: each person&apos;s usage then shows up in the history and the charts by user.
        </li>
      </ol>
    </section>
  );
}
