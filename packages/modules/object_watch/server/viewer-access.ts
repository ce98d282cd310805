// Who sees which rows of an object watch: the agent's `user_access`, exactly as through the Kubernetes API proxy.
// The facts (access_as, roles) come from kas's agent-access service; kubernetes_api/shared/impersonation.ts alone
// turns them into the user agentk acts as.
// - access_as agent: the viewer sees what agentk's service account sees (`actsAsAgent`; no review is made).
// - access_as user: SubjectAccessReviews, created through the agent, decide. A row of namespace N is visible when
//   the viewer may `list` the watched resource in N (or cluster-wide); a row without a namespace (nodes, CRDs of
//   cluster scope) needs cluster-wide `list`. For the `namespaces` resource a namespace N is visible when the
//   viewer may `get` namespace N or `list` pods or deployments in it (the namespaces it works in). Answers are kept
//   ≤ 10 s in the shared bounded cache, so a removed RoleBinding takes effect within one TTL plus one re-check.
import {
  impersonationFor,
  type AuthorizedUser,
  type ImpersonationConfig,
} from '../../kubernetes_api/shared/impersonation';
import { BoundedTtlCache } from '../../shared/bounded-cache';
import { parseResourceName, type ResourceRef } from '../shared/resources';
import type { ObjectRow } from '../shared/watch-api';

/** The attributes of one SubjectAccessReview (spec.resourceAttributes). */
export interface ResourceAttributes {
  verb: 'get' | 'list';
  group: string;
  resource: string;
  /** Absent: cluster-wide. */
  namespace?: string;
  name?: string;
}

export interface ReviewAnswer {
  allowed: boolean;
  /** The authorizer's reason, when it gave one. */
  reason: string;
}

/** Creates one SubjectAccessReview on the agent's cluster for `user` (sent by agentk with its own credentials). */
export type SubjectAccessReviewer = (
  agentId: number,
  user: ImpersonationConfig,
  attributes: ResourceAttributes,
) => Promise<ReviewAnswer>;

/** The namespaces of the agent's cluster, as agentk's service account lists them. */
export type NamespaceLister = (agentId: number) => Promise<string[]>;

/** What one viewer may see of one watch. */
export interface ViewerScope {
  /** access_as agent: the viewer acts as agentk's service account (the console says so). */
  actsAsAgent: boolean;
  /** Every row of the watch. */
  all: boolean;
  /** When not `all`: the namespaces whose rows are visible (for the `namespaces` resource: the names). */
  namespaces: ReadonlySet<string>;
  /** The hub's predicate: rows it rejects are never sent to this viewer. */
  visible(row: ObjectRow): boolean;
}

/** The viewer may see nothing of the watch; the message says what is missing and how to get it. */
export class ViewerForbiddenError extends Error {
  override readonly name = 'ViewerForbiddenError';
}

export interface WatchTarget {
  agentId: number;
  resource: string;
  namespace?: string;
}

export interface ViewerAccessOptions {
  review: SubjectAccessReviewer;
  listNamespaces: NamespaceLister;
  /** Milliseconds; default Date.now (tests move it). */
  now?: () => number;
  /** How long an answer is kept; at most 10 s. */
  ttlMs?: number;
  /** Cached answers (reviews and namespace lists) at most. */
  maxEntries?: number;
  /** Reviews in flight at once for one scope. */
  concurrency?: number;
  /** A cluster with more namespaces is refused for an all-namespaces watch in access_as user (name a namespace). */
  maxNamespaces?: number;
  /** Called for every review asked for: from the cache or not (the SAR cache metrics). */
  onReview?: (cached: boolean) => void;
}

/** How often an open stream re-checks its viewer's scope (the cache TTL bounds how old an answer is). */
export const VIEWER_RECHECK_MS = 10_000;
export const MAX_ANSWER_TTL_MS = 10_000;

/** Resources that mark a namespace as one the viewer works in (for the `namespaces` resource). */
const NAMESPACE_PROBES: readonly { group: string; resource: string }[] = [
  { group: '', resource: 'pods' },
  { group: 'apps', resource: 'deployments' },
];

const all = (actsAsAgent: boolean): ViewerScope => ({
  actsAsAgent,
  all: true,
  namespaces: new Set(),
  visible: () => true,
});

export function createViewerAccess(options: ViewerAccessOptions) {
  const ttlMs = Math.min(options.ttlMs ?? MAX_ANSWER_TTL_MS, MAX_ANSWER_TTL_MS);
  const now = options.now ?? Date.now;
  const maxEntries = options.maxEntries ?? 20_000;
  const concurrency = options.concurrency ?? 8;
  const maxNamespaces = options.maxNamespaces ?? 1_000;
  const answers = new BoundedTtlCache<string, Promise<ReviewAnswer>>({ maxEntries, ttlMs, now });
  const namespaceLists = new BoundedTtlCache<number, Promise<string[]>>({ maxEntries: 1_000, ttlMs, now });
  const counts = { hits: 0, misses: 0 };

  function review(agentId: number, user: ImpersonationConfig, attributes: ResourceAttributes) {
    const key = JSON.stringify([agentId, user, attributes]);
    const cached = answers.get(key);
    options.onReview?.(cached !== undefined);
    if (cached) {
      counts.hits++;
      return cached;
    }
    counts.misses++;
    const answer = options.review(agentId, user, attributes);
    answers.set(key, answer);
    // A failed review is not an answer: the next check asks again.
    answer.catch(() => answers.delete(key));
    return answer;
  }

  function namespacesOf(agentId: number): Promise<string[]> {
    const cached = namespaceLists.get(agentId);
    if (cached) return cached;
    const list = options.listNamespaces(agentId);
    namespaceLists.set(agentId, list);
    list.catch(() => namespaceLists.delete(agentId));
    return list;
  }

  /** The namespaces of `candidates` for which `allows` answers true, `concurrency` checks at a time. */
  async function allowedAmong(candidates: string[], allows: (ns: string) => Promise<boolean>) {
    const allowed = new Set<string>();
    let next = 0;
    const worker = async () => {
      while (next < candidates.length) {
        const ns = candidates[next++]!;
        if (await allows(ns)) allowed.add(ns);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, candidates.length) }, worker));
    return allowed;
  }

  async function clusterNamespaces(agentId: number): Promise<string[]> {
    const list = await namespacesOf(agentId);
    if (list.length > maxNamespaces)
      throw new ViewerForbiddenError(
        `the cluster has ${list.length} namespaces, more than the ${maxNamespaces} kas checks one by one for a viewer with access_as user; choose a namespace`,
      );
    return list;
  }

  return {
    /** What `viewer` may see of `target`; throws ViewerForbiddenError when it is nothing. */
    async scope(viewer: AuthorizedUser, target: WatchTarget): Promise<ViewerScope> {
      const parsed = parseResourceName(target.resource);
      if (!parsed.ok) throw new ViewerForbiddenError(parsed.error);
      const user = impersonationFor(viewer);
      if (!user) return all(true);
      const ref: ResourceRef = parsed.ref;
      const { agentId } = target;
      const ask = (attributes: ResourceAttributes) => review(agentId, user, attributes);
      const list = (namespace?: string) =>
        ask({
          verb: 'list',
          group: ref.group,
          resource: ref.resource,
          ...(namespace !== undefined && { namespace }),
        });
      const who = `${user.username} (access_as: user)`;

      if (ref.group === '' && ref.resource === 'namespaces') {
        if ((await list()).allowed) return all(false);
        const mayWorkIn = async (ns: string) =>
          (await ask({ verb: 'get', group: '', resource: 'namespaces', name: ns })).allowed ||
          (await someAllowed(NAMESPACE_PROBES.map((p) => () => ask({ verb: 'list', ...p, namespace: ns }))));
        const candidates =
          target.namespace !== undefined ? [target.namespace] : await clusterNamespaces(agentId);
        const names = await allowedAmong(candidates, mayWorkIn);
        if (names.size === 0)
          throw new ViewerForbiddenError(
            `${who} may not see any namespace of agent ${agentId}'s cluster; ask a cluster admin for a RoleBinding in your namespace`,
          );
        return { actsAsAgent: false, all: false, namespaces: names, visible: (row) => names.has(row.name) };
      }

      if (target.namespace !== undefined) {
        const answer = await list(target.namespace);
        if (!answer.allowed)
          throw new ViewerForbiddenError(
            `${who} may not list ${target.resource} in namespace ${target.namespace}${because(answer)}; ask a cluster admin for a RoleBinding that allows it`,
          );
        const only = new Set([target.namespace]);
        return {
          actsAsAgent: false,
          all: false,
          namespaces: only,
          visible: (row) => row.namespace === target.namespace,
        };
      }
      const clusterWide = await list();
      if (clusterWide.allowed) return all(false);
      const namespaces = await allowedAmong(
        await clusterNamespaces(agentId),
        async (ns) => (await list(ns)).allowed,
      );
      if (namespaces.size === 0)
        throw new ViewerForbiddenError(
          `${who} may not list ${target.resource} in any namespace${because(clusterWide)}; ask a cluster admin for a RoleBinding that allows it`,
        );
      // Rows without a namespace (cluster-scoped) need the cluster-wide list, refused above.
      return {
        actsAsAgent: false,
        all: false,
        namespaces,
        visible: (row) => row.namespace !== undefined && namespaces.has(row.namespace),
      };
    },

    /** Why `after` shows less than `before` (the viewer lost access), or null when it lost nothing. */
    lost(before: ViewerScope, after: ViewerScope, target: WatchTarget): string | null {
      if (after.all) return null;
      if (before.all)
        return `you may no longer list ${target.resource} in every namespace; reload to see what you still may`;
      const gone = [...before.namespaces].filter((ns) => !after.namespaces.has(ns));
      if (gone.length === 0) return null;
      const what =
        target.resource === 'namespaces' ? 'see namespace' : `list ${target.resource} in namespace`;
      return `you may no longer ${what} ${gone.slice(0, 5).join(', ')}${gone.length > 5 ? ` and ${gone.length - 5} more` : ''} (a RoleBinding was removed or changed); reload to see what you still may`;
    },

    /** Whether `after` shows more than `before` (a fresh snapshot brings the new rows). */
    gained(before: ViewerScope, after: ViewerScope): boolean {
      if (before.all) return false;
      return after.all || [...after.namespaces].some((ns) => !before.namespaces.has(ns));
    },

    /** Cache hits and misses of reviews, for metrics and tests. */
    stats: () => ({ ...counts }),
  };
}
export type ViewerAccess = ReturnType<typeof createViewerAccess>;

function because(answer: ReviewAnswer): string {
  return answer.reason ? ` (${answer.reason.slice(0, 200)})` : '';
}

/** True when one of the checks allows, asked in order (stops at the first that does). */
async function someAllowed(checks: (() => Promise<ReviewAnswer>)[]): Promise<boolean> {
  for (const check of checks) if ((await check()).allowed) return true;
  return false;
}
