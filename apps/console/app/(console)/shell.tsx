'use client';
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { usePathname, useRouter } from 'next/navigation';
import { useEffect, useState, type ReactNode } from 'react';

import { ConnectionBanner } from '../../components/connection-banner';
import { UserMenu } from '../../components/user-menu';
import { connection } from '../../lib/connection';
import { setCsrfToken } from '../../lib/csrf';
import { useTRPC } from '../../lib/trpc';

const nav = [
  { href: '/', label: 'Clusters' },
  { href: '/explorer', label: 'Explorer' },
  { href: '/projects', label: 'Projects' },
  { href: '/groups', label: 'Groups' },
  { href: '/tokens', label: 'Tokens' },
  { href: '/versions', label: 'Versions' },
];
const adminNav = [
  { href: '/admin/users', label: 'Users' },
  { href: '/admin/audit', label: 'Audit log' },
  { href: '/admin/replicas', label: 'Replicas' },
];

function isActive(pathname: string, href: string): boolean {
  return href === '/' ? pathname === '/' || pathname.startsWith('/agents') : pathname.startsWith(href);
}

/** A click on a link this long after the console last answered first checks that it still does. */
const consoleQuietMs = 10_000;

/**
 * While the console server is gone, Next turns a click on a link into a full page load (and the browser's error
 * page). The click is held instead: the shell stays, the banner says which page opens, and it opens once the
 * server answers. When nothing came from the console for a while, a click checks first (one probe).
 */
function useHoldNavigationWhileConsoleIsGone(): string | null {
  const router = useRouter();
  const [pending, setPending] = useState<string | null>(null);
  useEffect(() => {
    const onClick = (e: MouseEvent) => {
      if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
      const anchor = (e.target as Element | null)?.closest?.('a[href]');
      if (!(anchor instanceof HTMLAnchorElement) || anchor.target || anchor.hasAttribute('download')) return;
      // A link the page handles itself (history.pushState, e.g. the agent page's tabs) needs no server.
      if (anchor.hasAttribute('data-client-navigation')) return;
      const url = new URL(anchor.href);
      if (url.origin !== window.location.origin || url.pathname.startsWith('/api/')) return;
      const href = url.pathname + url.search + url.hash;
      const down = connection.current.status === 'console-unreachable';
      if (!down && connection.heardFromConsoleWithin(consoleQuietMs)) return;
      e.preventDefault();
      void connection.checkConsole().then((answers) => {
        if (answers) router.push(href);
        else setPending(href);
      });
    };
    document.addEventListener('click', onClick, true);
    return () => document.removeEventListener('click', onClick, true);
  }, [router]);
  useEffect(() => {
    if (!pending) return;
    // The console answering is enough to open the page (which then says if kas is still missing).
    return connection.subscribe(() => {
      if (connection.current.status === 'console-unreachable') return;
      setPending(null);
      router.push(pending);
    });
  }, [pending, router]);
  return pending;
}

export function Shell({ children }: { children: ReactNode }) {
  const trpc = useTRPC();
  const pathname = usePathname();
  const me = useQuery(trpc.session.me.queryOptions({}));
  const user = me.data?.user;
  const [menuOpen, setMenuOpen] = useState(false);
  const pendingHref = useHoldNavigationWhileConsoleIsGone();
  // A new tab has no CSRF token in its sessionStorage; kas hands it out with the session.
  useEffect(() => {
    if (me.data?.csrfToken) setCsrfToken(me.data.csrfToken);
  }, [me.data?.csrfToken]);
  useEffect(() => setMenuOpen(false), [pathname]);
  useEffect(() => {
    if (!menuOpen) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') setMenuOpen(false);
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [menuOpen]);

  const link = (item: { href: string; label: string }) => (
    <li key={item.href}>
      <Link
        href={item.href}
        // The phone menu closes on any choice, the page already open included.
        onClick={() => setMenuOpen(false)}
        aria-current={isActive(pathname, item.href) ? 'page' : undefined}
        className="block rounded px-2 py-2 text-sm text-zinc-700 hover:bg-zinc-200/60 focus-visible:outline-2 focus-visible:outline-sky-500 sm:py-1.5 aria-[current=page]:bg-zinc-200 aria-[current=page]:font-medium aria-[current=page]:text-zinc-950 dark:text-zinc-300 dark:hover:bg-zinc-800 dark:aria-[current=page]:bg-zinc-800 dark:aria-[current=page]:text-white"
      >
        {item.label}
      </Link>
    </li>
  );
  const links = (
    <>
      <ul className="space-y-0.5">{nav.map(link)}</ul>
      {user?.isAdmin ? (
        <>
          <p className="mb-1 mt-5 px-2 text-xs font-medium uppercase tracking-wide text-zinc-600 dark:text-zinc-400">
            Admin
          </p>
          <ul className="space-y-0.5">{adminNav.map(link)}</ul>
        </>
      ) : null}
    </>
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
        {links}
      </nav>
      <div className="flex min-w-0 flex-1 flex-col">
        <header className="relative flex h-12 items-center justify-between gap-2 border-b border-zinc-200 px-2 sm:px-4 dark:border-zinc-800">
          <div className="flex min-w-0 items-center gap-1 sm:hidden">
            <button
              type="button"
              aria-expanded={menuOpen}
              aria-controls="phone-menu"
              onClick={() => setMenuOpen((o) => !o)}
              className="flex items-center gap-1.5 rounded px-2 py-1.5 text-sm text-zinc-700 hover:bg-zinc-100 focus-visible:outline-2 focus-visible:outline-sky-500 dark:text-zinc-300 dark:hover:bg-zinc-800"
            >
              <span aria-hidden="true" className="text-base leading-none">
                {menuOpen ? '✕' : '☰'}
              </span>
              Menu
            </button>
            <Link href="/" className="truncate px-1 text-base font-semibold tracking-tight">
              ⚓ Mooring
            </Link>
          </div>
          <span className="hidden sm:block" />
          {user ? <UserMenu user={user} /> : null}
          {menuOpen ? (
            <nav
              id="phone-menu"
              aria-label="Main"
              className="absolute inset-x-0 top-full z-30 max-h-[calc(100dvh-3rem)] overflow-y-auto border-b border-zinc-200 bg-white px-3 py-3 shadow-lg sm:hidden dark:border-zinc-800 dark:bg-zinc-950"
            >
              {links}
            </nav>
          ) : null}
        </header>
        <ConnectionBanner pendingHref={pendingHref} />
        <main id="main" className="min-w-0 flex-1 px-4 py-4 sm:px-6">
          {children}
        </main>
      </div>
    </div>
  );
}
