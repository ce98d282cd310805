// The informers agentk runs for object_watch: one per configured resource (absent config → the default set), each
// with its cache. A new configuration starts the informers of added resources and stops those of removed ones; a
// changed cap restarts them all. The Watch handler finds caches here.
import { DEFAULT_MAX_OBJECTS_PER_RESOURCE } from '../../agent_configuration/shared/config-schema';
import type { KubeApiTarget } from '../../kubernetes_api/agent/index';
import { resourceId, type ResourceRef } from '../shared/resources';
import { Informer, type InformerLogger, type InformerOptions } from './informer';
import { ObjectCache } from './object-cache';
import type { CacheDirectory } from './watch-handler';

export { DEFAULT_MAX_OBJECTS_PER_RESOURCE };

export interface InformerSetOptions {
  target: KubeApiTarget;
  log?: InformerLogger;
  ringSize?: number;
  /** Passed to every informer (tests). */
  informer?: Pick<InformerOptions, 'sleep' | 'recheckMs' | 'watchTimeoutSeconds'>;
}

interface Running {
  cache: ObjectCache;
  informer: Informer;
}

export class InformerSet implements CacheDirectory {
  private readonly running = new Map<string, Running>();
  private readonly listeners = new Set<() => void>();
  private maxObjects = DEFAULT_MAX_OBJECTS_PER_RESOURCE;

  constructor(private readonly o: InformerSetOptions) {}

  cache(id: string): ObjectCache | undefined {
    return this.running.get(id)?.cache;
  }

  informer(id: string): Informer | undefined {
    return this.running.get(id)?.informer;
  }

  ids(): string[] {
    return [...this.running.keys()];
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Runs exactly the informers of `resources` with cap `maxObjects`. */
  async configure(resources: readonly ResourceRef[], maxObjects: number): Promise<void> {
    const capChanged = maxObjects !== this.maxObjects;
    this.maxObjects = maxObjects;
    const wanted = new Map(resources.map((ref) => [resourceId(ref), ref]));
    const stopping: Running[] = [];
    for (const [id, running] of this.running) {
      if (capChanged || !wanted.has(id)) {
        this.running.delete(id);
        stopping.push(running);
      }
    }
    for (const [id, ref] of wanted) {
      if (this.running.has(id)) continue;
      const cache = new ObjectCache(ref, this.o.ringSize);
      const informer = new Informer({
        target: this.o.target,
        cache,
        maxObjects,
        log: this.o.log,
        ...this.o.informer,
      });
      this.running.set(id, { cache, informer });
      informer.start();
    }
    for (const listener of [...this.listeners]) listener();
    await Promise.all(stopping.map((r) => r.informer.stop().finally(() => r.cache.close())));
  }

  async stop(): Promise<void> {
    await this.configure([], this.maxObjects);
  }

  /** Rows cached per resource (for agentk's metrics). */
  sizes(): Map<string, number> {
    return new Map([...this.running].map(([id, r]) => [id, r.cache.size]));
  }
}
