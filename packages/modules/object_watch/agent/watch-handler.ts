// ObjectWatch.Watch through the tunnel: one request (resource, namespace, selectors, sinceVersion), then, from the
// resource's cache, a snapshot in chunks (or `resumed` when the cache still covers sinceVersion) and the deltas
// that pass the filters, batched. Every send awaits the tunnel (backpressure); changes wait in a bounded queue
// meanwhile, and a watcher that falls further behind gets a fresh snapshot instead of unbounded memory.
import type { IncomingCall, TunnelHandler } from '../../reverse_tunnel/shared/tunnel-api';
import { GrpcStatus } from '../../shared/grpc-status';
import { matchesFields, parseFieldSelector, type FieldSelector } from '../shared/field-selector';
import { matchesLabels, parseLabelSelector, type LabelSelector } from '../shared/label-selector';
import { parseResourceName, resourceId, type ResourceRef } from '../shared/resources';
import {
  DELTA_BATCH_MAX,
  decodeWatchMessage,
  encodeWatchMessage,
  SNAPSHOT_CHUNK_ROWS,
  watchRequestSchema,
  type Delta,
  type ObjectRow,
  type WatchMessage,
  type WatchRequest,
} from '../shared/watch-api';
import type { CacheChange, CacheEvent, ObjectCache } from './object-cache';

/** Changes a watcher may have waiting; past it, they are dropped and the watcher gets a fresh snapshot. */
export const DEFAULT_MAX_PENDING_CHANGES = 20_000;

/** Where the handler finds a resource's cache; `changed` fires when the configured set changes. */
export interface CacheDirectory {
  cache(id: string): ObjectCache | undefined;
  onChange(listener: () => void): () => void;
}

export interface WatchHandlerOptions {
  caches: CacheDirectory;
  maxPendingChanges?: number;
}

export function watchHandler(options: WatchHandlerOptions): TunnelHandler {
  return async (call) => {
    const request = await readRequest(call);
    if (!request) return;
    const parsed = parseResourceName(request.resource);
    if (!parsed.ok)
      return call.fail({ code: GrpcStatus.INVALID_ARGUMENT, message: `resource: ${parsed.error}` });
    const filter = makeFilter(request, parsed.ref);
    if (typeof filter === 'string') return call.fail({ code: GrpcStatus.INVALID_ARGUMENT, message: filter });
    try {
      await serve(call, options, request, resourceId(parsed.ref), filter);
    } catch (error) {
      // kas went away while a message was being sent: nothing left to tell it.
      if (call.signal.aborted) return;
      throw error;
    }
    call.finish({});
  };
}

async function readRequest(call: IncomingCall): Promise<WatchRequest | null> {
  const messages = call.messages[Symbol.asyncIterator]();
  const first = await messages.next().catch(() => ({ done: true as const, value: undefined }));
  if (first.done) {
    call.fail({ code: GrpcStatus.INVALID_ARGUMENT, message: 'ObjectWatch.Watch: send one request message' });
    return null;
  }
  try {
    return decodeWatchMessage(watchRequestSchema, first.value);
  } catch (error) {
    call.fail({ code: GrpcStatus.INVALID_ARGUMENT, message: (error as Error).message });
    return null;
  }
}

type RowFilter = (row: ObjectRow) => boolean;

function makeFilter(request: WatchRequest, ref: ResourceRef): RowFilter | string {
  let labels: LabelSelector = [];
  let fields: FieldSelector = [];
  if (request.labelSelector) {
    const parsed = parseLabelSelector(request.labelSelector);
    if (!parsed.ok) return `labelSelector: ${parsed.error}`;
    labels = parsed.selector;
  }
  if (request.fieldSelector) {
    const parsed = parseFieldSelector(request.fieldSelector, ref);
    if (!parsed.ok) return `fieldSelector: ${parsed.error}`;
    fields = parsed.selector;
  }
  const namespace = request.namespace;
  // A namespace narrows namespaced resources to it; of the namespaces themselves it selects the one of that name.
  const inNamespace: RowFilter =
    namespace === undefined
      ? () => true
      : ref.group === '' && ref.resource === 'namespaces'
        ? (row) => row.name === namespace
        : (row) => row.namespace === namespace;
  return (row) => inNamespace(row) && matchesLabels(labels, row.labels) && matchesFields(fields, row, ref);
}

/** Waits for the next wake-up or the call's end. */
class Wakeup {
  private resolve: (() => void) | null = null;
  private pending = false;
  wake(): void {
    this.pending = true;
    this.resolve?.();
  }
  async wait(signal: AbortSignal): Promise<void> {
    if (this.pending || signal.aborted) {
      this.pending = false;
      return;
    }
    await new Promise<void>((resolve) => {
      const done = () => {
        signal.removeEventListener('abort', done);
        this.resolve = null;
        resolve();
      };
      this.resolve = done;
      signal.addEventListener('abort', done, { once: true });
    });
    this.pending = false;
  }
}

async function serve(
  call: IncomingCall,
  options: WatchHandlerOptions,
  request: WatchRequest,
  id: string,
  filter: RowFilter,
): Promise<void> {
  const { signal } = call;
  const maxPending = options.maxPendingChanges ?? DEFAULT_MAX_PENDING_CHANGES;
  const wakeup = new Wakeup();
  const stopDirectory = options.caches.onChange(() => wakeup.wake());
  const send = (message: WatchMessage) => call.sendMessage(encodeWatchMessage(message));
  let sinceVersion = request.sinceVersion;
  let lastStatus = '';
  try {
    while (!signal.aborted) {
      const cache = options.caches.cache(id);
      if (!cache) {
        const status = `not_watched:${id}`;
        if (lastStatus !== status) {
          lastStatus = status;
          await send({
            type: 'status',
            state: 'not_watched',
            message: `${id} is not watched by this agent; add it to object_watch.resources in the agent's configuration`,
          });
        }
        await wakeup.wait(signal);
        continue;
      }
      // Subscribed before anything is read, so no change falls between the snapshot and the deltas.
      const pending: CacheChange[] = [];
      let needSnapshot = true;
      const unsubscribe = cache.subscribe((event: CacheEvent) => {
        if (event.type === 'changes') {
          if (!needSnapshot) {
            for (const change of event.changes) pending.push(change);
            if (pending.length > maxPending) {
              pending.length = 0;
              needSnapshot = true;
            }
          }
        } else if (event.type === 'reset') {
          pending.length = 0;
          needSnapshot = true;
        }
        wakeup.wake();
      });
      try {
        while (!signal.aborted && options.caches.cache(id) === cache) {
          const status = JSON.stringify([cache.status, cache.info]);
          const settled = cache.synced || cache.status.state !== 'ok';
          if (settled && status !== lastStatus) {
            lastStatus = status;
            await send({
              type: 'status',
              state: cache.status.state,
              message: cache.status.message,
              ...(cache.info ? { kind: cache.info.kind, namespaced: cache.info.namespaced } : {}),
            });
            continue;
          }
          if (needSnapshot && settled) {
            // Taken and switched to deltas synchronously: a change arriving while the chunks are sent is queued.
            needSnapshot = false;
            const resumed = sinceVersion !== undefined ? cache.since(sinceVersion) : null;
            const from = sinceVersion;
            sinceVersion = undefined;
            if (resumed && from !== undefined && resumed.length <= maxPending) {
              pending.splice(0, pending.length, ...resumed);
              await send({ type: 'resumed', version: from });
            } else {
              const rows = [...cache.rows()].filter(filter);
              const version = cache.version;
              pending.length = 0;
              await sendSnapshot(send, rows, version);
            }
            continue;
          }
          if (!needSnapshot && pending.length > 0) {
            const batch = pending.splice(0, DELTA_BATCH_MAX);
            const deltas = batch.map((c) => filtered(c, filter)).filter((d): d is Delta => d !== null);
            if (deltas.length > 0)
              await send({ type: 'deltas', deltas, version: cache.versionAt(batch.at(-1)!.seq) });
            continue;
          }
          await wakeup.wait(signal);
        }
      } finally {
        unsubscribe();
      }
    }
  } finally {
    stopDirectory();
  }
}

async function sendSnapshot(
  send: (message: WatchMessage) => Promise<void>,
  rows: ObjectRow[],
  version: string,
): Promise<void> {
  if (rows.length === 0) return send({ type: 'snapshot', rows: [], last: true, version });
  for (let i = 0; i < rows.length; i += SNAPSHOT_CHUNK_ROWS) {
    const last = i + SNAPSHOT_CHUNK_ROWS >= rows.length;
    await send({
      type: 'snapshot',
      rows: rows.slice(i, i + SNAPSHOT_CHUNK_ROWS),
      last,
      ...(last ? { version } : {}),
    });
  }
}

/** A change as this watcher sees it: a row entering its filter is added, one leaving it deleted. */
function filtered(change: CacheChange, filter: RowFilter): Delta | null {
  const now = filter(change.delta.row);
  const before = change.previous !== undefined && filter(change.previous);
  if (change.delta.type === 'deleted') return before ? change.delta : null;
  if (before && now) return { type: 'modified', row: change.delta.row };
  if (now) return { type: 'added', row: change.delta.row };
  if (before) return { type: 'deleted', row: change.delta.row };
  return null;
}
