import type { ReactNode } from 'react';

interface PageHeaderProps {
  /** The section of the app the page sits in ("Settings", "AI features"). */
  breadcrumb: string;
  title: ReactNode;
  /** For pages whose landmarks are labelled by the page title. */
  titleId?: string;
  description: ReactNode;
  /** Buttons on the right of the title (wrapped in `.page-actions`). */
  actions?: ReactNode;
  /**
   * `div` where the page must keep a single `header` element: the AI Credits page's tests find the
   * app header as the only banner (jsdom does not scope a `header` inside `main` as browsers do).
   */
  as?: 'header' | 'div';
}

/** The top of every signed-in page: breadcrumb, h1, one-line description, actions. */
export function PageHeader({ breadcrumb, title, titleId, description, actions, as: Tag = 'header' }: PageHeaderProps) {
  return (
    <Tag className="page-header">
      <div>
        <p className="breadcrumb">{breadcrumb}</p>
        <h1 id={titleId}>{title}</h1>
        <p className="page-description">{description}</p>
      </div>
      {actions ? <div className="page-actions">{actions}</div> : null}
    </Tag>
  );
}
