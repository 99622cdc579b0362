import { useEffect, useRef } from 'react';
import { credits } from './ai-common';

/** A streamed run stopped by its Stop button (or by leaving the page) rejects with an AbortError. */
export const isStopped = (error: unknown) => error instanceof DOMException && error.name === 'AbortError';

/**
 * The Stop button of a streamed run (ADR 026): `start()` gives the run its signal, `stop()` closes
 * its connection (the server settles what was produced). Leaving the page stops a running one.
 */
export function useStopper() {
  const current = useRef<AbortController | null>(null);
  useEffect(() => () => current.current?.abort(), []);
  return {
    start(): AbortSignal {
      const controller = new AbortController();
      current.current = controller;
      return controller.signal;
    },
    stop: () => current.current?.abort(),
    done: () => {
      current.current = null;
    },
  };
}

/** The live credit meter of a streamed run (credits so far, the hold) and its Stop button; the same on every AI page. */
export function StreamMeter({ label, chargedMc, holdMc, onStop }: { label: string; chargedMc: number; holdMc: number | null; onStop: () => void }) {
  return (
    <div className="ai-stream-bar" role="group" aria-label={label}>
      <p className="ai-meter">
        <span>
          Credits so far: <strong>{credits(chargedMc)}</strong>
        </span>
        {holdMc !== null ? <span className="muted"> · {credits(holdMc)} held until it finishes</span> : null}
      </p>
      <button type="button" className="button button-secondary" onClick={onStop}>
        Stop
      </button>
    </div>
  );
}
