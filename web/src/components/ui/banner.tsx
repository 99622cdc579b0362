import type { ReactNode } from 'react';

type Tone = 'info' | 'warning' | 'danger' | 'success';

const ICONS: Record<Tone, string> = { info: 'i', warning: '!', danger: '!', success: '✓' };
const LABELS: Record<Tone, string> = { info: 'Note', warning: 'Warning', danger: 'Action needed', success: 'Done' };

/**
 * A page-level message. The tone is spelled out in text too, so color is never the only signal.
 * `role="alert"` for a failure the user just caused (announced at once); a status otherwise.
 * The banner carries the live role itself, so it is never nested inside another live region.
 */
export function Banner({
  tone,
  title,
  children,
  actions,
  role = 'status',
}: {
  tone: Tone;
  title: string;
  children?: ReactNode;
  actions?: ReactNode;
  role?: 'status' | 'alert';
}) {
  return (
    <div className={`banner banner-${tone}`} role={role}>
      <span className="banner-icon" aria-hidden="true">
        {ICONS[tone]}
      </span>
      <div className="banner-body">
        <p className="banner-title">
          <span className="sr-only">{LABELS[tone]}: </span>
          {title}
        </p>
        {children ? <div className="banner-text">{children}</div> : null}
      </div>
      {actions ? <div className="banner-actions">{actions}</div> : null}
    </div>
  );
}
