import { useEffect, useState } from 'react';

/** Copies `value` to the clipboard; says "Copied" for a moment (and to screen readers, once). */
export function CopyButton({ value, label, className = 'button button-secondary' }: { value: string; label: string; className?: string }) {
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) return;
    const timer = setTimeout(() => setCopied(false), 2_000);
    return () => clearTimeout(timer);
  }, [copied]);
  return (
    <button type="button" className={className} aria-label={label} onClick={() => void navigator.clipboard?.writeText(value).then(() => setCopied(true))}>
      {copied ? 'Copied' : 'Copy'}
      <span className="sr-only" role="status">
        {copied ? 'Copied to the clipboard' : ''}
      </span>
    </button>
  );
}
