import type { SessionInfo } from '@ai-credits/shared/contracts/auth';

export interface NavItem {
  to: string;
  label: string;
}
export interface NavSection {
  /** DOM-safe id of the section heading (the list is labelled by it). */
  id: string;
  label: string;
  items: NavItem[];
}

/** What the navigation offers this user. AI entry points exist only while AI is enabled (docs/product.md: hidden for every user). */
export function navSections(session: Pick<SessionInfo, 'role' | 'org'>): NavSection[] {
  const ai = session.org.aiEnabled;
  const manager = session.role === 'owner' || session.role === 'admin';
  const settings: NavItem[] = [{ to: '/settings/ai-credits', label: 'AI Credits' }];
  // Members cannot see payments (the BFF refuses them), so the link would lead only to a refusal.
  if (manager) settings.push({ to: '/settings/billing', label: 'Plans & Billing' });
  settings.push({ to: '/settings/members', label: 'Members' });
  settings.push({ to: '/settings/projects', label: 'Projects' });
  settings.push({ to: '/settings/budgets', label: 'Budgets' });
  if (ai && manager) settings.push({ to: '/settings/api-keys', label: 'API keys' });
  if (manager) settings.push({ to: '/settings/audit-log', label: 'Audit log' });
  if (manager) settings.push({ to: '/settings/emails', label: 'Sent emails' });
  const sections: NavSection[] = [{ id: 'nav-settings', label: 'Settings', items: settings }];
  if (ai) {
    sections.push({
      id: 'nav-ai-features',
      label: 'AI features',
      items: [
        { to: '/ai/test-generation', label: 'Test generation' },
        { to: '/ai/chat', label: 'AI chat' },
        { to: '/ai/reports', label: 'AI reports' },
      ],
    });
  } else {
    // AI off: no AI feature is offered, but what AI produced earlier stays readable (read-only).
    sections.push({
      id: 'nav-ai-saved',
      label: 'Saved AI work',
      items: [
        { to: '/ai/test-generation', label: 'Saved test cases' },
        { to: '/ai/chat', label: 'Chat history' },
        { to: '/ai/reports', label: 'Saved reports' },
      ],
    });
  }
  return sections;
}
