// What each explorer view lists: its resources (as objects.watch names them) and each resource's columns, read from
// the row projection (packages/modules/object_watch/shared/rows.ts says which columns a kind has).
import type { ObjectRow } from '@mooring/modules/object_watch/shared/watch-api';
import { Badge, type Tone } from '@mooring/ui';
import type { ReactNode } from 'react';

import type { ExplorerView } from '../../lib/explorer/urls';

export interface ListColumn {
  id: string;
  label: string;
  /** The value sorted on. */
  sort: (row: ObjectRow) => string | number;
  render?: (row: ObjectRow) => ReactNode;
  /** Narrow screens hide it. */
  wide?: boolean;
}

export interface ListResource {
  resource: string;
  kind: string;
  columns: ListColumn[];
}

const col = (row: ObjectRow, name: string) => row.columns[name];
const num = (row: ObjectRow, name: string) => {
  const v = col(row, name);
  return typeof v === 'number' ? v : 0;
};
const text = (row: ObjectRow, name: string) => {
  const v = col(row, name);
  return v === null || v === undefined ? '' : String(v);
};

function status(label: string, tone: Tone) {
  return <Badge tone={tone}>{label}</Badge>;
}

const phaseTone = (phase: string, reason: string): Tone => {
  if (/BackOff|Err|Failed|OOM|Invalid/.test(reason) || phase === 'Failed') return 'bad';
  if (phase === 'Pending' || reason === 'Terminating' || reason === 'ContainerCreating') return 'warn';
  if (phase === 'Succeeded') return 'muted';
  return phase === 'Running' ? 'ok' : 'muted';
};

const readyOf = (row: ObjectRow) => {
  const desired = col(row, 'desired');
  const ready = num(row, 'ready');
  return { ready, desired: typeof desired === 'number' ? desired : ready };
};

const ready: ListColumn = {
  id: 'ready',
  label: 'Ready',
  sort: (r) => {
    const { ready: n, desired } = readyOf(r);
    return desired === 0 ? 1 : n / desired;
  },
  render: (r) => {
    const { ready: n, desired } = readyOf(r);
    return status(`${n}/${desired}`, n >= desired ? 'ok' : n === 0 && desired > 0 ? 'bad' : 'warn');
  },
};

const owner: ListColumn = {
  id: 'owner',
  label: 'Owner',
  wide: true,
  sort: (r) => r.ownerReferences.find((o) => o.controller)?.name ?? r.ownerReferences[0]?.name ?? '',
  render: (r) => {
    const o = r.ownerReferences.find((x) => x.controller) ?? r.ownerReferences[0];
    return o ? `${o.kind}/${o.name}` : '—';
  },
};

const workloadKinds: ListResource[] = [
  { resource: 'apps/v1/deployments', kind: 'Deployment', columns: [ready] },
  { resource: 'apps/v1/statefulsets', kind: 'StatefulSet', columns: [ready] },
  { resource: 'apps/v1/daemonsets', kind: 'DaemonSet', columns: [ready] },
  {
    resource: 'batch/v1/jobs',
    kind: 'Job',
    columns: [
      {
        id: 'ready',
        label: 'Ready',
        sort: (r) => num(r, 'succeeded'),
        render: (r) => {
          const failed = num(r, 'failed');
          const done = `${num(r, 'succeeded')}/${text(r, 'completions') || 1} done`;
          return status(
            failed ? `${done}, ${failed} failed` : done,
            failed ? 'bad' : num(r, 'active') ? 'warn' : 'ok',
          );
        },
      },
    ],
  },
  {
    resource: 'batch/v1/cronjobs',
    kind: 'CronJob',
    columns: [
      {
        id: 'ready',
        label: 'Ready',
        sort: (r) => text(r, 'schedule'),
        render: (r) =>
          col(r, 'suspend') === true ? status('Suspended', 'muted') : status(text(r, 'schedule'), 'info'),
      },
    ],
  },
];

const pods: ListResource = {
  resource: 'pods',
  kind: 'Pod',
  columns: [
    {
      id: 'phase',
      label: 'Status',
      sort: (r) => text(r, 'reason') || text(r, 'phase'),
      render: (r) => {
        const phase = text(r, 'phase');
        const reason = text(r, 'reason');
        return status(reason || phase || 'Unknown', phaseTone(phase, reason));
      },
    },
    { id: 'containers', label: 'Ready', sort: (r) => text(r, 'ready'), render: (r) => text(r, 'ready') },
    { id: 'restarts', label: 'Restarts', sort: (r) => num(r, 'restarts'), render: (r) => num(r, 'restarts') },
    {
      id: 'node',
      label: 'Node',
      wide: true,
      sort: (r) => text(r, 'node'),
      render: (r) => text(r, 'node') || '—',
    },
    owner,
  ],
};

const services: ListResource = {
  resource: 'services',
  kind: 'Service',
  columns: [
    { id: 'type', label: 'Type', sort: (r) => text(r, 'type'), render: (r) => text(r, 'type') },
    {
      id: 'ip',
      label: 'Cluster IP',
      wide: true,
      sort: (r) => text(r, 'clusterIP'),
      render: (r) => text(r, 'clusterIP'),
    },
    { id: 'ports', label: 'Ports', sort: (r) => text(r, 'ports'), render: (r) => text(r, 'ports') || '—' },
  ],
};

const ingresses: ListResource = {
  resource: 'networking.k8s.io/v1/ingresses',
  kind: 'Ingress',
  columns: [
    { id: 'type', label: 'Class', sort: (r) => text(r, 'class'), render: (r) => text(r, 'class') || '—' },
    { id: 'ports', label: 'Hosts', sort: (r) => text(r, 'hosts'), render: (r) => text(r, 'hosts') || '—' },
  ],
};

const configmaps: ListResource = { resource: 'configmaps', kind: 'ConfigMap', columns: [] };
const pvcs: ListResource = {
  resource: 'persistentvolumeclaims',
  kind: 'PersistentVolumeClaim',
  columns: [
    {
      id: 'phase',
      label: 'Status',
      sort: (r) => text(r, 'phase'),
      render: (r) => status(text(r, 'phase') || 'Unknown', text(r, 'phase') === 'Bound' ? 'ok' : 'warn'),
    },
    {
      id: 'capacity',
      label: 'Capacity',
      sort: (r) => text(r, 'capacity'),
      render: (r) => text(r, 'capacity') || '—',
    },
  ],
};

const events: ListResource = {
  resource: 'events',
  kind: 'Event',
  columns: [
    {
      id: 'type',
      label: 'Type',
      // Warnings first.
      sort: (r) => (text(r, 'type') === 'Warning' ? 0 : 1),
      render: (r) => status(text(r, 'type') || 'Normal', text(r, 'type') === 'Warning' ? 'warn' : 'muted'),
    },
    { id: 'reason', label: 'Reason', sort: (r) => text(r, 'reason'), render: (r) => text(r, 'reason') },
    {
      id: 'object',
      label: 'Object',
      wide: true,
      sort: (r) => text(r, 'involvedName'),
      render: (r) => `${text(r, 'involvedKind')}/${text(r, 'involvedName')}`,
    },
    {
      id: 'message',
      label: 'Message',
      sort: (r) => text(r, 'message'),
      render: (r) => <span className="line-clamp-1">{text(r, 'message')}</span>,
    },
    { id: 'count', label: 'Count', wide: true, sort: (r) => num(r, 'count'), render: (r) => num(r, 'count') },
  ],
};

const nodes: ListResource = {
  resource: 'nodes',
  kind: 'Node',
  columns: [
    {
      id: 'ready',
      label: 'Status',
      sort: (r) => text(r, 'ready'),
      render: (r) => (text(r, 'ready') === 'True' ? status('Ready', 'ok') : status('Not ready', 'bad')),
    },
    { id: 'roles', label: 'Roles', sort: (r) => text(r, 'roles'), render: (r) => text(r, 'roles') || '—' },
    {
      id: 'version',
      label: 'Version',
      wide: true,
      sort: (r) => text(r, 'kubeletVersion'),
      render: (r) => text(r, 'kubeletVersion'),
    },
  ],
};

/** `Pods`, `Ingresses`: a kind's plural as a list's title. */
export const pluralKind = (kind: string) => (kind.endsWith('s') ? `${kind}es` : `${kind}s`);

export const VIEW_LABELS: Record<ExplorerView, string> = {
  workloads: 'Workloads',
  pods: 'Pods',
  network: 'Services & Ingresses',
  config: 'Config',
  events: 'Events',
  nodes: 'Nodes',
  crd: 'Custom resources',
};

/** The resources each view lists; `crd` lists the one named in the URL. */
export function viewResources(view: ExplorerView, crd?: string): ListResource[] {
  switch (view) {
    case 'workloads':
      return workloadKinds;
    case 'pods':
      return [pods];
    case 'network':
      return [services, ingresses];
    case 'config':
      return [configmaps, pvcs];
    case 'events':
      return [events];
    case 'nodes':
      return [nodes];
    case 'crd':
      return crd
        ? [
            {
              resource: crd,
              kind: crd.split('/').at(-1) ?? crd,
              columns: [
                {
                  id: 'ready',
                  label: 'Ready',
                  sort: (r) => text(r, 'ready'),
                  render: (r) => text(r, 'ready') || '—',
                },
              ],
            },
          ]
        : [];
  }
}
