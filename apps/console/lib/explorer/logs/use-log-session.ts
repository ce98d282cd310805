'use client';
import { TRPCClientError } from '@trpc/client';
import { useEffect, useMemo, useSyncExternalStore } from 'react';

import { useTRPCClient } from '../../trpc';
import { k8sErrorMessage, k8sFetch, k8sWebSocketUrl } from '../k8s-fetch';
import { fetchLogOverWebSocket } from './log-websocket';
import { LogSession, type LogQuery, type LogSessionState, type PodCheck } from './log-session';
import { podInfo, stillRunning } from './pod-containers';
import type { LogSource } from './sources';

const serverState: LogSessionState = { version: 0, length: 0, dropped: 0, statuses: [] };

/** `/api/v1/namespaces/<ns>/pods/<pod>/log?…` — always with timestamps (log-line.ts says why). */
export function podLogPath(source: LogSource, query: LogQuery): `/${string}` {
  const params = new URLSearchParams({ timestamps: 'true' });
  if (source.container) params.set('container', source.container);
  if (query.follow && !query.previous) params.set('follow', 'true');
  if (query.previous) params.set('previous', 'true');
  if (query.tailLines !== null) params.set('tailLines', String(query.tailLines));
  if (query.sinceTime) params.set('sinceTime', query.sinceTime);
  return `/api/v1/namespaces/${encodeURIComponent(source.namespace)}/pods/${encodeURIComponent(source.pod)}/log?${params}`;
}

/** One page's log session, reading `sources` through the Kubernetes proxy as the signed-in user. */
export function useLogSession(
  agentId: number,
  sources: readonly LogSource[],
  query: Omit<LogQuery, 'sinceTime'>,
) {
  const client = useTRPCClient();
  const session = useMemo(
    () =>
      new LogSession({
        fetchLog: (source, q, signal) => {
          const path = podLogPath(source, q);
          return fetchLogOverWebSocket(k8sWebSocketUrl(agentId, path), signal, {
            open: (url, protocols) => new WebSocket(url, protocols),
            fallback: (s) => k8sFetch(agentId, path, { signal: s, headers: { accept: '*/*' } }),
          });
        },
        errorMessage: k8sErrorMessage,
        async checkPod(source): Promise<PodCheck> {
          try {
            const { object } = await client.objects.get.query({
              agentId,
              resource: 'pods',
              namespace: source.namespace,
              name: source.pod,
            });
            const info = podInfo(object);
            const container = source.container || info.containers[0]?.name || '';
            if (stillRunning(info, container)) {
              const c = info.containers.find((x) => x.name === container);
              return c?.state === 'waiting'
                ? {
                    state: 'waiting',
                    message: `container is waiting: ${c.reason ?? 'not started'} — logs appear once it starts`,
                  }
                : { state: 'running' };
            }
            return {
              state: 'stopped',
              message: `the pod is ${info.deleting ? 'being deleted' : (info.phase ?? 'stopped')}; its log ends here`,
            };
          } catch (error) {
            if (error instanceof TRPCClientError && error.data?.httpStatus === 404) return { state: 'gone' };
            throw error;
          }
        },
      }),
    [agentId, client],
  );
  useEffect(() => () => session.dispose(), [session]);
  const { follow, previous, tailLines } = query;
  useEffect(() => {
    session.set(sources, { follow, previous, tailLines });
  }, [session, sources, follow, previous, tailLines]);
  const state = useSyncExternalStore(session.subscribe, session.current, () => serverState);
  return { session, state };
}
