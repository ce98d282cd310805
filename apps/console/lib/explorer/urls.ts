// Every explorer view has a URL that reproduces it (docs/console.md, "Explorer"): the cluster, namespace, view,
// filter, the open object, a pod's logs and its terminal. Pages and links build them here, and only here.

/** The list views of one cluster; `crd` takes a `<group>/<version>/<resource>` in `resource`. */
export const EXPLORER_VIEWS = ['workloads', 'pods', 'network', 'config', 'events', 'nodes', 'crd'] as const;
export type ExplorerView = (typeof EXPLORER_VIEWS)[number];

export interface ObjectRef {
  /** As objects.watch names it: `pods`, `apps/v1/deployments`, `<group>/<version>/<resource>`. */
  resource: string;
  namespace?: string;
  name: string;
}

function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== '' && v !== false) search.set(k, String(v));
  const s = search.toString();
  return s ? `?${s}` : '';
}

/** The developer landing: my namespaces across every cluster I may reach. */
export const explorerHomeHref = () => '/explorer';

/** One cluster's explorer: `ns` absent means every namespace the user may see. */
export function clusterHref(
  agentId: number,
  options: { view?: ExplorerView; ns?: string; q?: string; resource?: string; object?: ObjectRef } = {},
): string {
  return `/explorer/${agentId}${query({
    view: options.view,
    ns: options.ns,
    q: options.q,
    resource: options.resource,
    // The detail drawer over the list.
    open: options.object ? objectKey(options.object) : undefined,
  })}`;
}

/** `<resource>|<namespace>|<name>` (resource names hold '/', never '|'). */
export function objectKey(ref: ObjectRef): string {
  return `${ref.resource}|${ref.namespace ?? ''}|${ref.name}`;
}

export function parseObjectKey(key: string | null | undefined): ObjectRef | null {
  const parts = key?.split('|');
  if (!parts || parts.length !== 3 || !parts[0] || !parts[2]) return null;
  return { resource: parts[0], ...(parts[1] ? { namespace: parts[1] } : {}), name: parts[2] };
}

/** An object's own page (the drawer's content, full width). */
export function objectHref(agentId: number, ref: ObjectRef, tab?: 'summary' | 'yaml' | 'events'): string {
  return `/explorer/${agentId}/object${query({ resource: ref.resource, ns: ref.namespace, name: ref.name, tab })}`;
}

/** A pod's logs, or (with `selector`) the logs of up to 20 pods that match a label selector. */
export function logsHref(
  agentId: number,
  target: {
    ns: string;
    pod?: string;
    container?: string;
    selector?: string;
    previous?: boolean;
    /** Lines to start with (`tailLines`); absent: the page's default. 0: the whole log. */
    tail?: number;
    timestamps?: boolean;
    wrap?: boolean;
  },
): string {
  return `/explorer/${agentId}/logs${query(target)}`;
}

/** A terminal in a pod's container. */
export function execHref(agentId: number, target: { ns: string; pod: string; container?: string }): string {
  return `/explorer/${agentId}/exec${query(target)}`;
}
