// The row projection: what object_watch keeps and streams of an object — identity, labels, owners and the columns
// the explorer shows for its kind (about half a kilobyte), never the full object (managedFields, specs, data and
// annotations are dropped here, before anything is cached). Field selectors answer from the same columns
// (FIELD_SELECTOR_COLUMNS), so what a viewer may filter on is what the row holds.
import type { ObjectRow } from './watch-api';
import type { ResourceRef } from './resources';

/** The schema's limit for a column string; row strings are trimmed to it or less. */
export const MAX_COLUMN_CHARS = 1024;
/** Event messages and condition reasons: long enough to read, short enough for ~0.5 KiB rows. */
const MESSAGE_CHARS = 256;
const MAX_LABELS = 64;
const MAX_OWNERS = 10;
const MAX_LIST_ITEMS = 8;

type Column = string | number | boolean | null;
type Json = Record<string, unknown>;

const obj = (v: unknown): Json =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const trim = (s: string, max = MAX_COLUMN_CHARS) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);
const str = (v: unknown, max = MAX_COLUMN_CHARS): string | null =>
  typeof v === 'string' ? trim(v, max) : null;
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const bool = (v: unknown): boolean | null => (typeof v === 'boolean' ? v : null);
const joined = (items: (string | null)[], max = MAX_COLUMN_CHARS): string =>
  trim(
    items
      .filter((x): x is string => !!x)
      .slice(0, MAX_LIST_ITEMS)
      .join(','),
    max,
  );

/** The `True`/`False`/`Unknown` status of the condition of `type` in `status.conditions`, or null. */
function condition(status: Json, type: string): string | null {
  const c = arr(status['conditions'])
    .map(obj)
    .find((x) => x['type'] === type);
  return c ? str(c['status'], 20) : null;
}

type Projector = (o: Json) => Record<string, Column>;

function podColumns(o: Json): Record<string, Column> {
  const spec = obj(o['spec']);
  const status = obj(o['status']);
  const statuses = arr(status['containerStatuses']).map(obj);
  const containers = arr(spec['containers']).length;
  const ready = statuses.filter((s) => s['ready'] === true).length;
  const restarts = statuses.reduce((n, s) => n + (num(s['restartCount']) ?? 0), 0);
  // The reason kubectl shows: a waiting or terminated container's reason, else the pod's own, else deleting.
  let reason = str(status['reason'], 100);
  for (const s of statuses) {
    const state = obj(s['state']);
    const why = str(obj(state['waiting'])['reason'], 100) ?? str(obj(state['terminated'])['reason'], 100);
    if (why) reason = why;
  }
  if (obj(o['metadata'])['deletionTimestamp']) reason = 'Terminating';
  return {
    phase: str(status['phase'], 40),
    ready: `${ready}/${containers}`,
    restarts,
    node: str(spec['nodeName'], 253),
    podIP: str(status['podIP'], 64),
    reason,
  };
}

function workloadColumns(o: Json): Record<string, Column> {
  const spec = obj(o['spec']);
  const status = obj(o['status']);
  return {
    desired: num(spec['replicas']),
    ready: num(status['readyReplicas']) ?? 0,
    updated: num(status['updatedReplicas']) ?? 0,
    available: num(status['availableReplicas']) ?? 0,
  };
}

function replicaSetColumns(o: Json): Record<string, Column> {
  const columns = workloadColumns(o);
  // A ReplicaSet has no updatedReplicas: its pods are all of its own template.
  return { ...columns, updated: num(obj(o['status'])['fullyLabeledReplicas']) ?? columns['ready'] ?? 0 };
}

function statefulSetColumns(o: Json): Record<string, Column> {
  const status = obj(o['status']);
  return { ...workloadColumns(o), updated: num(status['updatedReplicas']) ?? 0 };
}

function daemonSetColumns(o: Json): Record<string, Column> {
  const status = obj(o['status']);
  return {
    desired: num(status['desiredNumberScheduled']) ?? 0,
    ready: num(status['numberReady']) ?? 0,
    updated: num(status['updatedNumberScheduled']) ?? 0,
    available: num(status['numberAvailable']) ?? 0,
  };
}

function jobColumns(o: Json): Record<string, Column> {
  const spec = obj(o['spec']);
  const status = obj(o['status']);
  return {
    completions: num(spec['completions']),
    succeeded: num(status['succeeded']) ?? 0,
    failed: num(status['failed']) ?? 0,
    active: num(status['active']) ?? 0,
  };
}

function cronJobColumns(o: Json): Record<string, Column> {
  const spec = obj(o['spec']);
  return {
    schedule: str(spec['schedule'], 100),
    suspend: bool(spec['suspend']) ?? false,
    lastSchedule: str(obj(o['status'])['lastScheduleTime'], 40),
  };
}

function serviceColumns(o: Json): Record<string, Column> {
  const spec = obj(o['spec']);
  const ports = arr(spec['ports'])
    .map(obj)
    .map((p) => {
      const port = num(p['port']);
      return port === null ? null : `${port}/${str(p['protocol'], 10) ?? 'TCP'}`;
    });
  return { type: str(spec['type'], 40), clusterIP: str(spec['clusterIP'], 64), ports: joined(ports, 200) };
}

function ingressColumns(o: Json): Record<string, Column> {
  const spec = obj(o['spec']);
  return {
    hosts: joined(
      arr(spec['rules']).map((r) => str(obj(r)['host'], 253)),
      300,
    ),
    class: str(spec['ingressClassName'], 253),
  };
}

function eventColumns(o: Json): Record<string, Column> {
  const involved = obj(o['involvedObject']);
  return {
    type: str(o['type'], 40),
    reason: str(o['reason'], 100),
    message: str(o['message'], MESSAGE_CHARS),
    involvedKind: str(involved['kind'], 100),
    involvedName: str(involved['name'], 253),
    involvedUid: str(involved['uid'], 100),
    count: num(o['count']) ?? num(obj(o['series'])['count']) ?? 1,
    lastTimestamp:
      str(o['lastTimestamp'], 40) ??
      str(o['eventTime'], 40) ??
      str(obj(o['metadata'])['creationTimestamp'], 40),
  };
}

function nodeColumns(o: Json): Record<string, Column> {
  const labels = obj(obj(o['metadata'])['labels']);
  const roles = Object.keys(labels)
    .filter((k) => k.startsWith('node-role.kubernetes.io/'))
    .map((k) => k.slice('node-role.kubernetes.io/'.length) || null);
  const status = obj(o['status']);
  return {
    ready: condition(status, 'Ready'),
    roles: joined(roles, 200),
    kubeletVersion: str(obj(status['nodeInfo'])['kubeletVersion'], 64),
  };
}

function namespaceColumns(o: Json): Record<string, Column> {
  return { phase: str(obj(o['status'])['phase'], 40) };
}

function pvcColumns(o: Json): Record<string, Column> {
  const status = obj(o['status']);
  return {
    phase: str(status['phase'], 40),
    capacity: str(obj(status['capacity'])['storage'], 40),
    storageClass: str(obj(o['spec'])['storageClassName'], 253),
  };
}

function endpointSliceColumns(o: Json): Record<string, Column> {
  const endpoints = arr(o['endpoints']).map(obj);
  return {
    service: str(obj(obj(o['metadata'])['labels'])['kubernetes.io/service-name'], 253),
    readyEndpoints: endpoints.filter((e) => obj(e['conditions'])['ready'] !== false).length,
  };
}

/** A CRD's row: its Ready condition when it has one. */
function genericColumns(o: Json): Record<string, Column> {
  const ready = condition(obj(o['status']), 'Ready');
  return ready === null ? {} : { ready };
}

const PROJECTORS: Record<string, Projector> = {
  pods: podColumns,
  'apps/deployments': workloadColumns,
  'apps/statefulsets': statefulSetColumns,
  'apps/replicasets': replicaSetColumns,
  'apps/daemonsets': daemonSetColumns,
  'batch/jobs': jobColumns,
  'batch/cronjobs': cronJobColumns,
  services: serviceColumns,
  'networking.k8s.io/ingresses': ingressColumns,
  events: eventColumns,
  nodes: nodeColumns,
  namespaces: namespaceColumns,
  persistentvolumeclaims: pvcColumns,
  'discovery.k8s.io/endpointslices': endpointSliceColumns,
  // Metadata only (PartialObjectMetadata): no data, so no columns.
  configmaps: () => ({}),
};

const kindKey = (ref: ResourceRef) => (ref.group === '' ? ref.resource : `${ref.group}/${ref.resource}`);

/**
 * The field selectors each kind answers from its row, beside `metadata.name` and `metadata.namespace` (every
 * kind): the field's name as Kubernetes spells it → the row's column.
 */
export const FIELD_SELECTOR_COLUMNS: Record<string, Record<string, string>> = {
  pods: { 'spec.nodeName': 'node', 'status.phase': 'phase', 'status.podIP': 'podIP' },
  events: {
    type: 'type',
    reason: 'reason',
    'involvedObject.kind': 'involvedKind',
    'involvedObject.name': 'involvedName',
    'involvedObject.uid': 'involvedUid',
  },
  namespaces: { 'status.phase': 'phase' },
  persistentvolumeclaims: { 'status.phase': 'phase' },
  services: { 'spec.type': 'type', 'spec.clusterIP': 'clusterIP' },
  'networking.k8s.io/ingresses': { 'spec.ingressClassName': 'class' },
};

/** The extra field selectors `ref` answers (see FIELD_SELECTOR_COLUMNS). */
export function fieldSelectorColumns(ref: ResourceRef): Record<string, string> {
  return FIELD_SELECTOR_COLUMNS[kindKey(ref)] ?? {};
}

/**
 * `o` (an object of resource `ref` as the API server sent it, full or PartialObjectMetadata) as its row; null when
 * it lacks a uid or a name (nothing a list could show).
 */
export function projectRow(ref: ResourceRef, o: unknown): ObjectRow | null {
  const object = obj(o);
  const metadata = obj(object['metadata']);
  const uid = str(metadata['uid'], 100);
  const name = str(metadata['name'], 253);
  if (!uid || !name) return null;
  const namespace = str(metadata['namespace'], 253);
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj(metadata['labels'])).slice(0, MAX_LABELS)) {
    if (typeof v === 'string') labels[trim(k, 317)] = trim(v, 63);
  }
  const ownerReferences = arr(metadata['ownerReferences'])
    .map(obj)
    .slice(0, MAX_OWNERS)
    .flatMap((r) => {
      const ownerName = str(r['name'], 253);
      if (!ownerName) return [];
      const controller = bool(r['controller']);
      return [
        {
          apiVersion: str(r['apiVersion'], 300) ?? '',
          kind: str(r['kind'], 100) ?? '',
          name: ownerName,
          uid: str(r['uid'], 100) ?? '',
          ...(controller !== null ? { controller } : {}),
        },
      ];
    });
  const project = PROJECTORS[kindKey(ref)] ?? genericColumns;
  return {
    uid,
    name,
    ...(namespace ? { namespace } : {}),
    resourceVersion: str(metadata['resourceVersion'], 100) ?? '',
    createdAt: str(metadata['creationTimestamp'], 40) ?? '',
    labels,
    ownerReferences,
    columns: project(object),
  };
}
