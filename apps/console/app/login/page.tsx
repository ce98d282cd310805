'use client';
import { usePageTitle } from '../../lib/page-title';
import { Button, ErrorBanner, Field } from '@mooring/ui';
import { useEffect, useState, type FormEvent } from 'react';

import { setCsrfToken } from '../../lib/csrf';
import { safeNext } from '../../lib/safe-next';

export default function LoginPage() {
  usePageTitle('Sign in');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Until React runs, a submit would be the browser's own: the button waits for it (a click before hydration once
  // sent the form as a GET, the password in the URL). method="post" keeps it out of the URL even then.
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(null);
    try {
      const response = await fetch('/api/v1/session', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: form.get('username'), password: form.get('password') }),
      });
      const body = (await response.json().catch(() => ({}))) as {
        csrfToken?: string;
        message?: string;
        error?: { message?: string };
      };
      if (!response.ok) {
        const retry = response.headers.get('retry-after');
        const message = body.message ?? body.error?.message ?? `kas answered ${response.status}`;
        setError(retry ? `${message} (try again in ${retry} s)` : message);
        return;
      }
      setCsrfToken(body.csrfToken ?? null);
      window.location.assign(
        safeNext(new URLSearchParams(window.location.search).get('next'), window.location.origin),
      );
    } catch (e) {
      setError(`The console could not reach kas: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="flex min-h-screen items-center justify-center px-4">
      <form
        method="post"
        onSubmit={submit}
        className="w-full max-w-sm space-y-4 rounded-lg border border-zinc-200 bg-white p-6 shadow-sm dark:border-zinc-800 dark:bg-zinc-900"
        aria-labelledby="login-title"
      >
        <div>
          <h1 id="login-title" className="text-lg font-semibold">
            Sign in to Mooring
          </h1>
          <p className="text-sm text-zinc-600 dark:text-zinc-400">
            The first admin&apos;s password was printed by kas when it started.
          </p>
        </div>
        {error ? <ErrorBanner title="Sign-in failed" message={error} /> : null}
        <Field label="Username" name="username" autoComplete="username" required autoFocus />
        <Field label="Password" name="password" type="password" autoComplete="current-password" required />
        <Button
          type="submit"
          variant="primary"
          disabled={busy || !hydrated}
          className="w-full justify-center"
        >
          {busy ? 'Signing in…' : 'Sign in'}
        </Button>
      </form>
    </main>
  );
}
