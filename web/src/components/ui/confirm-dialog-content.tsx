import { AlertDialog } from 'radix-ui';
import type { ReactNode } from 'react';

export interface ConfirmDialogProps {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  onConfirm: () => void;
  tone?: 'danger' | 'primary';
  pending?: boolean;
}

/** Confirmation before a change that costs money or affects everyone (Radix AlertDialog: focus trap, Esc, labelled). */
export function ConfirmDialogContent({ open, onOpenChange, title, children, confirmLabel, onConfirm, tone = 'primary', pending }: ConfirmDialogProps) {
  return (
    <AlertDialog.Root open={open} onOpenChange={onOpenChange}>
      <AlertDialog.Portal>
        <AlertDialog.Overlay className="dialog-overlay" />
        <AlertDialog.Content className="dialog-content">
          <AlertDialog.Title className="dialog-title">{title}</AlertDialog.Title>
          <AlertDialog.Description asChild>
            <div className="dialog-description">{children}</div>
          </AlertDialog.Description>
          <div className="dialog-actions">
            <AlertDialog.Cancel className="button button-secondary">Cancel</AlertDialog.Cancel>
            <AlertDialog.Action
              className={`button ${tone === 'danger' ? 'button-danger' : 'button-primary'}`}
              disabled={pending}
              onClick={(event) => {
                // Keep the dialog open until the caller closes it (after the request).
                event.preventDefault();
                onConfirm();
              }}
            >
              {confirmLabel}
            </AlertDialog.Action>
          </div>
        </AlertDialog.Content>
      </AlertDialog.Portal>
    </AlertDialog.Root>
  );
}
