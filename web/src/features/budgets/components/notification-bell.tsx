import { useMutation, useQuery } from '@tanstack/react-query';
import { Popover } from 'radix-ui';
import { useState } from 'react';
import { Link } from 'react-router';
import { formatBoundary, formatDateTime, timeZoneLabel } from '@/lib/dates';
import { budgetsMutations, budgetsQueries } from '../api/budgets-queries';
import './budgets.css';
import { FormError } from '@/components/ui/field';

/** The header bell: unread count, the newest notifications (alerts), mark one or all read. */
export function NotificationBell() {
  const [open, setOpen] = useState(false);
  const list = useQuery(budgetsQueries.notifications());
  const markRead = useMutation(budgetsMutations.markRead());
  const unread = list.data?.unread ?? 0;
  const items = list.data?.notifications ?? [];

  return (
    <Popover.Root open={open} onOpenChange={setOpen}>
      <Popover.Trigger asChild>
        <button type="button" className="button button-ghost bell" aria-label={unread ? `Notifications, ${unread} unread` : 'Notifications'}>
          <svg aria-hidden="true" width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2">
            <path d="M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9" />
            <path d="M13.73 21a2 2 0 0 1-3.46 0" />
          </svg>
          {unread ? (
            <span className="bell-count" aria-hidden="true">
              {unread > 99 ? '99+' : unread}
            </span>
          ) : null}
        </button>
      </Popover.Trigger>
      <Popover.Portal>
        <Popover.Content className="bell-panel" align="end" sideOffset={8} aria-label="Notifications">
          <div className="bell-panel-head">
            <h2 className="section-title">Notifications</h2>
            <button type="button" className="button button-secondary" disabled={!unread || markRead.isPending} onClick={() => markRead.mutate({ all: true })}>
              Mark all read
            </button>
          </div>
          {list.isError ? (
            <p className="field-error" role="alert">
              Couldn't load notifications.
            </p>
          ) : null}
          <FormError inline>{markRead.error?.message}</FormError>
          {list.data && items.length === 0 ? <p className="muted">No notifications yet. Alerts about credits and budgets, and requests for more credits, appear here.</p> : null}
          {items.length ? (
            <ul className="bell-list">
              {items.map((n) => (
                <li key={n.id} className={`bell-item${n.readAt ? '' : ' is-unread'}`}>
                  <p className="bell-item-title">
                    {n.readAt ? null : <span className="sr-only">Unread: </span>}
                    {n.title}
                  </p>
                  {/* Alerts that fired together: one line each, most severe first (ADR 037). */}
                  <p className="bell-item-body">{n.body}</p>
                  {n.resetsAt && n.kind === 'alert' ? (
                    <p className="bell-item-reset muted">
                      Limits reset <time dateTime={n.resetsAt}>{formatBoundary(n.resetsAt)}</time>
                    </p>
                  ) : null}
                  <div className="bell-item-actions">
                    <time dateTime={n.createdAt}>
                      {formatDateTime(n.createdAt)} {timeZoneLabel(n.createdAt)}
                    </time>
                    {n.link ? (
                      <Link
                        to={n.link}
                        onClick={() => {
                          if (!n.readAt) markRead.mutate({ ids: [n.id] });
                          setOpen(false);
                        }}
                      >
                        {n.kind === 'more_request' ? 'Review limits' : 'View usage'}
                      </Link>
                    ) : null}
                    {n.readAt ? null : (
                      <button type="button" className="button button-ghost" disabled={markRead.isPending} onClick={() => markRead.mutate({ ids: [n.id] })}>
                        Mark read
                      </button>
                    )}
                  </div>
                </li>
              ))}
            </ul>
          ) : null}
        </Popover.Content>
      </Popover.Portal>
    </Popover.Root>
  );
}
