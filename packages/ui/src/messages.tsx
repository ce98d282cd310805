import type { ReactNode } from 'react';

/** Shows kas's own message; an error is never a blank page. */
export function ErrorBanner({
  title = 'kas refused the request',
  message,
}: {
  title?: string;
  message: string;
}) {
  return (
    <div
      role="alert"
      className="rounded border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-200"
    >
      <p className="font-medium">{title}</p>
      <p className="mt-0.5 whitespace-pre-wrap">{message}</p>
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="rounded border border-dashed border-zinc-300 px-6 py-8 text-sm text-zinc-600 dark:border-zinc-700 dark:text-zinc-400">
      <p className="text-base font-medium text-zinc-900 dark:text-zinc-100">{title}</p>
      {children ? <div className="mt-2 space-y-2">{children}</div> : null}
    </div>
  );
}

export function Notice({ children }: { children: ReactNode }) {
  return (
    <div
      role="status"
      className="rounded border border-sky-300 bg-sky-50 px-3 py-2 text-sm text-sky-900 dark:border-sky-800 dark:bg-sky-950 dark:text-sky-200"
    >
      {children}
    </div>
  );
}
