// Live cluster objects for the console (docs/api.md, "Objects"): objects.watch (a subscription: the object_watch
// hub's snapshot then deltas, only rows this viewer may see), objects.get (one full object through the agent as the
// viewer), objects.summary (the overview's counts) and objects.resources (what the agent watches: the explorer's
// Custom resources picker). Who may ask is who may use the agent through the Kubernetes
// API proxy (object-viewer.ts); what each viewer sees follows the agent's access_as, re-checked every 10 s.
import {
  AgentNotConnectedError,
  AgentStreamLimitError,
} from '@mooring/modules/reverse_tunnel/shared/tunnel-api';
import { AgentResponseTooLargeError, kubeErrorMessage } from '@mooring/modules/kubernetes_api/server/index';
import { impersonationFor } from '@mooring/modules/kubernetes_api/shared/impersonation';
import {
  summaryBuilder,
  SUMMARY_RESOURCES,
  VIEWER_RECHECK_MS,
  type ObjectWatchHub,
  type SummaryResource,
  type ViewerEvent,
  type ViewerScope,
} from '@mooring/modules/object_watch/server/index';
import {
  collectionPath,
  parseResourceName,
  watchedResources,
} from '@mooring/modules/object_watch/shared/resources';
import {
  isRefusedResource,
  type ObjectRow,
  resourceNameSchema,
  watchMessageSchema,
} from '@mooring/modules/object_watch/shared/watch-api';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ApiError } from '../errors';
import { defineOperation, defineSubscription, type AuthenticatedContext } from '../operation';
import {
  agentRequestsOf,
  asApiError,
  hubOf,
  scopeOf,
  viewerAccessOf,
  viewerOn,
  type ProvidedLookup,
} from '../object-viewer';
import { id } from '../views';

const k8sName = z
  .string()
  .min(1, 'must not be empty')
  .max(253, 'must be at most 253 characters')
  .regex(
    /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/,
    'must be a Kubernetes name: lower-case letters, digits, "-" and "."',
  );

const resource = resourceNameSchema
  .refine(
    (r) => !isRefusedResource(r),
    'secrets are never shown: their data never leaves the cluster this way',
  )
  .describe('pods, deployments, apps/v1/deployments or <group>/<version>/<resource> for a CRD');

const refusedSecret = () =>
  new ApiError(
    403,
    'forbidden',
    'Secrets are never shown in the console: their data never leaves the cluster this way; use kubectl through the Kubernetes API proxy if your RBAC allows it',
    'resource',
  );

/** Sent first on objects.watch: how this viewer sees the watch (the console says "you act as …"). */
const accessMessage = z.strictObject({
  type: z.literal('access'),
  actsAsAgent: z
    .boolean()
    .describe("access_as agent: you see what agentk's service account sees, not what your own RBAC allows"),
  namespaces: z
    .array(z.string())
    .nullable()
    .describe(
      'the namespaces whose objects you see (access_as user, without cluster-wide list); null: every one',
    ),
});

const watchEvent = z.discriminatedUnion('type', [...watchMessageSchema.options, accessMessage]);

/**
 * Event ids are `<scope tag>:<hub event id>`: a reconnect resumes from the hub's id only when the viewer still sees
 * exactly what it saw (same tag); after its access changed it gets a fresh snapshot, so it keeps no rows it may no
 * longer see and misses none it now may.
 */
function scopeTag(scope: ViewerScope): string {
  const seen = JSON.stringify([scope.actsAsAgent, scope.all, [...scope.namespaces].sort()]);
  return createHash('sha256').update(seen).digest('hex').slice(0, 12);
}

function resumableFrom(lastEventId: string | null | undefined, tag: string): string | undefined {
  const colon = lastEventId?.indexOf(':') ?? -1;
  if (colon < 0 || lastEventId!.slice(0, colon) !== tag) return undefined;
  return lastEventId!.slice(colon + 1) || undefined;
}

const accessView = (scope: ViewerScope): z.input<typeof accessMessage> => ({
  type: 'access',
  actsAsAgent: scope.actsAsAgent,
  namespaces: scope.all ? null : [...scope.namespaces].sort().slice(0, 1_000),
});

const lookupIn =
  (ctx: { provided: { get<T>(name: string): T | undefined } }): ProvidedLookup =>
  <T>(name: string) =>
    ctx.provided.get<T>(name);

const operationLookup = (ctx: AuthenticatedContext): ProvidedLookup => ctx.kas.provided ?? (() => undefined);

export const objectSubscriptions = {
  watch: defineSubscription({
    name: 'objects.watch',
    summary:
      "Objects of one resource on an agent's cluster, live: an access message, a snapshot (in chunks), then deltas; only objects you may see",
    input: z.strictObject({
      agentId: id,
      resource,
      namespace: k8sName.optional().describe('absent: every namespace you may see'),
      labelSelector: z
        .string()
        .max(1024, 'must be at most 1,024 characters')
        .optional()
        .describe('Kubernetes label selector, e.g. app=web,tier in (a,b)'),
      lastEventId: z.string().max(200).nullish(),
    }),
    output: watchEvent,
    /** The viewer's facts on the agent; re-run whenever its rights may have changed (memberships, config). */
    async authorize(input, ctx) {
      return viewerOn(ctx, input.agentId);
    },
    async *handler(input, ctx) {
      const lookup = lookupIn(ctx);
      const hub: ObjectWatchHub = hubOf(lookup);
      const access = viewerAccessOf(lookup);
      const target = { agentId: input.agentId, resource: input.resource, namespace: input.namespace };
      const key = {
        agentId: input.agentId,
        resource: input.resource,
        ...(input.namespace !== undefined && { namespace: input.namespace }),
        ...(input.labelSelector && { labelSelector: input.labelSelector }),
      };
      let scope = await scopeOf(access, ctx.grant(), target);
      let tag = scopeTag(scope);
      let since = resumableFrom(input.lastEventId, tag);
      yield { id: `${tag}:${since ?? ''}`, data: accessView(scope) };

      for (;;) {
        const watching = new AbortController();
        const signal = AbortSignal.any([ctx.signal, watching.signal]);
        let ended: unknown;
        let widened: ViewerScope | undefined;
        let checking = false;
        // At most every VIEWER_RECHECK_MS (answers are cached ≤ 10 s): a viewer that lost access ends here (404 when
        // it may no longer use the agent at all); one that may see more starts over with a fresh snapshot.
        const timer = setInterval(() => {
          if (checking) return;
          checking = true;
          // The facts are read again too: a saved configuration (access_as, user_access) announces no access
          // change to the stream, but changes what the proxy would do for this viewer.
          viewerOn(ctx, input.agentId)
            .then((facts) => scopeOf(access, facts, target))
            .then((next) => {
              const lost = access.lost(scope, next, target);
              if (lost) ended = new ApiError(403, 'forbidden', lost);
              else if (access.gained(scope, next)) widened = next;
              else return;
              watching.abort();
            })
            .catch((error: unknown) => {
              ended = error;
              watching.abort();
            })
            .finally(() => (checking = false));
        }, VIEWER_RECHECK_MS);
        try {
          const current = scope;
          const events: AsyncIterable<ViewerEvent> = hub.watch(key, {
            signal,
            visible: (row) => current.visible(row),
            ...(since !== undefined && { sinceEventId: since }),
          });
          for await (const event of events) {
            if (signal.aborted) break;
            const { id: eventId, ...data } = event;
            yield { id: `${tag}:${eventId}`, data };
          }
        } finally {
          clearInterval(timer);
          watching.abort();
        }
        if (ended) throw ended;
        if (ctx.signal.aborted || !widened) return;
        scope = widened;
        tag = scopeTag(scope);
        since = undefined;
        yield { id: `${tag}:`, data: accessView(scope) };
      }
    },
  }),
};

/** How long objects.summary waits for the snapshots it counts. */
export const SUMMARY_TIMEOUT_MS = 15_000;

const workloadView = z.object({
  kind: z.string(),
  namespace: z.string().nullable(),
  name: z.string(),
  ready: z.number(),
  desired: z.number(),
});

const warningView = z.object({
  namespace: z.string().nullable(),
  reason: z.string().nullable(),
  message: z.string().nullable(),
  involvedKind: z.string().nullable(),
  involvedName: z.string().nullable(),
  count: z.number(),
  lastTimestamp: z.string(),
});

/** Reads one watch's snapshot (only what the viewer sees) into `add`; a problem is returned as a message. */
async function countSnapshot(
  hub: ObjectWatchHub,
  key: { agentId: number; resource: string },
  scope: ViewerScope,
  add: (row: ObjectRow) => void,
  signal: AbortSignal,
): Promise<string | null> {
  const done = new AbortController();
  const both = AbortSignal.any([signal, done.signal]);
  try {
    for await (const event of hub.watch(key, { signal: both, visible: scope.visible })) {
      if (event.type === 'snapshot') {
        for (const row of event.rows) add(row);
        if (event.last) return null;
      } else if (event.type === 'status' && event.state !== 'ok') {
        return event.message;
      }
    }
    return signal.aborted ? `no snapshot within ${SUMMARY_TIMEOUT_MS / 1000} s` : 'the watch ended early';
  } finally {
    done.abort();
  }
}

export const objectOperations = {
  get: defineOperation({
    name: 'objects.get',
    type: 'query',
    method: 'GET',
    path: '/agents/:agentId/objects',
    summary:
      "One full object of an agent's cluster, fetched through the agent as you (the proxy's identity), without managedFields; never a Secret",
    input: z.strictObject({
      agentId: id,
      resource,
      namespace: k8sName.optional().describe('absent for cluster-scoped objects (nodes, namespaces)'),
      name: k8sName,
    }),
    output: z.object({
      object: z.record(z.string(), z.unknown()),
      actsAsAgent: z.boolean(),
    }),
    async handler(input, ctx) {
      const viewer = await viewerOn(ctx, input.agentId);
      const requests = agentRequestsOf(operationLookup(ctx));
      const parsed = parseResourceName(input.resource);
      if (!parsed.ok) throw new ApiError(400, 'bad_request', parsed.error, 'resource');
      const impersonation = impersonationFor(viewer);
      const path =
        `${collectionPath(parsed.ref, input.namespace)}/${encodeURIComponent(input.name)}` as const;
      let response;
      try {
        response = await requests.request(input.agentId, {
          method: 'GET',
          path: path as `/${string}`,
          ...(impersonation && { impersonation }),
          maxResponseBytes: 2 * 1024 * 1024,
          signal: AbortSignal.timeout(30_000),
        });
      } catch (error) {
        if (error instanceof AgentNotConnectedError) throw new ApiError(503, 'unavailable', error.message);
        if (error instanceof AgentStreamLimitError)
          throw new ApiError(429, 'too_many_requests', error.message);
        if (error instanceof AgentResponseTooLargeError)
          throw new ApiError(
            502,
            'too_large',
            `${input.name}: ${error.message}; read it with kubectl instead`,
          );
        throw asApiError(error, input.agentId);
      }
      if (response.statusCode === 404)
        throw new ApiError(404, 'not_found', `the cluster answered: ${kubeErrorMessage(response)}`);
      if (response.statusCode === 401 || response.statusCode === 403)
        throw new ApiError(403, 'forbidden', `the cluster refused: ${kubeErrorMessage(response)}`);
      if (response.statusCode !== 200)
        throw new ApiError(
          502,
          'bad_gateway',
          `the cluster answered HTTP ${response.statusCode}: ${kubeErrorMessage(response)}`,
        );
      let object: Record<string, unknown>;
      try {
        object = z.record(z.string(), z.unknown()).parse(JSON.parse(response.body.toString('utf8')));
      } catch {
        throw new ApiError(
          502,
          'bad_gateway',
          'the cluster answered with something that is not a JSON object',
        );
      }
      if (object['kind'] === 'Secret') throw refusedSecret();
      const metadata = object['metadata'];
      if (metadata && typeof metadata === 'object')
        delete (metadata as Record<string, unknown>)['managedFields'];
      return { object, actsAsAgent: impersonation === undefined };
    },
  }),

  resources: defineOperation({
    name: 'objects.resources',
    type: 'query',
    method: 'GET',
    path: '/agents/:agentId/objects/resources',
    summary:
      "The resources the agent's object_watch watches, from its live configuration (object_watch.resources; absent: the default set); CRDs are those not built in",
    input: z.strictObject({ agentId: id }),
    output: z.object({
      configVersion: z
        .number()
        .int()
        .nullable()
        .describe('the live configuration these come from; null when the agent has none'),
      configured: z
        .boolean()
        .describe(
          'false: the configuration names no object_watch.resources, so agentk watches the default set',
        ),
      resources: z.array(
        z.object({
          id: z
            .string()
            .describe('the name objects.watch takes: pods, apps/v1/deployments, example.com/v1/widgets'),
          group: z.string().describe("'' for the core group"),
          version: z.string(),
          resource: z.string().describe('the plural'),
          kind: z.string().nullable().describe('known for the default set; null for CRDs'),
          builtIn: z.boolean().describe('in the default set; false for CRDs and other additions'),
        }),
      ),
    }),
    async handler(input, ctx) {
      // Who may see the agent's objects may know which kinds it watches; the configuration itself stays Developer+.
      await viewerOn(ctx, input.agentId);
      const live = await ctx.services.agentConfigs.live(input.agentId);
      const names = live?.config.object_watch?.resources;
      return {
        configVersion: live?.version ?? null,
        configured: names !== undefined,
        resources: watchedResources(names),
      };
    },
  }),

  summary: defineOperation({
    name: 'objects.summary',
    type: 'query',
    method: 'GET',
    path: '/agents/:agentId/objects/summary',
    summary:
      "An agent's cluster at a glance: pods by phase, workloads not ready, warning events in the last hour; only from what you may see",
    input: z.strictObject({ agentId: id }),
    output: z.object({
      actsAsAgent: z.boolean(),
      pods: z.object({ total: z.number(), byPhase: z.record(z.string(), z.number()) }),
      workloadsNotReady: z.object({ total: z.number(), items: z.array(workloadView).describe('at most 20') }),
      warningEvents: z.object({ lastHour: z.number(), newest: z.array(warningView).describe('at most 20') }),
      unavailable: z
        .array(z.object({ resource: z.string(), message: z.string() }))
        .describe('resources not counted, and why (you may not list them, agentk cannot, …)'),
    }),
    async handler(input, ctx) {
      const viewer = await viewerOn(ctx, input.agentId);
      const lookup = operationLookup(ctx);
      const hub = hubOf(lookup);
      const access = viewerAccessOf(lookup);
      const builder = summaryBuilder(Date.now());
      const unavailable: { resource: string; message: string }[] = [];
      const timeout = AbortSignal.timeout(SUMMARY_TIMEOUT_MS);
      let actsAsAgent = impersonationFor(viewer) === undefined;
      await Promise.all(
        (Object.entries(SUMMARY_RESOURCES) as [SummaryResource, string][]).map(
          async ([kind, resourceName]) => {
            const target = { agentId: input.agentId, resource: resourceName };
            try {
              const scope = await scopeOf(access, viewer, target);
              actsAsAgent = scope.actsAsAgent;
              const problem = await countSnapshot(
                hub,
                target,
                scope,
                (row) => builder.add(kind, row),
                timeout,
              );
              if (problem) unavailable.push({ resource: resourceName, message: problem });
            } catch (error) {
              const apiError = asApiError(error, input.agentId);
              unavailable.push({
                resource: resourceName,
                message: apiError instanceof Error ? apiError.message : String(apiError),
              });
            }
          },
        ),
      );
      return { actsAsAgent, ...builder.result(), unavailable };
    },
  }),
};
