'use client';
import { useEffect, useMemo, useState, useSyncExternalStore } from 'react';

import { errorMessage } from '../errors';
import { unwrapTracked, useLiveState } from '../live';
import { useTRPCClient } from '../trpc';
import { ObjectListStore, type ObjectListEvent, type ObjectListState } from './object-list-store';

export interface ObjectListQuery {
  agentId: number;
  /** `pods`, `apps/v1/deployments`, `<group>/<version>/<resource>` (never secrets). */
  resource: string;
  /** Absent: every namespace the viewer may see. */
  namespace?: string;
  labelSelector?: string;
  /** false: no subscription (e.g. the drawer is closed). */
  enabled?: boolean;
}

type StreamStatus = 'idle' | 'connecting' | 'pending' | 'error';

/**
 * One objects.watch stream, shared by every component on the page that asks for the same rows (the list, the
 * drawer's own object, a Deployment's pods): a browser opens at most six HTTP/1.1 connections to the console and
 * each stream holds one (docs/decisions.md, "The explorer lists one kind at a time"). Closed when the last user goes.
 */
class SharedWatch {
  readonly store = new ObjectListStore();
  status: StreamStatus = 'connecting';
  error: string | null = null;
  users = 0;
  private readonly statusListeners = new Set<() => void>();
  private readonly queue: ObjectListEvent[] = [];
  private frame = 0;
  private unsubscribe: (() => void) | null = null;

  constructor(
    client: ReturnType<typeof useTRPCClient>,
    input: { agentId: number; resource: string; namespace?: string; labelSelector?: string },
  ) {
    const sub = client.objects.watch.subscribe(input, {
      onData: (raw) => {
        this.queue.push(unwrapTracked<ObjectListEvent>(raw));
        // Events arriving together are applied in one animation frame: a burst repaints once.
        if (this.frame) return;
        this.frame = requestAnimationFrame(() => {
          this.frame = 0;
          this.store.apply(this.queue.splice(0));
        });
      },
      onConnectionStateChange: (state) => this.setStatus(state.state),
      onError: (error) => {
        this.error = errorMessage(error);
        this.setStatus('error');
      },
    });
    this.unsubscribe = () => sub.unsubscribe();
  }

  private setStatus(status: StreamStatus): void {
    if (status === 'pending') this.error = null;
    this.status = status;
    for (const l of this.statusListeners) l();
  }

  onStatus(listener: () => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  close(): void {
    if (this.frame) cancelAnimationFrame(this.frame);
    this.unsubscribe?.();
    this.unsubscribe = null;
  }
}

const watches = new Map<string, SharedWatch>();
/** A watch nobody uses any more lingers this long: a re-render, a tab switch and back reuse it. */
const LINGER_MS = 5_000;

const serverState: ObjectListState = { rows: [], version: 0, ready: false, health: null, access: null };
const idleStore = new ObjectListStore();

/**
 * One resource's rows, live (objects.watch): a snapshot, then deltas patched in place by uid, one repaint per
 * animation frame. Components asking for the same rows share one stream. The subscription resumes from its last
 * event id after a drop (tRPC's SSE link), and kas answers with only the differences.
 */
export function useObjectList(query: ObjectListQuery) {
  const client = useTRPCClient();
  const { agentId, resource, namespace, labelSelector, enabled = true } = query;
  const key = enabled ? JSON.stringify([agentId, resource, namespace ?? null, labelSelector ?? null]) : null;
  const [watch, setWatch] = useState<SharedWatch | null>(null);
  useEffect(() => {
    if (!key) {
      setWatch(null);
      return;
    }
    let shared = watches.get(key);
    if (!shared) {
      shared = new SharedWatch(client, {
        agentId,
        resource,
        ...(namespace ? { namespace } : {}),
        ...(labelSelector ? { labelSelector } : {}),
      });
      watches.set(key, shared);
    }
    shared.users++;
    setWatch(shared);
    const held = shared;
    return () => {
      held.users--;
      setTimeout(() => {
        if (held.users > 0 || watches.get(key) !== held) return;
        watches.delete(key);
        held.close();
      }, LINGER_MS);
    };
    // The key stands for agentId, resource, namespace and labelSelector.
  }, [key, client]);
  const store = watch?.store ?? idleStore;
  const state = useSyncExternalStore(store.subscribe, store.current, () => serverState);
  const status = useSyncExternalStore(
    (l) => watch?.onStatus(l) ?? (() => undefined),
    () => watch?.status ?? 'idle',
    () => 'idle' as const,
  );
  const error = useMemo(() => (status === 'error' ? (watch?.error ?? null) : null), [status, watch]);
  return {
    ...(watch ? state : serverState),
    store,
    liveState: useLiveState(status),
    /** Why the stream failed (kas's message names the fix), or null. */
    error,
  };
}
