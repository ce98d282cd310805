// One resource's informer: discovery (group/version/plural → kind, scope), a paginated LIST trimmed to rows page by
// page, then a WATCH from the list's resourceVersion with bookmarks; a 410 Gone relists (the cache emits only the
// differences). Failures retry with the shared backoff and are reported on the cache's status, never thrown:
// one resource agentk may not list does not stop the others. Over the cap, the rows are dropped and the resource
// waits before it looks again.
import { z } from 'zod';
import type { KubeApiTarget } from '../../kubernetes_api/agent/index';
import { Backoff } from '../../shared/backoff';
import { describeError } from '../../shared/streams';
import {
  collectionPath,
  discoveryPath,
  isMetadataOnly,
  resourceId,
  type ResourceRef,
} from '../shared/resources';
import { projectRow } from '../shared/rows';
import type { ObjectRow } from '../shared/watch-api';
import { getJson, KubeHttpError, watchLines } from './kube-http';
import type { ObjectCache, ResourceInfo } from './object-cache';

export const LIST_PAGE_LIMIT = 500;
/** An unknown resource (a CRD not installed yet) or one over the cap is looked at again this often. */
export const RECHECK_MS = 30_000;
/** Asked of the API server per watch, so a watch that silently died is replaced within this (plus jitter). */
const WATCH_TIMEOUT_SECONDS = 300;

const PARTIAL_LIST = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1';
const PARTIAL_OBJECT = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1';

const apiResourceListSchema = z.looseObject({
  resources: z
    .array(z.looseObject({ name: z.string().max(300), kind: z.string().max(100), namespaced: z.boolean() }))
    .max(10_000),
});

const listSchema = z.looseObject({
  metadata: z.looseObject({
    resourceVersion: z.string().max(100).optional(),
    continue: z.string().max(10_000).optional(),
    remainingItemCount: z.number().int().optional(),
  }),
  items: z.array(z.unknown()).nullable(),
});

const watchEventSchema = z.looseObject({
  type: z.enum(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR']),
  object: z.unknown(),
});

const errorStatusSchema = z.looseObject({
  code: z.number().optional(),
  message: z.string().max(4000).optional(),
});
const bookmarkSchema = z.looseObject({ metadata: z.looseObject({ resourceVersion: z.string().max(100) }) });

export interface InformerLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface InformerOptions {
  target: KubeApiTarget;
  cache: ObjectCache;
  maxObjects: number;
  log?: InformerLogger;
  backoff?: Backoff;
  /** Waits `ms` or until `signal` aborts (tests pass a faster one). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  recheckMs?: number;
  /** Asked of the API server per watch (default 300 s); the informer watches again from where it was. */
  watchTimeoutSeconds?: number;
}

/** Resolves a resource's kind and scope from the API server's discovery; null when the group version has no such resource. */
export async function discover(
  target: KubeApiTarget,
  ref: ResourceRef,
  signal: AbortSignal,
): Promise<ResourceInfo | null> {
  let body: unknown;
  try {
    body = await getJson(target, discoveryPath(ref), { signal });
  } catch (error) {
    if (error instanceof KubeHttpError && error.status === 404) return null;
    throw error;
  }
  const parsed = apiResourceListSchema.safeParse(body);
  if (!parsed.success) throw new Error(`discovery of ${discoveryPath(ref)}: not an APIResourceList`);
  const found = parsed.data.resources.find((r) => r.name === ref.resource);
  return found ? { kind: found.kind, namespaced: found.namespaced } : null;
}

class Gone extends Error {}
class TooMany extends Error {
  constructor(readonly count: number) {
    super(`too many objects (${count})`);
  }
}

export function tooManyMessage(id: string, count: number, cap: number): string {
  return (
    `too many objects (${count} > ${cap}), narrow object_watch: ${id} has more objects than ` +
    `object_watch.max_objects_per_resource allows; raise it or remove ${id} from object_watch.resources`
  );
}

export function forbiddenMessage(id: string): string {
  return `agentk cannot list ${id}; grant list/watch on ${id} to agentk's service account`;
}

export class Informer {
  private readonly abort = new AbortController();
  private readonly backoff: Backoff;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  private readonly id: string;
  private running: Promise<void> | null = null;
  /** Completed LISTs (tests wait on relists). */
  lists = 0;

  constructor(private readonly o: InformerOptions) {
    this.backoff = o.backoff ?? new Backoff();
    this.sleep = o.sleep ?? abortableSleep;
    this.id = resourceId(o.cache.ref);
  }

  start(): void {
    this.running ??= this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
  }

  private get signal(): AbortSignal {
    return this.abort.signal;
  }

  private async run(): Promise<void> {
    const { cache } = this.o;
    while (!this.signal.aborted) {
      try {
        const info = await discover(this.o.target, cache.ref, this.signal);
        if (!info) {
          if (cache.synced || cache.size > 0) cache.drop('unknown_resource', this.unknownMessage());
          else cache.setStatus('unknown_resource', this.unknownMessage());
          await this.sleep(this.o.recheckMs ?? RECHECK_MS, this.signal);
          continue;
        }
        cache.setInfo(info);
        let resourceVersion = await this.list();
        for (;;) {
          resourceVersion = await this.watch(resourceVersion);
          this.backoff.reset();
        }
      } catch (error) {
        if (this.signal.aborted) return;
        if (error instanceof Gone) continue;
        if (error instanceof TooMany) {
          const message = tooManyMessage(this.id, error.count, this.o.maxObjects);
          this.o.log?.warn({ resource: this.id, count: error.count }, message);
          cache.drop('too_many', message);
          await this.sleep(this.o.recheckMs ?? RECHECK_MS, this.signal);
          continue;
        }
        this.report(error);
        await this.sleep(this.backoff.nextDelayMs(), this.signal);
      }
    }
  }

  private unknownMessage(): string {
    return (
      `the API server does not know ${this.id}; check the name in object_watch.resources ` +
      `(a CRD must be installed; agentk looks again every ${Math.round((this.o.recheckMs ?? RECHECK_MS) / 1000)} s)`
    );
  }

  private report(error: unknown): void {
    const { cache } = this.o;
    if (error instanceof KubeHttpError && (error.status === 403 || error.status === 401)) {
      cache.setStatus('forbidden', forbiddenMessage(this.id));
    } else if (error instanceof KubeHttpError && error.status === 404) {
      cache.setStatus('unknown_resource', this.unknownMessage());
    } else {
      cache.setStatus(
        'error',
        `watching ${this.id} failed: ${describeError(error).slice(0, 500)}; agentk retries`,
      );
    }
    this.o.log?.warn({ resource: this.id, err: describeError(error) }, cache.status.message);
  }

  private accept(list: boolean): string {
    if (!isMetadataOnly(this.o.cache.ref)) return 'application/json';
    return list ? PARTIAL_LIST : PARTIAL_OBJECT;
  }

  /** Lists every page, keeping rows only; returns the list's resourceVersion. */
  private async list(): Promise<string> {
    const { cache, maxObjects } = this.o;
    const rows: ObjectRow[] = [];
    let continueToken: string | undefined;
    let resourceVersion = '';
    do {
      const query = new URLSearchParams({ limit: String(LIST_PAGE_LIMIT) });
      if (continueToken) query.set('continue', continueToken);
      let body: unknown;
      try {
        body = await getJson(this.o.target, `${collectionPath(cache.ref)}?${query}`, {
          accept: this.accept(true),
          signal: this.signal,
        });
      } catch (error) {
        // The continue token expired mid-list: start over.
        if (error instanceof KubeHttpError && error.status === 410) throw new Gone();
        throw error;
      }
      const page = listSchema.safeParse(body);
      if (!page.success) throw new Error(`LIST ${this.id}: the answer is not a list`);
      for (const item of page.data.items ?? []) {
        const row = projectRow(cache.ref, item);
        if (row) rows.push(row);
      }
      if (rows.length > maxObjects)
        throw new TooMany(rows.length + (page.data.metadata.remainingItemCount ?? 0));
      continueToken = page.data.metadata.continue || undefined;
      resourceVersion = page.data.metadata.resourceVersion ?? resourceVersion;
    } while (continueToken);
    cache.setStatus('ok', '');
    cache.replaceAll(rows);
    this.lists++;
    return resourceVersion;
  }

  /** Watches from `resourceVersion` until the server ends the watch; returns the newest resourceVersion seen. */
  private async watch(resourceVersion: string): Promise<string> {
    const { cache, maxObjects } = this.o;
    const query = new URLSearchParams({
      watch: '1',
      allowWatchBookmarks: 'true',
      resourceVersion,
      timeoutSeconds: String(this.o.watchTimeoutSeconds ?? WATCH_TIMEOUT_SECONDS),
    });
    let rv = resourceVersion;
    try {
      for await (const line of watchLines(this.o.target, `${collectionPath(cache.ref)}?${query}`, {
        accept: this.accept(false),
        signal: this.signal,
      })) {
        const event = watchEventSchema.safeParse(line);
        if (!event.success) throw new Error(`WATCH ${this.id}: an event is not a watch event`);
        const { type, object } = event.data;
        if (type === 'ERROR') {
          const status = errorStatusSchema.safeParse(object);
          const code = status.success ? status.data.code : undefined;
          if (code === 410) throw new Gone();
          throw new KubeHttpError(code ?? 500, (status.success && status.data.message) || 'watch error');
        }
        if (type === 'BOOKMARK') {
          const bookmark = bookmarkSchema.safeParse(object);
          if (bookmark.success) rv = bookmark.data.metadata.resourceVersion;
          continue;
        }
        const row = projectRow(cache.ref, object);
        if (!row) continue;
        if (type !== 'DELETED' && !cache.get(row.uid) && cache.size >= maxObjects)
          throw new TooMany(cache.size + 1);
        cache.apply(type === 'DELETED' ? 'deleted' : type === 'ADDED' ? 'added' : 'modified', row);
        if (row.resourceVersion) rv = row.resourceVersion;
      }
    } catch (error) {
      if (error instanceof KubeHttpError && error.status === 410) throw new Gone();
      throw error;
    }
    return rv;
  }
}

export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
