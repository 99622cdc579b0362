import { useMutation, useQuery, useSuspenseQuery } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { NAME_MAX_CHARS, NAME_TOO_LONG, NameSchema } from '@ai-credits/shared/contracts/auth';
import type { Project } from '@ai-credits/shared/contracts/org';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { CopyButton } from '@/components/ui/copy-button';
import { EmptyState } from '@/components/ui/states';
import { PageHeader } from '@/components/ui/page-header';
import { QuerySection } from '@/components/ui/query-section';
import { Field, FieldNote, FormError } from '@/components/ui/field';
import { formatDate } from '@/lib/dates';
import { sessionQueries } from '@/api/session-queries';
import { orgQueries } from '@/api/org-queries';
import { orgMutations } from '../api/org-admin-queries';
import './org.css';

/** The contract's own rule, so the form says what the server would refuse. */
function nameError(value: string): string | null {
  if (!value.trim()) return 'Enter a project name.';
  return NameSchema.safeParse(value).success ? null : NAME_TOO_LONG;
}

/**
 * Settings -> Projects: owners and admins create, rename, archive and restore projects; members
 * see the list read-only. The BFF enforces the roles; an archived project keeps its history and
 * takes no new AI usage.
 */
export function ProjectsPage() {
  const { data: session } = useSuspenseQuery(sessionQueries.current());
  const manager = session.role === 'owner' || session.role === 'admin';
  const projects = useQuery(orgQueries.projects());
  const active = projects.data?.projects.filter((p) => p.archivedAt === null) ?? [];
  const archived = projects.data?.projects.filter((p) => p.archivedAt !== null) ?? [];

  return (
    <div className="page">
      <PageHeader
        breadcrumb="Settings"
        title="Projects"
        description="AI results (test cases, chats, reports) and credit usage belong to a project. Archived projects keep their history but take no new AI usage."
      />
      {manager ? (
        <CreateProjectForm />
      ) : (
        <p className="muted" role="note">
          Only the organization owner and admins can create, rename or archive projects.
        </p>
      )}
      <section className="card" aria-labelledby="projects-title">
        <h2 id="projects-title" className="section-title">
          Active projects
        </h2>
        <QuerySection query={projects} loadingLabel="Loading projects" errorTitle="Couldn't load projects">
          {() =>
            active.length === 0 ? (
              <EmptyState title="No active projects">{manager ? 'Create one above to start using AI features.' : 'Ask an owner or admin to create one.'}</EmptyState>
            ) : (
              <ProjectTable projects={active} manager={manager} caption="Active projects" />
            )
          }
        </QuerySection>
      </section>
      {archived.length > 0 ? (
        <section className="card" aria-labelledby="archived-title">
          <h2 id="archived-title" className="section-title">
            Archived projects
          </h2>
          <p className="section-subtitle">Their usage history and saved AI work stay readable.</p>
          <ProjectTable projects={archived} manager={manager} caption="Archived projects" />
        </section>
      ) : null}
    </div>
  );
}

function CreateProjectForm() {
  const create = useMutation(orgMutations.createProject());
  const [name, setName] = useState('');
  const [touched, setTouched] = useState(false);
  const id = useId();
  const error = touched ? nameError(name) : null;

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (nameError(name) || create.isPending) return;
    create.mutate(name.trim(), {
      onSuccess: () => {
        setName('');
        setTouched(false);
      },
    });
  };

  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="section-title">
        New project
      </h2>
      <form className="org-inline-form" onSubmit={onSubmit} noValidate>
        <Field id={id} label="Project name" error={error}>
          {(control) => (
            <input
              {...control}
              value={name}
              maxLength={NAME_MAX_CHARS}
              onChange={(e) => {
                setName(e.target.value);
                create.reset();
              }}
              onBlur={() => setTouched(name.length > 0)}
            />
          )}
        </Field>
        <button type="submit" className="button button-primary" disabled={create.isPending}>
          {create.isPending ? 'Creating…' : 'Create project'}
        </button>
      </form>
      <FormError>{create.error?.message}</FormError>
      {create.isSuccess ? (
        <p className="field-success" role="status">
          Project “{create.data.name}” created.
        </p>
      ) : null}
    </section>
  );
}

function ProjectTable({ projects, manager, caption }: { projects: Project[]; manager: boolean; caption: string }) {
  return (
    <div className="table-scroll" role="group" aria-label={caption} tabIndex={0}>
      <table className="table table-stack">
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Project id</th>
            <th scope="col">Created</th>
            <th scope="col">Status</th>
            {manager ? <th scope="col">Actions</th> : null}
          </tr>
        </thead>
        <tbody>
          {projects.map((p) => (
            <ProjectRow key={p.id} project={p} manager={manager} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ProjectRow({ project, manager }: { project: Project; manager: boolean }) {
  const update = useMutation(orgMutations.updateProject());
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(project.name);
  const [confirm, setConfirm] = useState(false);
  const id = useId();
  const archived = project.archivedAt !== null;
  const error = editing ? nameError(name) : null;
  const problem = error ?? update.error?.message;

  const saveName = (event: FormEvent) => {
    event.preventDefault();
    if (nameError(name)) return;
    if (name.trim() === project.name) return setEditing(false);
    update.mutate({ projectId: project.id, name: name.trim() }, { onSuccess: () => setEditing(false) });
  };

  return (
    <tr>
      <td data-label="Name">
        {editing ? (
          <form className="org-inline-form" onSubmit={saveName} noValidate>
            <Field id={id} label={`New name for ${project.name}`} labelClassName="sr-only" error={problem} noteId={`${id}-note`} className="org-rename-field">
              {(control) => (
                <input
                  {...control}
                  value={name}
                  maxLength={NAME_MAX_CHARS}
                  onChange={(e) => {
                    setName(e.target.value);
                    update.reset();
                  }}
                />
              )}
            </Field>
            <button type="submit" className="button button-primary" disabled={update.isPending}>
              Save
            </button>
            <button
              type="button"
              className="button button-ghost"
              onClick={() => {
                setEditing(false);
                setName(project.name);
                update.reset();
              }}
            >
              Cancel
            </button>
            <FieldNote id={`${id}-note`} error={problem} errorAlert />
          </form>
        ) : (
          <span className="org-project-name">{project.name}</span>
        )}
      </td>
      <td data-label="Project id">
        <span className="id-copy">
          <code>{project.id}</code>
          <CopyButton value={project.id} label={`Copy the id of ${project.name}`} className="button button-ghost" />
        </span>
      </td>
      <td data-label="Created">{formatDate(project.createdAt)}</td>
      <td data-label="Status">
        {archived ? <span className="badge">Archived {formatDate(project.archivedAt!)}</span> : <span className="badge badge-success">Active</span>}
      </td>
      {manager ? (
        <td data-label="Actions">
          <div className="org-actions">
            {!editing ? (
              <button type="button" className="button button-secondary" onClick={() => setEditing(true)} aria-label={`Rename ${project.name}`}>
                Rename
              </button>
            ) : null}
            {archived ? (
              <button
                type="button"
                className="button button-secondary"
                disabled={update.isPending}
                onClick={() => update.mutate({ projectId: project.id, archived: false })}
                aria-label={`Restore ${project.name}`}
              >
                Restore
              </button>
            ) : (
              <button type="button" className="button button-secondary" onClick={() => setConfirm(true)} aria-label={`Archive ${project.name}`}>
                Archive
              </button>
            )}
          </div>
          {editing ? null : <FormError inline>{update.error?.message}</FormError>}
          <ConfirmDialog
            open={confirm}
            onOpenChange={setConfirm}
            title={`Archive “${project.name}”?`}
            confirmLabel="Archive project"
            tone="danger"
            pending={update.isPending}
            onConfirm={() => update.mutate({ projectId: project.id, archived: true }, { onSettled: () => setConfirm(false) })}
          >
            <p>Nobody can start new AI work in it any more. Its usage history, test cases, chats and reports stay readable, and you can restore it later.</p>
          </ConfirmDialog>
        </td>
      ) : null}
    </tr>
  );
}
