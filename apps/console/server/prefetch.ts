// Data for the first HTML: a server component asks kas for what a page shows first, as the browser's session, and
// hands it to the page's queries (HydrationBoundary), so the header is in the HTML instead of waiting for the
// scripts to start and ask (~100–200 ms on the agent page). Why, and the figures: docs/decisions.md, "The agent page's
// header comes with the HTML".
import { dehydrate, QueryClient, type DehydratedState } from '@tanstack/react-query';
import { createTRPCClient, httpBatchLink } from '@trpc/client';
import { createTRPCOptionsProxy, type TRPCOptionsProxy } from '@trpc/tanstack-react-query';
import { headers } from 'next/headers';

import type { AppRouter } from '../lib/app-router';
import { TRPC_MAX_BATCH_SIZE } from '@mooring/modules/shared/trpc-limits';
import { CLIENT_ADDRESS_HEADER, clientAddressOf } from './client-address';
import { kasUrl } from './kas-proxy';

/** kas answers on loopback in a few ms; past this the page renders without and the browser asks as before. */
const PREFETCH_BUDGET_MS = 150;

/**
 * Runs the prefetches `start` begins (`queryClient.prefetchQuery(trpc.x.queryOptions(…))`) against kas with the
 * request's cookies, within PREFETCH_BUDGET_MS, and returns what answered (failures and late answers are left out:
 * the browser's own query then runs, with its usual errors).
 */
export async function prefetchForPage(
  start: (trpc: TRPCOptionsProxy<AppRouter>, queryClient: QueryClient) => Promise<void>[],
): Promise<DehydratedState> {
  const incoming = await headers();
  const cookie = incoming.get('cookie');
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity } } });
  if (!cookie) return dehydrate(queryClient);
  const address = clientAddressOf(incoming);
  const client = createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: `${kasUrl()}/trpc`,
        maxItems: TRPC_MAX_BATCH_SIZE,
        headers: () => ({ cookie, ...(address ? { [CLIENT_ADDRESS_HEADER]: address } : {}) }),
        fetch: (url, init) => fetch(url, { ...init, signal: AbortSignal.timeout(PREFETCH_BUDGET_MS) }),
      }),
    ],
  });
  const trpc = createTRPCOptionsProxy<AppRouter>({ client, queryClient });
  await Promise.allSettled(start(trpc, queryClient));
  return dehydrate(queryClient);
}
