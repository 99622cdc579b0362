import type { ReactNode } from 'react';
import { isApiError } from '@/lib/api-client';

export function ErrorState({ title, error, message: given, onRetry }: { title: string; error: unknown; message?: string | undefined; onRetry?: () => void }) {
  const message = given ?? (isApiError(error) || error instanceof Error ? error.message : 'Something went wrong.');
  return (
    <div className="state state-error" role="alert">
      <p className="state-title">{title}</p>
      <p className="state-text">{message}</p>
      {onRetry ? (
        <button type="button" className="button button-secondary" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state state-empty">
      <p className="state-title">{title}</p>
      {children ? <div className="state-text">{children}</div> : null}
    </div>
  );
}

export function Skeleton({ label, height = 96 }: { label: string; height?: number }) {
  return (
    <div className="skeleton" style={{ height }} role="status" aria-live="polite">
      <span className="sr-only">{label}</span>
    </div>
  );
}
