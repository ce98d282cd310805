import type { ReactNode } from 'react';

import { ScrollRegion } from './scroll-region';

export interface Column {
  label: string;
  className?: string;
}

/**
 * The plain list table of the admin pages: a header row (plus an unlabelled-looking "Actions" column) and rows.
 * On a narrow screen it scrolls sideways in its own box rather than widening the page.
 */
export function SimpleTable({
  columns,
  actions = false,
  className = 'max-w-4xl',
  testId,
  label,
  children,
}: {
  columns: (string | Column)[];
  /** Adds a last header cell for per-row buttons, named "Actions" for screen readers only. */
  actions?: boolean;
  className?: string;
  testId?: string;
  /** What the table lists, for screen readers (its scroll box is a named region). */
  label?: string;
  children: ReactNode;
}) {
  return (
    <ScrollRegion label={label ?? 'Scrollable table'}>
      <table className={`w-full ${className} text-left text-sm`} data-testid={testId}>
        <thead className="text-xs text-zinc-600 dark:text-zinc-400">
          <tr>
            {columns.map((c, i) => {
              const column = typeof c === 'string' ? { label: c } : c;
              return (
                <th
                  key={column.label}
                  className={[i === 0 ? 'py-1' : '', column.className ?? ''].join(' ').trim() || undefined}
                >
                  {column.label}
                </th>
              );
            })}
            {actions ? (
              <th>
                <span className="sr-only">Actions</span>
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">{children}</tbody>
      </table>
    </ScrollRegion>
  );
}
