import type { ReactNode } from 'react';

/** What a Field hands its control: spread it onto the input, select or textarea. */
export interface FieldControlProps {
  id: string;
  'aria-invalid': true | undefined;
  'aria-describedby': string | undefined;
}

interface FieldProps {
  /** The control's id; the label points at it and the note below it is `${id}-note`. */
  id: string;
  label: ReactNode;
  /** Shown instead of the hint, and marks the control invalid. */
  error?: ReactNode;
  hint?: ReactNode;
  /** Announce the error as it appears (for errors that come from the server, not from typing). */
  errorAlert?: boolean;
  className?: string;
  children: (control: FieldControlProps) => ReactNode;
}

/** A label, its control and the one note (error or hint) that describes it. */
export function Field({ id, label, error, hint, errorAlert, className, children }: FieldProps) {
  const noteId = `${id}-note`;
  const hasError = error !== undefined && error !== null && error !== false && error !== '';
  const note = hasError ? error : hint;
  return (
    <div className={className ? `field ${className}` : 'field'}>
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-invalid': hasError ? true : undefined, 'aria-describedby': note ? noteId : undefined })}
      {hasError ? (
        <p id={noteId} className="field-error" role={errorAlert ? 'alert' : undefined}>
          {error}
        </p>
      ) : hint ? (
        <p id={noteId} className="field-hint">
          {hint}
        </p>
      ) : null}
    </div>
  );
}
