// A cluster's health at a glance, in words (objects.summary, docs/explorer.md): what the clusters overview's rows and
// the developer landing's cards both show, each badge linking to the view that lists what it counts. Kept apart
// from the component so the wording is tested.
import type { Tone } from '@mooring/ui';
import { TRPCClientError } from '@trpc/client';
import type { inferRouterOutputs } from '@trpc/server';

import type { AppRouter } from '../app-router';
import { errorMessage } from '../errors';
import { plural } from '../sentences';
import type { ExplorerView } from './urls';

export type ClusterSummaryData = inferRouterOutputs<AppRouter>['objects']['summary'];

/** Summaries one page asks kas for at once; the rest wait (a fleet has hundreds of agents). */
export const SUMMARY_CONCURRENCY = 4;
/** The same freshness on every page that shows a summary, so a second page reuses the first one's answer. */
export const SUMMARY_STALE_MS = 15_000;

export interface SummaryItem {
  key: string;
  text: string;
  /** The words a table row has room for (`0 not ready`, `3 warnings`). */
  short: string;
  /**
   * The link's accessible name where `short` is shown: the whole sentence, starting with the words on screen
   * (WCAG 2.5.3, so "click 0 not ready" by voice still finds it).
   */
  name: string;
  tone: Tone;
  /** The explorer view that lists what this counts. */
  view: Extract<ExplorerView, 'pods' | 'workloads' | 'events'>;
  /** More words for a hover or a card: the workloads not ready, the newest warnings, why something was not counted. */
  detail: string | null;
}

// Phases in the order a person reads a cluster's state: what runs, what waits, what broke, what finished.
const PHASE_ORDER = ['Running', 'Pending', 'Failed', 'Succeeded', 'Unknown'];
const phaseTone = (phase: string): Tone =>
  phase === 'Running' || phase === 'Succeeded' ? 'ok' : phase === 'Failed' ? 'bad' : 'warn';
const phaseRank = (phase: string) => {
  const at = PHASE_ORDER.indexOf(phase);
  return at < 0 ? PHASE_ORDER.length : at;
};

const WORKLOADS = ['apps/v1/deployments', 'apps/v1/statefulsets', 'apps/v1/daemonsets'];
/** pods, the three workload kinds and events (objects.summary's SUMMARY_RESOURCES). */
const SUMMARIZED_RESOURCES = 2 + WORKLOADS.length;
const DETAIL_ITEMS = 5;

function whyNot(data: ClusterSummaryData, resources: string[]): string | null {
  const reasons = data.unavailable.filter((u) => resources.includes(u.resource));
  return reasons.length ? reasons.map((u) => `${u.resource}: ${u.message}`).join('\n') : null;
}

/** The badges, in reading order: pods and their phases, workloads not ready, warnings in the last hour. */
export function summaryItems(data: ClusterSummaryData): SummaryItem[] {
  return summaryWords(data).map((item) => ({
    ...item,
    name: item.text.startsWith(item.short) ? item.text : `${item.short}: ${item.text}`,
  }));
}

function summaryWords(data: ClusterSummaryData): Omit<SummaryItem, 'name'>[] {
  const items: Omit<SummaryItem, 'name'>[] = [];
  // Nothing counted at all (object_watch.resources names none of them, the agent cannot list them, …): one badge
  // whose detail is kas's reasons, each naming the fix, rather than three that say the same.
  if (new Set(data.unavailable.map((u) => u.resource)).size >= SUMMARIZED_RESOURCES) {
    return [
      {
        key: 'none',
        text: 'nothing counted',
        short: 'nothing counted',
        tone: 'muted',
        view: 'pods',
        detail: data.unavailable.map((u) => `${u.resource}: ${u.message}`).join('\n'),
      },
    ];
  }
  const podsMissing = whyNot(data, ['pods']);
  if (podsMissing) {
    items.push({
      key: 'pods',
      text: 'pods not counted',
      short: 'pods not counted',
      tone: 'muted',
      view: 'pods',
      detail: podsMissing,
    });
  } else {
    items.push({
      key: 'pods',
      text: plural(data.pods.total, 'pod'),
      short: plural(data.pods.total, 'pod'),
      tone: 'muted',
      view: 'pods',
      detail: null,
    });
    const phases = Object.entries(data.pods.byPhase)
      .filter(([, n]) => n > 0)
      .sort(([a], [b]) => phaseRank(a) - phaseRank(b) || a.localeCompare(b));
    for (const [phase, n] of phases)
      items.push({
        key: `phase:${phase}`,
        text: `${n} ${phase}`,
        short: `${n} ${phase}`,
        tone: phaseTone(phase),
        view: 'pods',
        detail: null,
      });
  }

  const workloadsMissing = whyNot(data, WORKLOADS);
  const allWorkloadsMissing =
    data.unavailable.filter((u) => WORKLOADS.includes(u.resource)).length === WORKLOADS.length;
  if (allWorkloadsMissing) {
    items.push({
      key: 'workloads',
      text: 'workloads not counted',
      short: 'workloads not counted',
      tone: 'muted',
      view: 'workloads',
      detail: workloadsMissing,
    });
  } else {
    const { total, items: notReady } = data.workloadsNotReady;
    const listed = notReady
      .slice(0, DETAIL_ITEMS)
      .map(
        (w) => `${w.kind} ${w.namespace ? `${w.namespace}/` : ''}${w.name}: ${w.ready}/${w.desired} ready`,
      );
    if (total > listed.length) listed.push(`and ${total - listed.length} more`);
    const detail = [listed.join('\n'), workloadsMissing && `Not counted:\n${workloadsMissing}`]
      .filter(Boolean)
      .join('\n');
    items.push({
      key: 'workloads',
      text: `${plural(total, 'workload')} not ready${workloadsMissing ? ' (some not counted)' : ''}`,
      short: `${total} not ready`,
      tone: total ? 'warn' : 'ok',
      view: 'workloads',
      detail: detail || null,
    });
  }

  const eventsMissing = whyNot(data, ['events']);
  if (eventsMissing) {
    items.push({
      key: 'warnings',
      text: 'warnings not counted',
      short: 'warnings not counted',
      tone: 'muted',
      view: 'events',
      detail: eventsMissing,
    });
  } else {
    const { lastHour, newest } = data.warningEvents;
    const listed = newest.slice(0, DETAIL_ITEMS).map((e) => {
      const object = e.involvedName
        ? ` on ${[e.involvedKind, `${e.namespace ? `${e.namespace}/` : ''}${e.involvedName}`].filter(Boolean).join(' ')}`
        : '';
      return `${e.reason ?? 'Warning'}${object}${e.message ? `: ${e.message.slice(0, 200)}` : ''}`;
    });
    items.push({
      key: 'warnings',
      text: `${plural(lastHour, 'warning')} in the last hour`,
      short: plural(lastHour, 'warning'),
      tone: lastHour ? 'warn' : 'ok',
      view: 'events',
      detail: listed.length ? listed.join('\n') : null,
    });
  }
  return items;
}

/** Why there is no summary, short (a table cell) and in full (a hover, a card), with what to do. */
export function summaryProblem(error: unknown): { text: string; detail: string } {
  const detail = errorMessage(error);
  const status =
    error instanceof TRPCClientError
      ? (error.data as { httpStatus?: number } | undefined)?.httpStatus
      : undefined;
  if (status === 404) return { text: 'Objects not shared with you', detail };
  if (status === 403) return { text: 'Not allowed to see objects', detail };
  if (status === 503) return { text: 'Cannot count now', detail };
  if (status === 429) return { text: 'Too many requests; try again', detail };
  return { text: 'Could not count', detail };
}
