'use client';
import { CopyButton } from '@mooring/ui';
import Link from 'next/link';

import { agentAddressOr, manifest } from './install';

export function ConnectTab({
  agentId,
  agentName,
  agentAddress,
}: {
  agentId: number;
  agentName: string;
  agentAddress: string | null;
}) {
  const address = agentAddressOr(agentAddress);
  const yaml = manifest(agentName, agentAddress);
  const flags = [
    ['--kas-address', `${address} — kas's agent API (grpcs:// when kas has TLS)`],
    ['--token-file', 'file holding the agent token (or MOORING_AGENT_TOKEN, cleared after reading)'],
    ['--ca-cert-file', "CA that signed kas's certificate, when it is not a public one"],
    ['--kas-tls-server-name', "server name to check in kas's certificate, when it differs from the address"],
    ['--kas-header', 'extra header sent to kas, e.g. for a proxy in front of it (repeatable)'],
    ['--observability-listen-address', '/metrics, /livez, /readyz (default :8080)'],
    ['--kubeconfig', 'run beside the cluster instead of inside it'],
  ];
  return (
    <div className="max-w-4xl space-y-5 text-sm">
      <ol className="list-decimal space-y-1 pl-5">
        <li>
          Create a token in the{' '}
          <Link className="text-sky-700 underline dark:text-sky-400" href={`/agents/${agentId}?tab=tokens`}>
            Tokens
          </Link>{' '}
          tab and copy it (it is shown once).
        </li>
        <li>
          Store it in the cluster:{' '}
          <code className="rounded bg-zinc-100 px-1 dark:bg-zinc-800">
            kubectl -n mooring-agent create secret generic {agentName}-token --from-literal=token=mgt-…
          </code>
        </li>
        <li>Apply the manifest below. The agent turns Connected on the Clusters page within seconds.</li>
      </ol>
      <section aria-labelledby="flags-title">
        <h2 id="flags-title" className="mb-1 font-semibold">
          agentk flags
        </h2>
        <table className="w-full text-left">
          <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
            {flags.map(([flag, text]) => (
              <tr key={flag}>
                <th scope="row" className="py-1 pr-4 font-mono text-xs font-normal">
                  {flag}
                </th>
                <td className="py-1 text-zinc-600 dark:text-zinc-400">{text}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section aria-labelledby="manifest-title" className="space-y-1">
        <div className="flex items-center justify-between">
          <h2 id="manifest-title" className="font-semibold">
            Manifest
          </h2>
          <CopyButton value={yaml} label="Copy manifest" />
        </div>
        <pre className="overflow-x-auto rounded border border-zinc-200 bg-white p-3 text-xs dark:border-zinc-800 dark:bg-zinc-900">
          {yaml}
        </pre>
      </section>
    </div>
  );
}
