import { z } from 'zod';

import { agentIdParam } from '../../../../../lib/route-params';
import { DEFAULT_TAIL, LogsView, type LogsTarget } from '../../../../../components/explorer/logs/logs-view';

const name = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/)
  .max(253);
const flag = z
  .enum(['true', 'false', '1', '0'])
  .optional()
  .transform((v) => v === 'true' || v === '1');

// The URL is what urls.ts logsHref builds; anything else is refused with what to fix.
const params = z.object({
  ns: name,
  pod: name.optional(),
  container: name.optional(),
  selector: z.string().min(1).max(1024).optional(),
  previous: flag,
  tail: z.coerce.number().int().min(0).max(100_000).optional(),
  timestamps: flag,
  wrap: flag,
});

export default async function LogsRoute({
  params: route,
  searchParams,
}: {
  params: Promise<{ agentId: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { agentId: raw } = await route;
  const agentId = agentIdParam(raw);
  if (agentId === null)
    return <p role="alert">“{raw}” is not an agent id; open a pod&apos;s logs from the explorer.</p>;
  const search = await searchParams;
  const single = Object.fromEntries(Object.entries(search).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]));
  const parsed = params.safeParse(single);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return (
      <p role="alert">
        This logs address is not valid ({issue.path.join('.') || 'query'}: {issue.message}); open a pod&apos;s
        logs from the explorer&apos;s pods list.
      </p>
    );
  }
  const p = parsed.data;
  const initial: LogsTarget = {
    ns: p.ns,
    pod: p.pod,
    container: p.container,
    selector: p.selector,
    previous: p.previous,
    tail: p.tail ?? DEFAULT_TAIL,
    timestamps: p.timestamps,
    wrap: p.wrap,
  };
  return <LogsView agentId={agentId} initial={initial} />;
}
