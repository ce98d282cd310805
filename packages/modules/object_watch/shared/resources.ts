// Which Kubernetes resources object_watch knows: the default set agentk watches when `object_watch.resources` is
// absent, and the names the config and the Watch request use for a resource (`pods`, `deployments`,
// `apps/v1/deployments`, `<group>/<version>/<resource>` for a CRD). Secrets are refused everywhere.
import { isRefusedResource } from './watch-api';

export { isRefusedResource };

/** A resource by API group, version and plural; `group` is '' for the core group. */
export interface ResourceRef {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
}

export interface KnownResource extends ResourceRef {
  /** The kind discovery is expected to answer (it is asked anyway). */
  readonly kind: string;
  readonly namespaced: boolean;
  /**
   * Listed and watched as PartialObjectMetadata: the API server sends metadata only, so the data of ConfigMaps
   * never leaves it.
   */
  readonly metadataOnly?: boolean;
}

const known = (
  group: string,
  version: string,
  resource: string,
  kind: string,
  namespaced: boolean,
  metadataOnly?: boolean,
): KnownResource => ({
  group,
  version,
  resource,
  kind,
  namespaced,
  ...(metadataOnly ? { metadataOnly } : {}),
});

/** The default set, in the order the explorer lists them. */
export const DEFAULT_RESOURCES: readonly KnownResource[] = [
  known('', 'v1', 'namespaces', 'Namespace', false),
  known('', 'v1', 'nodes', 'Node', false),
  known('', 'v1', 'pods', 'Pod', true),
  known('', 'v1', 'services', 'Service', true),
  known('discovery.k8s.io', 'v1', 'endpointslices', 'EndpointSlice', true),
  known('apps', 'v1', 'deployments', 'Deployment', true),
  known('apps', 'v1', 'replicasets', 'ReplicaSet', true),
  known('apps', 'v1', 'statefulsets', 'StatefulSet', true),
  known('apps', 'v1', 'daemonsets', 'DaemonSet', true),
  known('batch', 'v1', 'jobs', 'Job', true),
  known('batch', 'v1', 'cronjobs', 'CronJob', true),
  known('', 'v1', 'events', 'Event', true),
  known('', 'v1', 'configmaps', 'ConfigMap', true, true),
  known('networking.k8s.io', 'v1', 'ingresses', 'Ingress', true),
  known('', 'v1', 'persistentvolumeclaims', 'PersistentVolumeClaim', true),
];

/** The resources watched metadata-only even when named in the config by their full name. */
const METADATA_ONLY = new Set(DEFAULT_RESOURCES.filter((r) => r.metadataOnly).map((r) => resourceId(r)));

/** The one name of a resource: `pods` for core v1, else `<group>/<version>/<resource>` (`v1` core: plural alone). */
export function resourceId(ref: ResourceRef): string {
  if (ref.group === '') return ref.version === 'v1' ? ref.resource : `${ref.version}/${ref.resource}`;
  return `${ref.group}/${ref.version}/${ref.resource}`;
}

export function isMetadataOnly(ref: ResourceRef): boolean {
  return METADATA_ONLY.has(resourceId(ref));
}

/** The default-set entry for `ref`, if any. */
export function knownResource(ref: ResourceRef): KnownResource | undefined {
  const id = resourceId(ref);
  return DEFAULT_RESOURCES.find((r) => resourceId(r) === id);
}

export type ParsedResource = { ok: true; ref: ResourceRef } | { ok: false; error: string };

const segment = /^[a-z0-9][a-z0-9.-]*$/;
const version = /^v[0-9]+((alpha|beta)[0-9]+)?$/;

/**
 * `pods` → core v1 pods; `deployments` → the default set's apps/v1 deployments (a plural alone names the default
 * set's resource of that plural, else a core v1 one); `v1/pods` → core; `apps/v1/deployments` →
 * group/version/resource. Secrets are refused. Errors say what form is expected.
 */
export function parseResourceName(name: string): ParsedResource {
  const parts = name.split('/');
  if (name.length === 0 || name.length > 300 || parts.length > 3 || !parts.every((p) => segment.test(p)))
    return {
      ok: false,
      error: `"${name.slice(0, 100)}" is not a resource name; use pods, deployments or <group>/<version>/<resource> like apps/v1/deployments`,
    };
  let ref: ResourceRef;
  if (parts.length === 1) {
    const plural = parts[0]!;
    ref = DEFAULT_RESOURCES.find((r) => r.resource === plural) ?? {
      group: '',
      version: 'v1',
      resource: plural,
    };
  } else if (parts.length === 2) {
    if (!version.test(parts[0]!))
      return {
        ok: false,
        error: `"${name}" names no version; use <group>/<version>/<resource> like ${parts[0]}/v1/${parts[1]}`,
      };
    ref = { group: '', version: parts[0]!, resource: parts[1]! };
  } else {
    if (!version.test(parts[1]!))
      return {
        ok: false,
        error: `"${name}": "${parts[1]}" is not an API version like v1 or v1beta1`,
      };
    ref = { group: parts[0]!, version: parts[1]!, resource: parts[2]! };
  }
  if (isRefusedResource(ref.resource))
    return { ok: false, error: 'secrets are never watched: their data never leaves the cluster this way' };
  return { ok: true, ref: { group: ref.group, version: ref.version, resource: ref.resource } };
}

/**
 * The resources a configuration names (`object_watch.resources`; absent → the default set), deduplicated, each
 * with the reason it was dropped when it cannot be watched.
 */
export function configuredResources(names: readonly string[] | undefined): {
  resources: ResourceRef[];
  errors: string[];
} {
  if (names === undefined) return { resources: DEFAULT_RESOURCES.map(refOf), errors: [] };
  const seen = new Set<string>();
  const resources: ResourceRef[] = [];
  const errors: string[] = [];
  for (const name of names) {
    const parsed = parseResourceName(name);
    if (!parsed.ok) {
      errors.push(`object_watch.resources: ${parsed.error}`);
      continue;
    }
    const id = resourceId(parsed.ref);
    if (seen.has(id)) continue;
    seen.add(id);
    resources.push(parsed.ref);
  }
  return { resources, errors };
}

function refOf(r: ResourceRef): ResourceRef {
  return { group: r.group, version: r.version, resource: r.resource };
}

/** The API path of a resource's collection: `/api/v1/pods`, `/apis/apps/v1/namespaces/web/deployments`. */
export function collectionPath(ref: ResourceRef, namespace?: string): string {
  const base = ref.group === '' ? `/api/${ref.version}` : `/apis/${ref.group}/${ref.version}`;
  return namespace ? `${base}/namespaces/${namespace}/${ref.resource}` : `${base}/${ref.resource}`;
}

/** The discovery document listing a group version's resources. */
export function discoveryPath(ref: ResourceRef): string {
  return ref.group === '' ? `/api/${ref.version}` : `/apis/${ref.group}/${ref.version}`;
}

/** A resource agentk watches, as objects.resources answers it (the console's Custom resources picker). */
export interface WatchedResource extends ResourceRef {
  /** The name objects.watch takes: `pods`, `apps/v1/deployments`, `example.com/v1/widgets`. */
  readonly id: string;
  /** The default set's kind; null for a resource outside it (its kind is whatever discovery answers). */
  readonly kind: string | null;
  /** In the default set (the explorer's own views list it); false for CRDs and other additions. */
  readonly builtIn: boolean;
}

/**
 * What a configuration's `object_watch.resources` makes agentk watch (absent → the default set), in the order agentk
 * reads them; names agentk would drop (and Secrets) are left out, exactly as `configuredResources` drops them.
 */
export function watchedResources(names: readonly string[] | undefined): WatchedResource[] {
  return configuredResources(names).resources.map((ref) => {
    const known = knownResource(ref);
    return { ...refOf(ref), id: resourceId(ref), kind: known?.kind ?? null, builtIn: known !== undefined };
  });
}
