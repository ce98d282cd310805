// Children of an object from live rows: who names it (by uid) in their ownerReferences, and a Service's pods by its
// selector. Pure, so it is unit-tested beside this file.
import type { ObjectRow } from '@mooring/modules/object_watch/shared/watch-api';

export function ownedBy(rows: readonly ObjectRow[], ownerUids: ReadonlySet<string>): ObjectRow[] {
  return rows
    .filter((r) => r.ownerReferences.some((o) => ownerUids.has(o.uid)))
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.name.localeCompare(b.name));
}

/** Pods a Service selects (equality selector, as spec.selector is); an empty selector selects none. */
export function selectedBy(rows: readonly ObjectRow[], selector: Record<string, string>): ObjectRow[] {
  const entries = Object.entries(selector);
  if (entries.length === 0) return [];
  return rows
    .filter((r) => entries.every(([k, v]) => r.labels[k] === v))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The kinds whose children are listed, and by which resources (first level, then pods under them). */
export const CHILD_RESOURCES: Record<
  string,
  { first: string; firstKind: string; pods: boolean } | undefined
> = {
  Deployment: { first: 'apps/v1/replicasets', firstKind: 'ReplicaSet', pods: true },
  CronJob: { first: 'batch/v1/jobs', firstKind: 'Job', pods: true },
  Service: { first: 'discovery.k8s.io/v1/endpointslices', firstKind: 'EndpointSlice', pods: true },
};

/** Kinds whose pods are their direct children. */
export const OWNS_PODS = new Set(['ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job']);

/**
 * Events of an object (by uid), warnings first, newest first. A cluster-scoped object's events (a Node's) may name it
 * by kind and name only, so those match too; a namespaced one's never do (a deleted namesake's events would).
 */
export function eventsOf(
  rows: readonly ObjectRow[],
  object: { uid: string; kind: string; name: string; clusterScoped: boolean },
): ObjectRow[] {
  const { uid, kind, name, clusterScoped } = object;
  return rows
    .filter(
      (r) =>
        r.columns['involvedUid'] === uid ||
        (clusterScoped && r.columns['involvedKind'] === kind && r.columns['involvedName'] === name),
    )
    .sort((a, b) => {
      const wa = a.columns['type'] === 'Warning' ? 0 : 1;
      const wb = b.columns['type'] === 'Warning' ? 0 : 1;
      return (
        wa - wb ||
        String(b.columns['lastTimestamp'] ?? '').localeCompare(String(a.columns['lastTimestamp'] ?? ''))
      );
    });
}
