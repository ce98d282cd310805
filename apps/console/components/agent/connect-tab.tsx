'use client';
import { Button, CopyButton, ErrorBanner, Notice } from '@mooring/ui';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';

import { errorMessage } from '../../lib/errors';
import { useTRPC } from '../../lib/trpc';
import { downloadText } from '../../lib/download';
import { AgentTabLink } from './agent-tabs';
import { CommandBlock } from './command-block';
import { helmInstallLines } from './helm-install';
import { RefusedAttempts } from './refused-attempts';
import {
  caDownloadName,
  kubeconfigBlank,
  localCommand,
  manifest,
  saveTokenCommand,
  saveTokenHint,
  secretCommand,
} from './install';

const code = 'rounded bg-zinc-100 px-1 font-mono text-xs dark:bg-zinc-800';
const link = 'text-sky-700 underline dark:text-sky-400';

export function ConnectTab({ agentId, agentName }: { agentId: number; agentName: string }) {
  const trpc = useTRPC();
  const install = useQuery(trpc.meta.agentInstall.queryOptions({}));
  const version = useQuery(trpc.meta.version.queryOptions({}));
  // The console serves kas's /api/v1 (and so the chart) on its own origin; known only in the browser.
  const [origin, setOrigin] = useState<string | null>(null);
  useEffect(() => setOrigin(window.location.origin), []);
  if (install.error)
    return <ErrorBanner title="Could not load kas's install details" message={errorMessage(install.error)} />;
  const facts = install.data;
  if (!facts) return <p className="text-sm text-zinc-600 dark:text-zinc-400">Loading install details…</p>;
  const yaml = manifest(agentName, facts);
  const helm =
    version.data && origin
      ? helmInstallLines(agentName, facts, { kasUrl: origin, version: version.data.kasVersion })
      : null;
  const flags = [
    [
      '--kas-address',
      "kas's agent API: grpcs:// when kas has TLS (MOORING_KAS_URL tells the console the public one)",
    ],
    ['--token-file', 'file holding the agent token (or MOORING_AGENT_TOKEN, cleared after reading)'],
    ['--ca-cert-file', "CA that signed kas's certificate, when it is not a public one"],
    ['--kas-tls-server-name', "server name to check in kas's certificate, when it differs from the address"],
    ['--kas-header', 'extra header sent to kas, e.g. for a proxy in front of it (repeatable)'],
    ['--observability-listen-address', '/metrics, /livez, /readyz (default :8080)'],
    ['--kubeconfig', 'run beside the cluster instead of inside it'],
  ];
  const tokenStep = (
    <li>
      Create a token in the{' '}
      <AgentTabLink className={link} agentId={agentId} tab="tokens">
        Tokens
      </AgentTabLink>{' '}
      tab and copy it (it is shown once).
    </li>
  );
  return (
    <div className="max-w-4xl space-y-6 text-sm">
      <RefusedAttempts agentId={agentId} />
      <section aria-labelledby="local-title" className="space-y-2">
        <h2 id="local-title" className="font-semibold">
          On this machine
        </h2>
        <ol className="list-decimal space-y-2 pl-5">
          {tokenStep}
          <li className="space-y-1">
            <p>From the repository root, save it to a file only you can read: run this, {saveTokenHint}.</p>
            <CommandBlock command={saveTokenCommand(agentName)} label="Copy" testId="save-token-command" />
          </li>
          <li className="space-y-1">
            <p>Run agentk:</p>
            <CommandBlock
              command={localCommand(agentName, facts)}
              label="Copy command"
              testId="local-command"
            />
            {facts.localKubeconfig === null ? (
              <p className="text-zinc-600 dark:text-zinc-400">
                Replace <code className={code}>{kubeconfigBlank}</code> with a kubeconfig for the identity
                agentk should have in its cluster (<code className={code}>pnpm start</code> writes one for its
                local cluster).
              </p>
            ) : null}
          </li>
        </ol>
        <p className="text-zinc-600 dark:text-zinc-400">
          The agent turns Connected within seconds. If it does not, agentk&apos;s log says why in one line,
          and attempts with a revoked token of this agent appear under{' '}
          <AgentTabLink className={link} agentId={agentId} tab="activity">
            Activity
          </AgentTabLink>
          .
        </p>
        {facts.caPem ? (
          <p className="flex flex-wrap items-center gap-2 text-zinc-600 dark:text-zinc-400">
            <Button onClick={() => downloadText(caDownloadName, facts.caPem!, 'application/x-pem-file')}>
              Download kas&apos;s CA
            </Button>
            <span>
              kas signs its agent API with its own CA; on another machine, give the downloaded file to{' '}
              <code className={code}>--ca-cert-file</code>.
            </span>
          </p>
        ) : null}
      </section>

      <section aria-labelledby="cluster-title" className="space-y-2">
        <h2 id="cluster-title" className="font-semibold">
          In a cluster
        </h2>
        {yaml === null ? (
          <Notice>
            <span data-testid="public-address-problem">{facts.publicAddressProblem}</span>
          </Notice>
        ) : (
          <>
            {helm ? (
              <section aria-labelledby="helm-title" className="space-y-2">
                <h3 id="helm-title" className="font-medium">
                  With Helm
                </h3>
                <ol className="list-decimal space-y-2 pl-5">
                  <li>Create a token and save it to a file as above.</li>
                  {helm.needsCa ? (
                    <li>
                      Download kas&apos;s CA (the button above) as{' '}
                      <code className={code}>{caDownloadName}</code> beside it.
                    </li>
                  ) : null}
                  <li className="space-y-1">
                    <p>
                      Install the chart: from the root of a clone of the repository, replacing the image
                      repository with where you pushed the agentk image (docs/images.md),
                    </p>
                    <CommandBlock command={helm.fromClone} label="Copy" testId="helm-install-clone" />
                    <p>or with the chart kas serves:</p>
                    <CommandBlock command={helm.fromKas} label="Copy" testId="helm-install-served" />
                  </li>
                </ol>
                <p className="text-zinc-600 dark:text-zinc-400">
                  <code className={code}>pnpm mooring agent register</code> prints the same line with a new
                  token saved for you (docs/install.md).
                </p>
              </section>
            ) : null}
            <h3 className="font-medium">{helm ? 'Or with kubectl' : 'With kubectl'}</h3>
            <ol className="list-decimal space-y-2 pl-5">
              {tokenStep}
              <li>Save it to a file as above.</li>
              <li>
                Apply the manifest below (<code className={code}>kubectl apply -f manifest.yaml</code>).
              </li>
              <li className="space-y-1">
                <p>Store the token from the file (the pods start once the Secret exists):</p>
                <CommandBlock command={secretCommand(agentName)} label="Copy" testId="secret-command" />
              </li>
            </ol>
            <div className="flex items-center justify-between">
              <h3 id="manifest-title" className="font-medium">
                Manifest
              </h3>
              <CopyButton value={yaml} label="Copy manifest" />
            </div>
            <pre
              aria-labelledby="manifest-title"
              data-testid="manifest"
              tabIndex={0}
              className="overflow-x-auto rounded border border-zinc-200 bg-white p-3 text-xs dark:border-zinc-800 dark:bg-zinc-900"
            >
              {yaml}
            </pre>
          </>
        )}
      </section>

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
    </div>
  );
}
