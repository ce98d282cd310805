'use client';
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { useEffect, type ReactNode } from 'react';

import { getCsrfToken, setCsrfToken } from '../../lib/csrf';
import { useTRPC } from '../../lib/trpc';

const nav = [
  { href: '/', label: 'Clusters' },
  { href: '/projects', label: 'Projects' },
  { href: '/groups', label: 'Groups' },
  { href: '/tokens', label: 'Tokens' },
  { href: '/versions', label: 'Versions' },
];
const adminNav = [
  { href: '/admin/users', label: 'Users' },
  { href: '/admin/audit', label: 'Audit log' },
];

function isActive(pathname: string, href: string): boolean {
  return href === '/' ? pathname === '/' || pathname.startsWith('/agents') : pathname.startsWith(href);
}

export function Shell({ children }: { children: ReactNode }) {
  const trpc = useTRPC();
  const pathname = usePathname();
  const me = useQuery(trpc.session.me.queryOptions({}));
  const user = me.data?.user;
  // A new tab has no CSRF token in its sessionStorage; kas hands it out with the session.
  useEffect(() => {
    if (me.data?.csrfToken) setCsrfToken(me.data.csrfToken);
  }, [me.data?.csrfToken]);

  async function logout() {
    const csrf = getCsrfToken();
    await fetch('/api/v1/session', { method: 'DELETE', headers: csrf ? { 'x-csrf-token': csrf } : {} }).catch(
      () => undefined,
    );
    setCsrfToken(null);
    window.location.assign('/login');
  }

  const link = (item: { href: string; label: string }) => (
    <li key={item.href}>
      <Link
        href={item.href}
        aria-current={isActive(pathname, item.href) ? 'page' : undefined}
        className="block rounded px-2 py-1.5 text-sm text-zinc-700 hover:bg-zinc-200/60 focus-visible:outline-2 focus-visible:outline-sky-500 aria-[current=page]:bg-zinc-200 aria-[current=page]:font-medium aria-[current=page]:text-zinc-950 dark:text-zinc-300 dark:hover:bg-zinc-800 dark:aria-[current=page]:bg-zinc-800 dark:aria-[current=page]:text-white"
      >
        {item.label}
      </Link>
    </li>
  );

  return (
    <div className="flex min-h-screen">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:px-2 focus:py-1"
      >
        Skip to content
      </a>
      <nav
        aria-label="Main"
        className="hidden w-48 shrink-0 border-r border-zinc-200 bg-zinc-100/60 px-3 py-4 sm:block dark:border-zinc-800 dark:bg-zinc-900/60"
      >
        <Link href="/" className="mb-4 block px-2 text-base font-semibold tracking-tight">
          ⚓ Mooring
        </Link>
        <ul className="space-y-0.5">{nav.map(link)}</ul>
        {user?.isAdmin ? (
          <>
            <p className="mb-1 mt-5 px-2 text-xs font-medium uppercase tracking-wide text-zinc-500">Admin</p>
            <ul className="space-y-0.5">{adminNav.map(link)}</ul>
          </>
        ) : null}
      </nav>
      <div className="flex min-w-0 flex-1 flex-col">
        <header className="flex h-12 items-center justify-between border-b border-zinc-200 px-4 dark:border-zinc-800">
          <nav aria-label="Main (small screens)" className="sm:hidden">
            <ul className="flex gap-2 text-sm">{nav.slice(0, 3).map(link)}</ul>
          </nav>
          <span className="hidden sm:block" />
          <div className="flex items-center gap-3 text-sm">
            {user ? (
              <span className="text-zinc-600 dark:text-zinc-400">
                {user.name || user.username}
                {user.isAdmin ? <span className="ml-1 text-xs text-zinc-500">(admin)</span> : null}
              </span>
            ) : null}
            <button
              type="button"
              onClick={logout}
              className="rounded px-2 py-1 text-zinc-700 hover:bg-zinc-100 focus-visible:outline-2 focus-visible:outline-sky-500 dark:text-zinc-300 dark:hover:bg-zinc-800"
            >
              Log out
            </button>
          </div>
        </header>
        <main id="main" className="min-w-0 flex-1 px-4 py-4 sm:px-6">
          {children}
        </main>
      </div>
    </div>
  );
}
