import { lazy, Suspense, useState } from 'react';
import type { ConfirmDialogProps } from './confirm-dialog-content';

// Radix AlertDialog (focus trap, scroll lock, dismissable layer) is loaded the first time a
// confirmation opens, not with the page that offers it (docs/benchmarks.md, "(h) first load").
const ConfirmDialogContent = lazy(() => import('./confirm-dialog-content').then((m) => ({ default: m.ConfirmDialogContent })));

/** Confirmation before a change that costs money or affects everyone; see ConfirmDialogContent. */
export function ConfirmDialog(props: ConfirmDialogProps) {
  // Once opened it stays mounted, so that closing runs Radix's own close (focus, presence).
  const [opened, setOpened] = useState(props.open);
  if (props.open && !opened) setOpened(true);
  if (!opened) return null;
  return (
    <Suspense fallback={null}>
      <ConfirmDialogContent {...props} />
    </Suspense>
  );
}
