import type { Metadata } from 'next';
import Link from 'next/link';

export const metadata: Metadata = { title: 'Page not found · Mooring' };

/** Any URL the console does not serve; says so and offers the way back instead of the framework's default. */
export default function NotFound() {
  return (
    <main className="mx-auto max-w-lg space-y-4 px-4 py-16">
      <p className="text-sm font-medium text-zinc-600 dark:text-zinc-300">404</p>
      <h1 className="text-xl font-semibold tracking-tight">This page does not exist</h1>
      <p className="text-sm text-zinc-700 dark:text-zinc-300">
        The address may be mistyped, or what it pointed to was deleted or renamed. Agents, projects and groups
        keep their pages under their ids, e.g. <code>/agents/3</code>.
      </p>
      <nav aria-label="Where to go" className="flex flex-wrap gap-3 text-sm">
        <Link href="/" className="font-medium text-sky-700 underline dark:text-sky-400">
          Clusters
        </Link>
        <Link href="/projects" className="font-medium text-sky-700 underline dark:text-sky-400">
          Projects
        </Link>
        <Link href="/groups" className="font-medium text-sky-700 underline dark:text-sky-400">
          Groups
        </Link>
      </nav>
    </main>
  );
}
