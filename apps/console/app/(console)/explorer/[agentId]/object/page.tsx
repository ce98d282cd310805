import { agentIdParam, oneParam } from '../../../../../lib/route-params';
import { ObjectPage } from '../../../../../components/explorer/detail/object-page';

// An object's own page: /explorer/<agent id>/object?resource=…&ns=…&name=…&tab=… (lib/explorer/urls.ts objectHref).
export default async function ObjectRoute({
  params,
  searchParams,
}: {
  params: Promise<{ agentId: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { agentId: raw } = await params;
  const agentId = agentIdParam(raw);
  const q = await searchParams;
  const one = (k: string) => oneParam(q[k]);
  const resource = one('resource');
  const name = one('name');
  if (agentId === null || !resource || !name)
    return (
      <p role="alert">
        This link names no object (it needs an agent id, resource and name); open one from the explorer.
      </p>
    );
  const ns = one('ns');
  return <ObjectPage agentId={agentId} object={{ resource, name, ...(ns ? { namespace: ns } : {}) }} />;
}
