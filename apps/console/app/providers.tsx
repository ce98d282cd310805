'use client';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import {
  createTRPCClient,
  httpBatchStreamLink,
  httpSubscriptionLink,
  splitLink,
  TRPCClientError,
} from '@trpc/client';
import { TRPC_MAX_BATCH_SIZE } from '@mooring/modules/shared/trpc-limits';
import { useEffect, useState, type ReactNode } from 'react';

import type { AppRouter } from '../lib/app-router';
import { connection } from '../lib/connection';
import { resubscribeLink, watchConnectionLink } from '../lib/connection-links';
import { getCsrfToken } from '../lib/csrf';
import { isConnectionLoss } from '../lib/errors';
import { TRPCProvider } from '../lib/trpc';

// An UNAUTHORIZED answer to any call sends the page to login (watchConnectionLink), queries included.
function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // Live data arrives by subscription; never refetch on a timer or on focus.
        staleTime: Infinity,
        refetchOnWindowFocus: false,
        // A lost connection is the monitor's to retry (with backoff); the query refetches when kas is back.
        retry: (count, error) =>
          !isConnectionLoss(error) &&
          !(error instanceof TRPCClientError && (error.data?.httpStatus ?? 500) < 500) &&
          count < 2,
      },
    },
  });
}

export function Providers({ children }: { children: ReactNode }) {
  const [queryClient] = useState(makeQueryClient);
  const [trpcClient] = useState(() =>
    createTRPCClient<AppRouter>({
      links: [
        resubscribeLink(),
        watchConnectionLink(),
        splitLink({
          condition: (op) => op.type === 'subscription',
          // SSE through the console's streaming route; kas sends pings every 10 s and tells the client to
          // reconnect after 20 s of silence; EventSource resends Last-Event-ID so the stream resumes.
          true: httpSubscriptionLink({ url: '/api/trpc' }),
          false: httpBatchStreamLink({
            url: '/api/trpc',
            // kas refuses longer batches; the link splits a busy page's calls into several requests instead.
            maxItems: TRPC_MAX_BATCH_SIZE,
            headers: () => {
              const csrf = getCsrfToken();
              return csrf ? { 'x-csrf-token': csrf } : {};
            },
          }),
        }),
      ],
    }),
  );
  // After an outage, what failed during it loads again; data shown before it stays until then.
  useEffect(
    () =>
      connection.onRecovered(() => {
        void queryClient.refetchQueries({ type: 'active', predicate: (q) => q.state.status === 'error' });
      }),
    [queryClient],
  );
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {children}
      </TRPCProvider>
    </QueryClientProvider>
  );
}
