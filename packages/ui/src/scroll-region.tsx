import type { ReactNode } from 'react';

/**
 * A box that scrolls sideways on narrow screens (tables, commands). Focusable and named, so keyboard users can
 * scroll it too (WCAG 2.1.1; axe's scrollable-region-focusable).
 */
export function ScrollRegion({
  label,
  className = '',
  children,
}: {
  label: string;
  className?: string;
  children: ReactNode;
}) {
  return (
    <div
      role="region"
      aria-label={label}
      tabIndex={0}
      className={`relative overflow-x-auto focus-visible:outline-2 focus-visible:outline-sky-500 ${className}`}
    >
      {children}
    </div>
  );
}
