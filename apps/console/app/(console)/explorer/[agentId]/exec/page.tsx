import { ExecPage } from '../../../../../components/explorer/terminal/exec-page';

// A terminal in a pod's container (execHref in lib/explorer/urls.ts builds this URL): ?ns=&pod=&container=.
export default async function ExecRoute({
  params,
  searchParams,
}: {
  params: Promise<{ agentId: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { agentId: raw } = await params;
  const agentId = Number(raw);
  if (!Number.isInteger(agentId) || agentId <= 0) {
    return <p role="alert">“{raw}” is not an agent id; open a cluster from the Clusters list.</p>;
  }
  const search = await searchParams;
  const one = (value: string | string[] | undefined) =>
    typeof value === 'string' && value ? value : undefined;
  return (
    <ExecPage agentId={agentId} ns={one(search.ns)} pod={one(search.pod)} container={one(search.container)} />
  );
}
