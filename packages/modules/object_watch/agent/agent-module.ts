// object_watch as an agentk module: the informers of the configured resources (object_watch.resources, absent →
// the default set) and ObjectWatch.Watch through the tunnel, answered from their caches.
import type { Logger } from 'pino';
import { Gauge } from 'prom-client';
import { objectWatchSchema } from '../../agent_configuration/shared/config-schema';
import { kubeApiTargetFromKubeConfig, type KubeApiTarget } from '../../kubernetes_api/agent/index';
import type { AgentConfiguration, AgentModule } from '../../modagent/index';
import { configuredResources } from '../shared/resources';
import { OBJECT_WATCH_WATCH } from '../shared/watch-api';
import { DEFAULT_MAX_OBJECTS_PER_RESOURCE, InformerSet } from './informer-set';
import { watchHandler } from './watch-handler';

export interface ObjectWatchAgentModule extends AgentModule {
  readonly name: 'object_watch';
  /** The running informers (null before start or without a cluster). */
  informers(): InformerSet | null;
}

export function createObjectWatchAgentModule(): ObjectWatchAgentModule {
  let target: KubeApiTarget | null = null;
  let informers: InformerSet | null = null;
  let log: Logger | null = null;
  // Configurations apply one after the other, in the order they arrived.
  let applying: Promise<void> = Promise.resolve();
  return {
    name: 'object_watch',
    informers: () => informers,
    async start(ctx) {
      // Tests of the tunnel alone run without a cluster.
      if (!ctx.kubeConfig) return;
      log = ctx.logger.child({ module: 'object_watch' });
      target = await kubeApiTargetFromKubeConfig(ctx.kubeConfig);
      const set = new InformerSet({ target, log });
      informers = set;
      ctx.registerTunnelHandler(OBJECT_WATCH_WATCH, watchHandler({ caches: set }));
      new Gauge({
        name: 'mooring_agentk_object_watch_objects',
        help: 'Rows object_watch holds, by resource',
        labelNames: ['resource'],
        registers: [ctx.metrics],
        collect() {
          this.reset();
          for (const [resource, size] of set.sizes()) this.set({ resource }, size);
        },
      });
    },
    onConfiguration(config: AgentConfiguration) {
      const set = informers;
      if (!set) return;
      const parsed = objectWatchSchema.optional().safeParse(config.config['object_watch']);
      // kas validated the configuration when it was saved; an agentk older than its schema keeps the defaults.
      const section = parsed.success ? parsed.data : undefined;
      const { resources, errors } = configuredResources(section?.resources);
      for (const error of errors) log?.warn({ version: config.version }, error);
      const cap = section?.max_objects_per_resource ?? DEFAULT_MAX_OBJECTS_PER_RESOURCE;
      applying = applying
        .then(() => set.configure(resources, cap))
        .catch((error: unknown) => {
          log?.warn({ err: error }, 'object_watch: applying the configuration failed');
        });
      return applying;
    },
    async stop() {
      await applying;
      await informers?.stop();
      target?.close();
    },
  };
}
