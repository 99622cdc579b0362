import { useQueryClient } from '@tanstack/react-query';
import { useEffect, type ReactNode } from 'react';
import { setCsrfToken } from '@/lib/api-client';

/**
 * On the sign-in pages nothing of the previous session may linger (another user may sign in).
 * Done here, after the app layout has unmounted, so no query on screen refetches into a 401.
 */
export function useForgetPreviousSession() {
  const queryClient = useQueryClient();
  useEffect(() => {
    queryClient.clear();
    setCsrfToken(null);
  }, [queryClient]);
}

export function AuthLayout({ title, subtitle, children, footer }: { title: string; subtitle: string; children: ReactNode; footer: ReactNode }) {
  return (
    <div className="auth-page">
      <main className="auth-card" id="main">
        <p className="brand">
          <span className="brand-mark" aria-hidden="true">
            T
          </span>
          TestKase
        </p>
        <h1>{title}</h1>
        <p className="muted">{subtitle}</p>
        {children}
        <p className="auth-footer">{footer}</p>
      </main>
    </div>
  );
}
