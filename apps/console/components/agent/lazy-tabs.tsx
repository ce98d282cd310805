'use client';
// The tabs that parse agent configuration (the yaml parser and the config schema's zod, ~300 KB of script) load
// after the page's first content instead of before it; usePrefetchAgentTabs loads them once the agent is known, so a
// later switch — offline included — finds them already there.
import dynamic from 'next/dynamic';

const loading = () => <p className="text-sm text-zinc-600 dark:text-zinc-400">Loading…</p>;

export const loadConfigTab = () => import('./config-tab');
export const loadAccessTab = () => import('./access-tab');
export const loadReceptiveTab = () => import('./receptive-tab');

export const ConfigTab = dynamic(() => loadConfigTab().then((m) => m.ConfigTab), { loading });
export const AccessTab = dynamic(() => loadAccessTab().then((m) => m.AccessTab), { loading });
export const ReceptiveTab = dynamic(() => loadReceptiveTab().then((m) => m.ReceptiveTab), { loading });

/** Starts loading every lazy tab's script (each import runs once; later calls return the same module). */
export function preloadLazyTabs(): void {
  for (const load of [loadConfigTab, loadAccessTab, loadReceptiveTab]) void load().catch(() => undefined);
}
