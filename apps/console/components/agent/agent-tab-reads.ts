// The agent page's tabs and what each reads, with no browser code, so the page's server half (which prefetches the
// open tab with the HTML) and the browser's prefetch (prefetch-agent-tabs.ts) share one list.

export const agentTabs = [
  { id: 'overview', label: 'Overview' },
  { id: 'activity', label: 'Activity' },
  { id: 'tokens', label: 'Tokens' },
  { id: 'configuration', label: 'Configuration' },
  { id: 'access', label: 'Access' },
  { id: 'receptive', label: 'Receptive' },
  { id: 'connect', label: 'Connect a cluster' },
] as const;
export type AgentTabId = (typeof agentTabs)[number]['id'];

/** The tab `?tab=` names (Overview when it names none we know). */
export function agentTabOf(wanted: string | null | undefined): AgentTabId {
  return agentTabs.find((t) => t.id === wanted)?.id ?? 'overview';
}

/** One query a tab reads, by name (each side maps the name to its own tRPC call with the same key). */
export type AgentTabRead = 'activity' | 'tokens' | 'install' | 'config' | 'configHistory' | 'receptive';

export const agentTabReads: Record<AgentTabId, readonly AgentTabRead[]> = {
  overview: ['activity'],
  activity: ['activity'],
  tokens: ['tokens', 'install'],
  configuration: ['config', 'configHistory'],
  access: ['config'],
  receptive: ['receptive'],
  connect: ['install', 'activity'],
};
