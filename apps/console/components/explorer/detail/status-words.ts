// An object's status in words (docs/explorer.md, "An object's details"): what kubectl describe would make you read
// out of the YAML, said as a sentence with a tone. Pure, so it is unit-tested beside this file.
import type { ObjectRow } from '@mooring/modules/object_watch/shared/watch-api';
import type { Tone } from '@mooring/ui';
import { plural } from '../../../lib/sentences';

export { plural };

type Json = Record<string, unknown>;
const obj = (v: unknown): Json =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);

export interface StatusWords {
  tone: Tone;
  text: string;
}

export interface ConditionView {
  type: string;
  status: string;
  reason: string | null;
  message: string | null;
  since: string | null;
  tone: Tone;
}

// Conditions whose True is bad news; every other condition is good when True.
const BAD_WHEN_TRUE = new Set([
  'MemoryPressure',
  'DiskPressure',
  'PIDPressure',
  'NetworkUnavailable',
  'Failed',
  'ReplicaFailure',
  'Stalled',
]);

export function conditionsOf(object: unknown): ConditionView[] {
  return arr(obj(obj(object)['status'])['conditions']).map((raw) => {
    const c = obj(raw);
    const type = str(c['type']) ?? '?';
    const status = str(c['status']) ?? 'Unknown';
    const good = BAD_WHEN_TRUE.has(type) ? status === 'False' : status === 'True';
    return {
      type,
      status,
      reason: str(c['reason']),
      message: str(c['message']),
      since: str(c['lastTransitionTime']) ?? str(c['lastUpdateTime']),
      tone: status === 'Unknown' ? 'muted' : good ? 'ok' : 'bad',
    };
  });
}

/** "1 pod is CrashLoopBackOff, 2 are ImagePullBackOff" from pod rows' reasons (rows.ts `reason`). */
export function podTrouble(pods: readonly ObjectRow[]): string | null {
  const counts = new Map<string, number>();
  for (const p of pods) {
    const reason = p.columns['reason'];
    const phase = p.columns['phase'];
    const why =
      typeof reason === 'string' && reason
        ? reason
        : phase === 'Running' || phase === 'Succeeded'
          ? null
          : phase;
    if (typeof why === 'string' && why && why !== 'Completed') counts.set(why, (counts.get(why) ?? 0) + 1);
  }
  if (counts.size === 0) return null;
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([why, n], i) => (i === 0 ? `${plural(n, 'pod')} ${n === 1 ? 'is' : 'are'} ${why}` : `${n} ${why}`))
    .join(', ');
}

function replicas(ready: number, desired: number, what: string, pods: readonly ObjectRow[]): StatusWords {
  const trouble = podTrouble(pods);
  const text = `Ready: ${ready} of ${plural(desired, what)} available${trouble ? ` — ${trouble}` : ''}`;
  return { tone: desired === 0 ? 'muted' : ready >= desired ? 'ok' : ready === 0 ? 'bad' : 'warn', text };
}

/** The object's status as a sentence; `pods` are its pods' live rows when the caller has them. */
export function statusInWords(kind: string, object: unknown, pods: readonly ObjectRow[] = []): StatusWords {
  const o = obj(object);
  const spec = obj(o['spec']);
  const status = obj(o['status']);
  if (obj(o['metadata'])['deletionTimestamp'])
    return { tone: 'warn', text: 'Terminating: it is being deleted' };
  switch (kind) {
    case 'Deployment':
    case 'ReplicaSet':
    case 'StatefulSet': {
      const desired = typeof spec['replicas'] === 'number' ? num(spec['replicas']) : 1;
      const words = replicas(
        num(status['availableReplicas'] ?? status['readyReplicas']),
        desired,
        'replica',
        pods,
      );
      if (kind === 'Deployment' && spec['paused'] === true)
        return { tone: 'warn', text: `${words.text}; rollout paused` };
      const updated = num(status['updatedReplicas']);
      if (kind !== 'ReplicaSet' && updated < desired)
        return { tone: 'warn', text: `${words.text}; rolling out: ${updated} of ${desired} updated` };
      return words;
    }
    case 'DaemonSet':
      return replicas(
        num(status['numberAvailable']),
        num(status['desiredNumberScheduled']),
        'scheduled pod',
        pods,
      );
    case 'Job': {
      const conditions = conditionsOf(o);
      const failed = conditions.find((c) => c.type === 'Failed' && c.status === 'True');
      if (failed)
        return {
          tone: 'bad',
          text: `Failed: ${failed.reason ?? ''}${failed.message ? ` — ${failed.message}` : ''}`.trim(),
        };
      const completions = typeof spec['completions'] === 'number' ? num(spec['completions']) : 1;
      const succeeded = num(status['succeeded']);
      if (conditions.some((c) => c.type === 'Complete' && c.status === 'True'))
        return { tone: 'ok', text: `Complete: ${succeeded} of ${completions} succeeded` };
      const trouble = podTrouble(pods);
      return {
        tone: num(status['failed']) > 0 || trouble ? 'warn' : 'info',
        text: `Running: ${plural(num(status['active']), 'active pod')}, ${succeeded} of ${completions} succeeded, ${num(status['failed'])} failed${trouble ? ` — ${trouble}` : ''}`,
      };
    }
    case 'CronJob': {
      const last = str(status['lastScheduleTime']);
      const active = arr(status['active']).length;
      const text = `${spec['suspend'] === true ? 'Suspended' : 'Scheduled'} (${str(spec['schedule']) ?? 'no schedule'}); last run ${last ?? 'never'}; ${plural(active, 'job')} running`;
      return { tone: spec['suspend'] === true ? 'warn' : 'ok', text };
    }
    case 'Pod': {
      const phase = str(status['phase']) ?? 'Unknown';
      const containers = arr(status['containerStatuses']).map(obj);
      const total = arr(spec['containers']).length;
      const ready = containers.filter((c) => c['ready'] === true).length;
      const problems = containers.flatMap((c) => {
        const state = obj(c['state']);
        const why = str(obj(state['waiting'])['reason']) ?? str(obj(state['terminated'])['reason']);
        const restarts = num(c['restartCount']);
        if (!why || why === 'Completed') return [];
        return [`${str(c['name'])} is ${why}${restarts ? ` (restarted ${plural(restarts, 'time')})` : ''}`];
      });
      const text = `${phase}: ${ready} of ${plural(total, 'container')} ready${problems.length ? ` — ${problems.join('; ')}` : ''}`;
      const tone: Tone =
        phase === 'Succeeded'
          ? 'ok'
          : phase === 'Failed'
            ? 'bad'
            : problems.length
              ? 'bad'
              : ready === total
                ? 'ok'
                : 'warn';
      return { tone, text };
    }
    case 'Service': {
      const ports = arr(spec['ports']).map(
        (p) => `${num(obj(p)['port'])}/${str(obj(p)['protocol']) ?? 'TCP'}`,
      );
      return {
        tone: 'info',
        text: `${str(spec['type']) ?? 'ClusterIP'} ${str(spec['clusterIP']) ?? ''} on ${ports.join(', ') || 'no ports'}`.replace(
          / +/g,
          ' ',
        ),
      };
    }
    case 'PersistentVolumeClaim': {
      const phase = str(status['phase']) ?? 'Unknown';
      const capacity = str(obj(status['capacity'])['storage']);
      return {
        tone: phase === 'Bound' ? 'ok' : phase === 'Lost' ? 'bad' : 'warn',
        text:
          phase === 'Bound'
            ? `Bound: ${capacity ?? '?'} on ${str(spec['volumeName']) ?? 'a volume'}`
            : `${phase}: no volume bound yet`,
      };
    }
    case 'Node': {
      const readyCondition = conditionsOf(o).find((c) => c.type === 'Ready');
      const pressure = conditionsOf(o).filter((c) => BAD_WHEN_TRUE.has(c.type) && c.status === 'True');
      const cordoned = spec['unschedulable'] === true ? '; cordoned (no new pods)' : '';
      const ok = readyCondition?.status === 'True';
      return {
        tone: ok && !pressure.length ? (cordoned ? 'warn' : 'ok') : 'bad',
        text: `${ok ? 'Ready' : 'Not ready'}${pressure.length ? ` — ${pressure.map((c) => c.type).join(', ')}` : ''}${cordoned}`,
      };
    }
    case 'Namespace':
      return {
        tone: str(status['phase']) === 'Active' ? 'ok' : 'warn',
        text: str(status['phase']) ?? 'Unknown',
      };
    case 'ConfigMap':
      return {
        tone: 'info',
        text: `${plural(Object.keys(obj(o['data'])).length + Object.keys(obj(o['binaryData'])).length, 'key')}`,
      };
    case 'Event':
      return {
        tone: o['type'] === 'Warning' ? 'warn' : 'info',
        text: `${str(o['type']) ?? 'Normal'} ${str(o['reason']) ?? ''}: ${str(o['message']) ?? ''}`,
      };
    default: {
      const readyCondition = conditionsOf(o).find((c) => c.type === 'Ready');
      if (!readyCondition) return { tone: 'muted', text: 'No Ready condition reported' };
      return {
        tone: readyCondition.tone,
        text: `Ready: ${readyCondition.status}${readyCondition.reason ? ` (${readyCondition.reason})` : ''}`,
      };
    }
  }
}
