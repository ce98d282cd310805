'use client';
import { Button, ErrorBanner } from '@mooring/ui';
import type { FormEvent, ReactNode } from 'react';

import { errorMessage, fieldErrors } from '../lib/errors';

/**
 * The "New …" box of the list pages: a titled form whose fields show kas's field errors themselves, with a banner
 * only for an error kas did not tie to a field.
 */
export function CreateForm({
  id,
  title,
  submitLabel,
  error,
  pending,
  onSubmit,
  children,
}: {
  id: string;
  title: string;
  submitLabel: string;
  error: unknown;
  pending: boolean;
  onSubmit: (event: FormEvent<HTMLFormElement>) => void;
  children: ReactNode;
}) {
  return (
    <section
      aria-labelledby={id}
      className="max-w-md space-y-3 rounded border border-zinc-200 p-4 dark:border-zinc-800"
    >
      <h2 id={id} className="font-semibold">
        {title}
      </h2>
      <form onSubmit={onSubmit} className="space-y-3">
        {children}
        {error && !Object.keys(fieldErrors(error)).length ? (
          <ErrorBanner message={errorMessage(error)} />
        ) : null}
        <Button type="submit" variant="primary" disabled={pending}>
          {submitLabel}
        </Button>
      </form>
    </section>
  );
}
