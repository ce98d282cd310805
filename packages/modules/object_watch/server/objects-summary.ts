// The clusters overview's numbers, computed from rows a viewer may see (the rows of rows.ts: pods' `phase`,
// workloads' `desired`/`ready`, events' `type`/`lastTimestamp`). Counting only: memory stays bounded by the lists
// kept (at most SUMMARY_LIST_MAX items each), however many rows pass.
import type { ObjectRow } from '../shared/watch-api';

/** The resources the summary reads, by the kind they stand for. */
export const SUMMARY_RESOURCES = {
  pods: 'pods',
  deployments: 'apps/v1/deployments',
  statefulsets: 'apps/v1/statefulsets',
  daemonsets: 'apps/v1/daemonsets',
  events: 'events',
} as const;
export type SummaryResource = keyof typeof SUMMARY_RESOURCES;

export const SUMMARY_LIST_MAX = 20;
const HOUR_MS = 60 * 60 * 1000;

const KIND: Record<'deployments' | 'statefulsets' | 'daemonsets', string> = {
  deployments: 'Deployment',
  statefulsets: 'StatefulSet',
  daemonsets: 'DaemonSet',
};

export interface WorkloadNotReady {
  kind: string;
  namespace: string | null;
  name: string;
  ready: number;
  desired: number;
}

export interface WarningEvent {
  namespace: string | null;
  reason: string | null;
  message: string | null;
  involvedKind: string | null;
  involvedName: string | null;
  count: number;
  lastTimestamp: string;
}

export interface ObjectsSummary {
  pods: { total: number; byPhase: Record<string, number> };
  workloadsNotReady: { total: number; items: WorkloadNotReady[] };
  warningEvents: { lastHour: number; newest: WarningEvent[] };
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** Accumulates rows one by one (`add`), then `result()`; `now` decides "the last hour". */
export function summaryBuilder(now: number) {
  const summary: ObjectsSummary = {
    pods: { total: 0, byPhase: {} },
    workloadsNotReady: { total: 0, items: [] },
    warningEvents: { lastHour: 0, newest: [] },
  };
  const keepNewest = (list: WarningEvent[], event: WarningEvent) => {
    list.push(event);
    list.sort((a, b) => b.lastTimestamp.localeCompare(a.lastTimestamp));
    if (list.length > SUMMARY_LIST_MAX) list.length = SUMMARY_LIST_MAX;
  };
  return {
    add(resource: SummaryResource, row: ObjectRow): void {
      const c = row.columns;
      if (resource === 'pods') {
        summary.pods.total++;
        const phase = str(c['phase']) ?? 'Unknown';
        summary.pods.byPhase[phase] = (summary.pods.byPhase[phase] ?? 0) + 1;
      } else if (resource === 'events') {
        const at = str(c['lastTimestamp']);
        const time = at === null ? NaN : Date.parse(at);
        if (c['type'] !== 'Warning' || !(time > now - HOUR_MS)) return;
        summary.warningEvents.lastHour++;
        keepNewest(summary.warningEvents.newest, {
          namespace: row.namespace ?? null,
          reason: str(c['reason']),
          message: str(c['message']),
          involvedKind: str(c['involvedKind']),
          involvedName: str(c['involvedName']),
          count: num(c['count']) ?? 1,
          lastTimestamp: at!,
        });
      } else {
        // A Deployment without spec.replicas wants 1 (the API server's default).
        const desired = num(c['desired']) ?? 1;
        const ready = num(c['ready']) ?? 0;
        if (ready >= desired) return;
        summary.workloadsNotReady.total++;
        if (summary.workloadsNotReady.items.length < SUMMARY_LIST_MAX)
          summary.workloadsNotReady.items.push({
            kind: KIND[resource],
            namespace: row.namespace ?? null,
            name: row.name,
            ready,
            desired,
          });
      }
    },
    result: (): ObjectsSummary => summary,
  };
}
