// The one `helm install` line for agentk (docs/install.md): the console's "Connect a cluster" page and the `mooring`
// CLI both print it from here, with the names the agentk chart's values use (deploy/charts/agentk). The token is
// never in the command: helm reads it from a file only its owner can read (--set-file), so it stays out of shell
// history and `ps`.

import { agentNamespace } from './agent-rbac';

// The namespace is the RBAC source's (one definition for the chart, the manifest and every command).
export { agentNamespace };

/** The chart inside a clone of the repository, relative to its root. */
export const localChartPath = './deploy/charts/agentk';

/** What the commands show for the image repository until the user names theirs (docs/images.md). */
export const exampleImageRepository = 'registry.example.com/mooring/agentk';

/** File name of kas's CA beside the commands (the console's download, the CLI's copy). */
export const caFileName = 'mooring-kas-ca.crt';

/** Where the commands keep the agent token, relative to where they run (.mooring is git-ignored in a clone). */
export function tokenFile(agentName: string): string {
  return `.mooring/${agentName}.agent-token`;
}

/** The Helm release of an agent. */
export function releaseName(agentName: string): string {
  return `mooring-agent-${agentName}`;
}

/** The chart kas serves (GET /api/v1/charts/agentk-<version>.tgz), for machines without a clone. */
export function servedChartUrl(kasUrl: string, version: string): string {
  return `${kasUrl.replace(/\/+$/, '')}/api/v1/charts/agentk-${version}.tgz`;
}

export interface HelmInstallInput {
  agentName: string;
  /** localChartPath, or servedChartUrl(...). */
  chart: string;
  /** Where the agentk image was pushed, without a tag (the chart's default tag is its app version). */
  imageRepository: string;
  /** What agentk in the cluster dials: grpc:// or grpcs://. */
  kasAddress: string;
  /** A file holding kas's CA when kas's certificate is its own (self-signed); null for a public certificate. */
  caFile: string | null;
}

/** Shell-quotes a value only when it needs it (so the usual line reads as typed). */
function arg(value: string): string {
  return /^[A-Za-z0-9_./:@=+,-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The install line, one flag per line (joined with ` \` so it pastes as one command). */
export function helmInstallCommand(input: HelmInstallInput): string {
  const parts = [
    `helm install ${arg(releaseName(input.agentName))} ${arg(input.chart)} --namespace ${agentNamespace} --create-namespace`,
    `--set image.repository=${arg(input.imageRepository)}`,
    `--set kas.address=${arg(input.kasAddress)}`,
    ...(input.caFile ? [`--set-file kas.caCert=${arg(input.caFile)}`] : []),
    `--set-file token.value=${arg(tokenFile(input.agentName))}`,
  ];
  return parts.join(' \\\n  ');
}

/** Whether agentk must be given kas's CA for this address (TLS with kas's own certificate). */
export function needsKasCa(kasAddress: string, caPem: string | null): boolean {
  return kasAddress.startsWith('grpcs://') && caPem !== null;
}
