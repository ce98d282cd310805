// What the logs page needs of a pod (objects.get's full object): its containers and, per container, whether it has
// a log to read yet, in the words kubectl users know ("container is waiting: ContainerCreating").

type Json = Record<string, unknown>;
const obj = (v: unknown): Json =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};
const arr = (v: unknown): Json[] => (Array.isArray(v) ? v.map(obj) : []);
const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);

export interface ContainerInfo {
  name: string;
  kind: 'container' | 'init' | 'ephemeral';
  /** running | waiting | terminated | unknown (no status yet). */
  state: 'running' | 'waiting' | 'terminated' | 'unknown';
  reason: string | null;
  restarts: number;
}

export interface PodInfo {
  phase: string | null;
  deleting: boolean;
  containers: ContainerInfo[];
}

export function podInfo(pod: Json): PodInfo {
  const spec = obj(pod['spec']);
  const status = obj(pod['status']);
  const statuses = new Map<string, Json>();
  for (const key of ['containerStatuses', 'initContainerStatuses', 'ephemeralContainerStatuses'])
    for (const s of arr(status[key])) if (str(s['name'])) statuses.set(s['name'] as string, s);
  const containers: ContainerInfo[] = [];
  const add = (list: unknown, kind: ContainerInfo['kind']) => {
    for (const c of arr(list)) {
      const name = str(c['name']);
      if (!name) continue;
      const s = statuses.get(name);
      const state = obj(s?.['state']);
      const running = 'running' in state;
      const waiting = obj(state['waiting']);
      const terminated = obj(state['terminated']);
      containers.push({
        name,
        kind,
        state: running
          ? 'running'
          : 'waiting' in state
            ? 'waiting'
            : 'terminated' in state
              ? 'terminated'
              : 'unknown',
        reason: str(waiting['reason']) ?? str(terminated['reason']),
        restarts: typeof s?.['restartCount'] === 'number' ? s['restartCount'] : 0,
      });
    }
  };
  add(spec['containers'], 'container');
  add(spec['initContainers'], 'init');
  add(spec['ephemeralContainers'], 'ephemeral');
  return {
    phase: str(status['phase']),
    deleting: !!obj(pod['metadata'])['deletionTimestamp'],
    containers,
  };
}

/** The container a page opens with: the one asked for, else the annotated default, else the first. */
export function defaultContainer(pod: Json, info: PodInfo): string | null {
  const annotated = str(obj(obj(pod['metadata'])['annotations'])['kubectl.kubernetes.io/default-container']);
  if (annotated && info.containers.some((c) => c.name === annotated)) return annotated;
  return info.containers.find((c) => c.kind === 'container')?.name ?? info.containers[0]?.name ?? null;
}

/** Why there is no log to read yet, or null when there is one. */
export function notReadyMessage(info: PodInfo, container: string): string | null {
  const c = info.containers.find((x) => x.name === container);
  if (!c)
    return `the pod has no container “${container}”; pick one of: ${info.containers.map((x) => x.name).join(', ')}`;
  if (c.state === 'waiting' && c.restarts === 0)
    return `container is waiting: ${c.reason ?? 'not started'} — logs appear once it starts`;
  if (c.state === 'unknown' && info.phase === 'Pending')
    return 'the pod is pending (not scheduled or its containers not created yet) — logs appear once it starts';
  return null;
}

/** Whether a followed log that ended is worth following again: the pod still runs this container. */
export function stillRunning(info: PodInfo, container: string): boolean {
  if (info.deleting || info.phase === 'Succeeded' || info.phase === 'Failed') return false;
  const c = info.containers.find((x) => x.name === container);
  return !!c && (c.state === 'running' || c.state === 'waiting');
}
