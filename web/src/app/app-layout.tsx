import { useMutation, useSuspenseQuery } from '@tanstack/react-query';
import { lazy, Suspense, useState } from 'react';
import { NavLink, Outlet, useLocation, useNavigate, useNavigation } from 'react-router';
import { authMutations } from '@/api/auth-mutations';
import { sessionQueries } from '@/api/session-queries';
import { UnverifiedBanner } from '@/features/auth/components/unverified-banner';
import { navSections } from './nav-items';

// The bell's popover (Radix Popover, Floating UI) is not part of the first screen: it follows it.
const NotificationBell = lazy(() => import('@/features/budgets/components/notification-bell').then((m) => ({ default: m.NotificationBell })));

const ROLE_LABELS = { owner: 'Owner', admin: 'Admin', member: 'Member' } as const;

export function AppLayout() {
  const { data: session } = useSuspenseQuery(sessionQueries.current());
  const navigate = useNavigate();
  const navigation = useNavigation();
  const logout = useMutation(authMutations.logout());
  const { pathname } = useLocation();
  // On a phone the navigation is a menu under the header, closed until asked for (issue 24: 11
  // wrapped links took a third of the screen); from 761 px it is the sidebar, always open.
  const [menuOpen, setMenuOpen] = useState(false);
  const sections = navSections(session);
  const current = sections.flatMap((s) => s.items).find((item) => pathname === item.to || pathname.startsWith(`${item.to}/`));

  const signOut = () =>
    logout.mutate(undefined, {
      // The login page drops the cache once this layout is gone (clearing it here would make
      // the queries still on screen refetch and answer 401).
      onSettled: () => void navigate('/login', { replace: true }),
    });

  return (
    <div className="app-shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <p className="brand">
          <span className="brand-mark" aria-hidden="true">
            T
          </span>
          <span>TestKase</span>
        </p>
        <div className="topbar-org" aria-label="Organization">
          <span className="org-name">{session.org.name}</span>
        </div>
        <div className="topbar-user">
          <Suspense fallback={<span className="bell-placeholder" aria-hidden="true" />}>
            <NotificationBell />
          </Suspense>
          <span className="user-name">{session.user.name}</span>
          <span className={`role-badge role-${session.role}`} aria-label={`Role: ${ROLE_LABELS[session.role]}`}>
            {ROLE_LABELS[session.role]}
          </span>
          <button type="button" className="button button-ghost" onClick={signOut} disabled={logout.isPending}>
            Sign out
          </button>
        </div>
      </header>
      <div className="app-body">
        <nav className={`sidebar${menuOpen ? ' nav-open' : ''}`} aria-label="Main">
          <button type="button" className="nav-toggle" aria-expanded={menuOpen} aria-controls="nav-sections" onClick={() => setMenuOpen((open) => !open)}>
            <span className="nav-toggle-icon" aria-hidden="true">
              {menuOpen ? '✕' : '☰'}
            </span>
            Menu
            {current ? <span className="nav-toggle-current">: {current.label}</span> : null}
          </button>
          <div id="nav-sections" className="nav-sections">
            {sections.map((section) => (
              <div className="nav-section" key={section.id}>
                <p className="nav-heading" id={section.id}>
                  {section.label}
                </p>
                <ul aria-labelledby={section.id}>
                  {section.items.map((item) => (
                    <li key={item.to}>
                      <NavLink to={item.to} className="nav-link" onClick={() => setMenuOpen(false)}>
                        {item.label}
                      </NavLink>
                    </li>
                  ))}
                </ul>
              </div>
            ))}
          </div>
        </nav>
        <main id="main" className="content" tabIndex={-1} aria-busy={navigation.state === 'loading'}>
          {session.user.emailVerified ? null : <UnverifiedBanner email={session.user.email} />}
          <Outlet />
        </main>
      </div>
    </div>
  );
}
