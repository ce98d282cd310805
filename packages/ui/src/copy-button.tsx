'use client';
import { useState } from 'react';

import { Button } from './button';

export function CopyButton({ value, label = 'Copy' }: { value: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <Button
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(value);
          setCopied(true);
          setTimeout(() => setCopied(false), 1500);
        } catch {
          // Clipboard needs a secure context; the value stays selectable on screen.
        }
      }}
      aria-live="polite"
    >
      {copied ? 'Copied' : label}
    </Button>
  );
}
