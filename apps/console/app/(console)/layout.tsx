import { HydrationBoundary } from '@tanstack/react-query';
import type { ReactNode } from 'react';

import { prefetchForPage } from '../../server/prefetch';
import { Shell } from './shell';

// The session (user menu, admin links) comes with the first HTML; client-side navigations keep the layout.
export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const state = await prefetchForPage((trpc, queryClient) => [
    queryClient.prefetchQuery(trpc.session.me.queryOptions({})),
  ]);
  return (
    <HydrationBoundary state={state}>
      <Shell>{children}</Shell>
    </HydrationBoundary>
  );
}
