'use client';
import { usePageTitle } from '../../../lib/page-title';
import {
  defaultVersionPolicy,
  kubernetesVersionSupport,
  supportStartOf,
} from '@mooring/modules/version_policy/shared/index';
import { Badge, ScrollRegion } from '@mooring/ui';

import { supportLabel, supportTone } from '../../../lib/agent-status';
import { useNow } from '../../../lib/use-now';

export default function VersionsPage() {
  usePageTitle('Kubernetes version policy');
  const now = useNow();
  const date = new Date(Math.floor(now / 86_400_000) * 86_400_000 + 43_200_000);
  const policy = defaultVersionPolicy;
  const minors = [...policy.minors].reverse();
  const first = Date.parse(policy.minors[0]!.released);
  const last = Math.max(...policy.minors.map((m) => Date.parse(m.endOfLife)));
  const pct = (iso: string | number) =>
    (((typeof iso === 'number' ? iso : Date.parse(iso)) - first) / (last - first)) * 100;
  return (
    <div className="space-y-4">
      <h1 className="text-xl font-semibold tracking-tight">Kubernetes version policy</h1>
      <p className="max-w-3xl text-sm text-zinc-600 dark:text-zinc-400">
        A minor is supported from about {policy.supportDelayMonths} months after its upstream release while it
        is among the newest {policy.supportedMinorCount}; before that it is too new, after that unsupported.
        At least {policy.supportedMinorCount} minors are supported at any time. agentk should run kas&apos;s
        minor, one minor older or newer.
      </p>
      <ScrollRegion label="Kubernetes version policy">
        <table className="w-full max-w-5xl text-left text-sm" data-testid="version-policy">
          <thead className="text-xs text-zinc-600 dark:text-zinc-400">
            <tr>
              <th className="py-1">Minor</th>
              <th>Released</th>
              <th>Supported from</th>
              <th>Upstream end of life</th>
              <th>Status today</th>
              <th className="w-1/3">
                Release → supported → end of life <span className="sr-only">(timeline)</span>
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
            {minors.map((m) => {
              const support = kubernetesVersionSupport(m.minor, date, policy);
              const start = supportStartOf(m, policy);
              return (
                <tr key={m.minor}>
                  <td className="py-1.5 font-medium">{m.minor}</td>
                  <td>
                    {m.released}
                    {m.projected?.includes('released') ? (
                      <span className="ml-1 text-xs text-zinc-600 dark:text-zinc-400">(projected)</span>
                    ) : null}
                  </td>
                  <td>{start}</td>
                  <td>
                    {m.endOfLife}
                    {m.projected?.includes('endOfLife') ? (
                      <span className="ml-1 text-xs text-zinc-600 dark:text-zinc-400">(projected)</span>
                    ) : null}
                  </td>
                  <td>
                    <span title={support.reason}>
                      <Badge tone={supportTone[support.status]}>{supportLabel[support.status]}</Badge>
                    </span>
                  </td>
                  <td aria-hidden="true">
                    <div className="relative h-2 rounded bg-zinc-100 dark:bg-zinc-800">
                      <div
                        className="absolute h-2 rounded-l bg-amber-300/70"
                        style={{ left: `${pct(m.released)}%`, width: `${pct(start) - pct(m.released)}%` }}
                      />
                      <div
                        className="absolute h-2 rounded-r bg-emerald-400/70"
                        style={{ left: `${pct(start)}%`, width: `${pct(m.endOfLife) - pct(start)}%` }}
                      />
                      <div
                        className="absolute -top-0.5 h-3 w-0.5 bg-zinc-900 dark:bg-zinc-100"
                        style={{ left: `${pct(now)}%` }}
                      />
                    </div>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </ScrollRegion>
    </div>
  );
}
