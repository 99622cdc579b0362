import type { ReactNode } from 'react';

/** What a Field hands its control: spread it onto the input, select or textarea. */
export interface FieldControlProps {
  id: string;
  'aria-invalid': true | undefined;
  'aria-describedby': string | undefined;
}

const shown = (note: ReactNode) => note !== undefined && note !== null && note !== false && note !== '';

interface FieldNoteProps {
  id: string;
  error?: ReactNode;
  hint?: ReactNode;
  /** Announce the error as it appears (for errors that come from the server, not from typing). */
  errorAlert?: boolean;
}

/**
 * The one note under a control: its error, or else its hint. A Field renders it itself; render it
 * apart (with the Field's `noteId`) where the note sits away from the control: below a row's
 * buttons, or one hint shared by two inputs.
 */
export function FieldNote({ id, error, hint, errorAlert }: FieldNoteProps) {
  if (shown(error)) {
    return (
      <p id={id} className="field-error" role={errorAlert ? 'alert' : undefined}>
        {error}
      </p>
    );
  }
  return shown(hint) ? (
    <p id={id} className="field-hint">
      {hint}
    </p>
  ) : null;
}

interface FieldProps {
  /** The control's id; the label points at it and the note below it is `${id}-note`. */
  id: string;
  label: ReactNode;
  /** `sr-only` for a label only screen readers need (a row's inline input). */
  labelClassName?: string;
  /** Shown instead of the hint, and marks the control invalid. */
  error?: ReactNode;
  hint?: ReactNode;
  /** Announce the error as it appears (for errors that come from the server, not from typing). */
  errorAlert?: boolean;
  /**
   * The note is rendered apart, by a `<FieldNote id={noteId}>` the caller places; the control is
   * described by it while there is an error or a hint. The Field then renders no note of its own.
   */
  noteId?: string;
  className?: string;
  children: (control: FieldControlProps) => ReactNode;
}

/** A label, its control and the one note (error or hint) that describes it. */
export function Field({ id, label, labelClassName, error, hint, errorAlert, noteId, className, children }: FieldProps) {
  const hasError = shown(error);
  const describedBy = hasError || shown(hint) ? (noteId ?? `${id}-note`) : undefined;
  return (
    <div className={className ? `field ${className}` : 'field'}>
      <label htmlFor={id} className={labelClassName}>
        {label}
      </label>
      {children({ id, 'aria-invalid': hasError ? true : undefined, 'aria-describedby': describedBy })}
      {noteId ? null : <FieldNote id={`${id}-note`} error={error} hint={hint} errorAlert={errorAlert} />}
    </div>
  );
}

/**
 * The error of a whole form or action, not of one of its fields: a refused save, a failed sign-in,
 * a link that cannot be used. Announced at once (`role="alert"`). Boxed above or below a form;
 * `inline` for a table row's or a panel's action, in the note style of a field. Renders nothing
 * without a message, so `<FormError>{mutation.error?.message}</FormError>` needs no condition.
 */
export function FormError({ inline, children }: { inline?: boolean; children: ReactNode }) {
  return shown(children) ? (
    <p className={inline ? 'field-error' : 'form-error'} role="alert">
      {children}
    </p>
  ) : null;
}
