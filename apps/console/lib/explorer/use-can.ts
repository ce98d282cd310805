'use client';
// May the signed-in user do this in the cluster? Asked of the cluster itself with a SelfSubjectAccessReview through
// kas's proxy as the user, so the answer is the user's own RBAC, never a second copy of it in the console. One review
// per (agent, kind, namespace, verb) for the page: the name of the object is not part of the question, so a list of
// a thousand pods asks "may I delete pods here?" once.
import { useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';

import { k8sErrorMessage, k8sFetch } from './k8s-fetch';

export interface CanQuestion {
  verb: 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';
  /** '' for the core group. */
  group: string;
  resource: string;
  subresource?: string;
  namespace: string;
}

export type CanAnswer = 'allowed' | 'denied' | 'unknown';

/** A page asks few distinct questions; past this many, the least recently used answers are forgotten. */
export const MAX_CACHED_REVIEWS = 200;
/** RBAC rarely changes while a page is open; a reload asks again. */
const STALE_MS = 5 * 60_000;

const REVIEWS_PATH = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews';

export function canQueryKey(agentId: number, q: CanQuestion) {
  return ['k8s-can', agentId, q.group, q.resource, q.subresource ?? '', q.namespace, q.verb] as const;
}

interface ReviewAnswer {
  status?: { allowed?: boolean; denied?: boolean; reason?: string; evaluationError?: string };
}

/** The cluster's answer to one question; throws with the cluster's (or kas's) message when it could not answer. */
export async function askCan(agentId: number, q: CanQuestion, signal?: AbortSignal): Promise<boolean> {
  const response = await k8sFetch(agentId, REVIEWS_PATH, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec: {
        resourceAttributes: {
          verb: q.verb,
          group: q.group,
          resource: q.resource,
          ...(q.subresource ? { subresource: q.subresource } : {}),
          namespace: q.namespace,
        },
      },
    }),
    ...(signal ? { signal } : {}),
  });
  if (!response.ok) throw new Error(await k8sErrorMessage(response));
  const review = (await response.json()) as ReviewAnswer;
  return review.status?.allowed === true;
}

function forgetOldest(client: QueryClient): void {
  const queries = client.getQueryCache().findAll({ queryKey: ['k8s-can'] });
  if (queries.length <= MAX_CACHED_REVIEWS) return;
  queries
    .filter((query) => query.getObserversCount() === 0)
    .sort((a, b) => a.state.dataUpdatedAt - b.state.dataUpdatedAt)
    .slice(0, queries.length - MAX_CACHED_REVIEWS)
    .forEach((query) => client.getQueryCache().remove(query));
}

/**
 * 'allowed' or 'denied' once the cluster answered; 'unknown' while asking or when it could not answer (`error` says
 * why). Callers offer an action only on 'allowed'.
 */
export function useCan(
  agentId: number,
  question: CanQuestion & { name?: string },
  options: { enabled?: boolean } = {},
): { answer: CanAnswer; error: string | null } {
  const client = useQueryClient();
  const { name: _name, ...q } = question;
  const query = useQuery({
    queryKey: canQueryKey(agentId, q),
    queryFn: ({ signal }) => {
      forgetOldest(client);
      return askCan(agentId, q, signal);
    },
    enabled: (options.enabled ?? true) && q.namespace !== '',
    staleTime: STALE_MS,
    gcTime: STALE_MS,
    retry: 1,
    refetchOnWindowFocus: false,
  });
  if (query.data === true) return { answer: 'allowed', error: null };
  if (query.data === false) return { answer: 'denied', error: null };
  return { answer: 'unknown', error: query.error ? query.error.message : null };
}
