'use client';
import { useSearchParams } from 'next/navigation';
import type { MouseEvent, ReactNode } from 'react';

import { agentTabOf, type AgentTabId } from './agent-tab-reads';

export { agentTabs, type AgentTabId } from './agent-tab-reads';

export function agentTabHref(agentId: number, tab: AgentTabId): string {
  return `/agents/${agentId}?tab=${tab}`;
}

/** The tab `?tab=` names (Overview when it names none we know). */
export function useAgentTab(): AgentTabId {
  return agentTabOf(useSearchParams().get('tab'));
}

/**
 * Opens a tab of the agent page already open. Next's router keeps useSearchParams in step with pushState, so
 * the page re-renders from the query cache without asking the console server for the page (a Next navigation
 * would: ~0.5 s, and the browser's error page when the server is unreachable). Back and Forward follow.
 */
export function showAgentTab(agentId: number, tab: AgentTabId): void {
  window.history.pushState(null, '', agentTabHref(agentId, tab));
}

/**
 * A real link to a tab (middle-click or Ctrl+click opens it in a new browser tab); a plain click switches in
 * place. data-client-navigation tells the shell's hold-while-offline click guard that no server is needed.
 */
export function AgentTabLink({
  agentId,
  tab,
  className,
  children,
  ...aria
}: {
  agentId: number;
  tab: AgentTabId;
  className?: string;
  children: ReactNode;
  role?: 'tab';
  'aria-selected'?: boolean;
}) {
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    showAgentTab(agentId, tab);
  };
  return (
    <a
      href={agentTabHref(agentId, tab)}
      onClick={onClick}
      data-client-navigation=""
      className={className}
      {...aria}
    >
      {children}
    </a>
  );
}
