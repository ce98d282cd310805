// What the console's install instructions need to know about this kas: the address agentk dials from kas's own
// machine and from a cluster, why there is no cluster address when kas listens on loopback only (and which settings
// change that), the CA agentk must trust, and a kubeconfig for agentk the demo left in the data dir.
import { existsSync } from 'node:fs';
import path from 'node:path';

export interface AgentInstallFacts {
  /** What agentk on kas's own machine dials, e.g. grpcs://127.0.0.1:8150. */
  localAddress: string;
  /** What agentk in a cluster dials (MOORING_KAS_URL, or a listener that binds a reachable address), else null. */
  publicAddress: string | null;
  /** Why `publicAddress` is null, naming the settings that fix it. */
  publicAddressProblem: string | null;
  /** Whether kas's listeners accept connections from this machine only. */
  loopbackOnly: boolean;
  /** kas's own CA (self-signed agent TLS), which agentk must be given; null for a public certificate or plain h2c. */
  caPem: string | null;
  /** Where that CA is on kas's machine. */
  caFile: string | null;
  /** A kubeconfig for agentk in the data dir (`pnpm start` writes one for the local cluster), when present. */
  localKubeconfig: string | null;
}

export interface AgentInstallInputs {
  /** MOORING_KAS_URL. */
  kasUrl: string | undefined;
  /** MOORING_LISTEN_HOST. */
  listenHost: string;
  /** The agent listener as bound, e.g. grpcs://0.0.0.0:8150. */
  listenerUrl: string;
  caPem: string | null;
  caFile: string | null;
  dataDir: string;
}

/** Where the demo (scripts/demo.ts) writes the local cluster's agent kubeconfig, under the data dir. */
export const DEMO_AGENT_KUBECONFIG = path.join('demo', 'agent.kubeconfig.yaml');

const WILDCARD = new Set(['0.0.0.0', '::', '[::]', '']);

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

export function agentInstallFacts(inputs: AgentInstallInputs): AgentInstallFacts {
  const listener = new URL(inputs.listenerUrl);
  const wildcard = WILDCARD.has(listener.hostname);
  const local = new URL(inputs.listenerUrl);
  if (wildcard) local.hostname = listener.hostname.includes(':') ? '[::1]' : '127.0.0.1';
  const loopbackOnly = isLoopbackHost(inputs.listenHost);
  const port = listener.port;
  const scheme = listener.protocol.replace(/:$/, '');
  let publicAddress: string | null = null;
  let publicAddressProblem: string | null = null;
  if (inputs.kasUrl) publicAddress = inputs.kasUrl;
  else if (loopbackOnly)
    publicAddressProblem =
      `kas listens on ${inputs.listenHost} (MOORING_LISTEN_HOST), which only this machine can reach, so agentk in a ` +
      `cluster cannot connect: restart kas with MOORING_LISTEN_HOST=0.0.0.0 and MOORING_KAS_URL=${scheme}://<a host ` +
      `name the cluster's pods resolve>:${port}`;
  else if (wildcard)
    publicAddressProblem =
      `kas listens on every address but does not know the name the cluster's pods reach it by: restart kas with ` +
      `MOORING_KAS_URL=${scheme}://<that host name>:${port}`;
  else publicAddress = `${scheme}://${listener.host}`;
  const kubeconfig = path.resolve(inputs.dataDir, DEMO_AGENT_KUBECONFIG);
  return {
    localAddress: `${scheme}://${local.host}`,
    publicAddress,
    publicAddressProblem,
    loopbackOnly,
    caPem: inputs.caPem,
    caFile: inputs.caFile ? path.resolve(inputs.caFile) : null,
    localKubeconfig: existsSync(kubeconfig) ? kubeconfig : null,
  };
}
