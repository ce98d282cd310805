'use client';
import { useParams } from 'next/navigation';

import { AgentPage } from '../../../../components/agent/agent-page';

export default function AgentRoute() {
  const params = useParams<{ agentId: string }>();
  const agentId = Number(params.agentId);
  if (!Number.isInteger(agentId) || agentId <= 0) {
    return <p role="alert">“{params.agentId}” is not an agent id; open an agent from the Clusters list.</p>;
  }
  return <AgentPage agentId={agentId} />;
}
