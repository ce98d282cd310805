'use client';
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { useEffect, useId, useRef, useState } from 'react';

import { getCsrfToken, setCsrfToken } from '../lib/csrf';
import { holdLoginRedirects } from '../lib/errors';

async function signOut(): Promise<void> {
  holdLoginRedirects();
  const csrf = getCsrfToken();
  await fetch('/api/v1/session', { method: 'DELETE', headers: csrf ? { 'x-csrf-token': csrf } : {} }).catch(
    () => undefined,
  );
  setCsrfToken(null);
  window.location.assign('/login');
}

const item =
  'block w-full rounded px-3 py-2 text-left text-sm text-zinc-700 hover:bg-zinc-100 focus-visible:outline-2 focus-visible:outline-sky-500 dark:text-zinc-200 dark:hover:bg-zinc-800';

/** The header's account menu: who is signed in, the kubeconfig page, sign out. */
export function UserMenu({ user }: { user: { username: string; name: string | null; isAdmin: boolean } }) {
  const [open, setOpen] = useState(false);
  const panelId = useId();
  const root = useRef<HTMLDivElement>(null);
  const pathname = usePathname();
  useEffect(() => setOpen(false), [pathname]);
  useEffect(() => {
    if (!open) return;
    const onPointer = (e: PointerEvent) => {
      if (!root.current?.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') setOpen(false);
    };
    document.addEventListener('pointerdown', onPointer);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('pointerdown', onPointer);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);
  const label = user.name || user.username;
  return (
    <div ref={root} className="relative">
      <button
        type="button"
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => setOpen((o) => !o)}
        className="flex max-w-[10rem] items-center gap-1 rounded px-2 py-1 text-sm text-zinc-700 hover:bg-zinc-100 focus-visible:outline-2 focus-visible:outline-sky-500 sm:max-w-xs dark:text-zinc-300 dark:hover:bg-zinc-800"
      >
        <span className="truncate">{label}</span>
        <span aria-hidden="true" className="text-xs text-zinc-600 dark:text-zinc-400">
          ▾
        </span>
      </button>
      {open ? (
        <div
          id={panelId}
          className="absolute right-0 z-40 mt-1 w-56 max-w-[calc(100vw-1rem)] rounded-md border border-zinc-200 bg-white p-1 shadow-lg dark:border-zinc-700 dark:bg-zinc-900"
        >
          <div className="border-b border-zinc-200 px-3 py-2 text-sm dark:border-zinc-700">
            <p className="truncate font-medium">{label}</p>
            <p className="truncate text-xs text-zinc-600 dark:text-zinc-400">
              {user.username}
              {user.isAdmin ? ' · administrator' : null}
            </p>
          </div>
          <Link href="/kubeconfig" className={`${item} mt-1`}>
            Get kubeconfig
          </Link>
          <button type="button" onClick={() => void signOut()} className={item}>
            Sign out
          </button>
        </div>
      ) : null}
    </div>
  );
}
