import { agentIdParam, oneParam } from '../../../../../lib/route-params';
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
  const agentId = agentIdParam(raw);
  if (agentId === null) {
    return <p role="alert">“{raw}” is not an agent id; open a cluster from the Clusters list.</p>;
  }
  const search = await searchParams;
  const one = oneParam;
  return (
    <ExecPage agentId={agentId} ns={one(search.ns)} pod={one(search.pod)} container={one(search.container)} />
  );
}
