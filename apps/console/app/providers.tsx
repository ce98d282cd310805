'use client';
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import {
  createTRPCClient,
  httpBatchStreamLink,
  httpSubscriptionLink,
  splitLink,
  TRPCClientError,
} from '@trpc/client';
import { TRPC_MAX_BATCH_SIZE } from '@mooring/modules/shared/trpc-limits';
import { useState, type ReactNode } from 'react';

import type { AppRouter } from '../lib/app-router';
import { getCsrfToken } from '../lib/csrf';
import { isUnauthorized, redirectToLogin } from '../lib/errors';
import { TRPCProvider } from '../lib/trpc';

function makeQueryClient(): QueryClient {
  const onError = (error: unknown) => {
    // Session expired or logged out elsewhere: go to login and come back to this page after.
    if (isUnauthorized(error)) redirectToLogin();
  };
  return new QueryClient({
    queryCache: new QueryCache({ onError }),
    mutationCache: new MutationCache({ onError }),
    defaultOptions: {
      queries: {
        // Live data arrives by subscription; never refetch on a timer or on focus.
        staleTime: Infinity,
        refetchOnWindowFocus: false,
        retry: (count, error) =>
          !(error instanceof TRPCClientError && (error.data?.httpStatus ?? 500) < 500) && count < 2,
      },
    },
  });
}

export function Providers({ children }: { children: ReactNode }) {
  const [queryClient] = useState(makeQueryClient);
  const [trpcClient] = useState(() =>
    createTRPCClient<AppRouter>({
      links: [
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
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {children}
      </TRPCProvider>
    </QueryClientProvider>
  );
}
