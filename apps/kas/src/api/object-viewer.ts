// What the objects.* operations share: who the viewer is on the agent (the proxy's facts, from the agent-access
// service: the same rule decides who may use the agent through the proxy and who may see its objects), what it may
// see (object_watch/server/viewer-access.ts), and the running parts modules provided (hub, requests through agents).
import {
  AGENT_KUBE_REQUESTS,
  type AgentKubeRequests,
  type AuthorizedUser,
} from '@mooring/modules/kubernetes_api/server/index';
import {
  createViewerAccess,
  namespaceLister,
  OBJECT_WATCH_HUB,
  OBJECT_WATCH_METRICS,
  subjectAccessReviewer,
  ViewerForbiddenError,
  type ObjectWatchHub,
  type ObjectWatchMetrics,
  type ViewerAccess,
  type ViewerScope,
  type WatchTarget,
} from '@mooring/modules/object_watch/server/index';
import { ApiError } from './errors';
import type { AuthenticatedContext } from './operation';

/** Looks up a value a module provided at start. */
export type ProvidedLookup = <T>(name: string) => T | undefined;

export const agentNotReachable = (agentId: number) =>
  new ApiError(
    404,
    'not_found',
    `agent ${agentId} does not exist or is not shared with you: you see its objects when you may use it through the Kubernetes API proxy (Developer of its project, or of a project or group its user_access lists)`,
  );

/** The viewer's facts on the agent (access_as, roles), as the proxy resolves them; 404 when it may not use it. */
export async function viewerOn(ctx: AuthenticatedContext, agentId: number): Promise<AuthorizedUser> {
  const accessType = ctx.principal.kind === 'session' ? 'session_cookie' : 'personal_access_token';
  const facts = await ctx.services.agentAccess.forUser(ctx.user, agentId, accessType);
  if (!facts) throw agentNotReachable(agentId);
  return facts;
}

export function agentRequestsOf(lookup: ProvidedLookup): AgentKubeRequests {
  const requests = lookup<AgentKubeRequests>(AGENT_KUBE_REQUESTS);
  if (!requests)
    throw new ApiError(
      503,
      'unavailable',
      'this kas runs without the Kubernetes API proxy (kubernetes_api module), so it cannot reach agents for objects; start kas with its default modules',
    );
  return requests;
}

export function hubOf(lookup: ProvidedLookup): ObjectWatchHub {
  const hub = lookup<ObjectWatchHub>(OBJECT_WATCH_HUB);
  if (!hub)
    throw new ApiError(
      503,
      'unavailable',
      'this kas runs without the object_watch module, so there are no live objects; start kas with its default modules',
    );
  return hub;
}

// One viewer access (and so one answer cache) per kas: keyed by the requests object its kubernetes_api provided.
const accessByRequests = new WeakMap<AgentKubeRequests, ViewerAccess>();

export function viewerAccessOf(lookup: ProvidedLookup): ViewerAccess {
  const requests = agentRequestsOf(lookup);
  let access = accessByRequests.get(requests);
  if (!access) {
    access = createViewerAccess({
      review: subjectAccessReviewer(requests),
      listNamespaces: namespaceLister(requests),
      onReview: (cached) => {
        const metrics = lookup<ObjectWatchMetrics>(OBJECT_WATCH_METRICS);
        (cached ? metrics?.sarCacheHits : metrics?.sarCacheMisses)?.inc();
      },
    });
    accessByRequests.set(requests, access);
  }
  return access;
}

/** The viewer's scope of `target`; what it may not see at all is a 403 naming what is missing. */
export async function scopeOf(
  access: ViewerAccess,
  viewer: AuthorizedUser,
  target: WatchTarget,
): Promise<ViewerScope> {
  try {
    return await access.scope(viewer, target);
  } catch (error) {
    throw asApiError(error, target.agentId);
  }
}

export function asApiError(error: unknown, agentId: number): unknown {
  if (error instanceof ViewerForbiddenError) return new ApiError(403, 'forbidden', error.message);
  if (error instanceof ApiError) return error;
  const message = error instanceof Error ? error.message : String(error);
  // The agent is not connected, or could not answer: kas cannot decide what the viewer may see.
  return new ApiError(
    503,
    'unavailable',
    `kas could not check what you may see on agent ${agentId}: ${message.slice(0, 500)}`,
  );
}
