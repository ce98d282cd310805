import { Suspense } from 'react';

import { agentIdParam } from '../../../../lib/route-params';
import { ClusterExplorer } from '../../../../components/explorer/cluster-explorer';

// One cluster's explorer (clusterHref in lib/explorer/urls.ts builds this URL): ?view=&ns=&q=&resource=&open=.
export default async function ClusterExplorerRoute({ params }: { params: Promise<{ agentId: string }> }) {
  const { agentId: raw } = await params;
  const agentId = agentIdParam(raw);
  if (agentId === null) {
    return (
      <p role="alert">“{raw}” is not an agent id; open a cluster from the Explorer or the Clusters list.</p>
    );
  }
  return (
    <Suspense>
      <ClusterExplorer agentId={agentId} />
    </Suspense>
  );
}
