// A real agentk process for the proxy's integration tests, dialing a test kas with a token file, CA file and
// kubeconfig; started through the one agentk process launcher (the production bundle, apps/agentk testing).
import {
  spawnAgentkProcess,
  type AgentkProcess as BundleProcess,
} from '../../../../../apps/agentk/src/testing/agentk-process';

export interface AgentkProcess extends BundleProcess {
  podName: string;
}

export interface SpawnAgentkOptions {
  podName: string;
  kasUrl: string;
  tokenFile: string;
  caFile: string;
  kubeconfig: string;
}

export function spawnAgentk(options: SpawnAgentkOptions): AgentkProcess {
  const agentk = spawnAgentkProcess(
    [
      '--kas-address', options.kasUrl,
      '--token-file', options.tokenFile,
      '--ca-cert-file', options.caFile,
      '--kubeconfig', options.kubeconfig,
      '--observability-listen-address', '127.0.0.1:0',
    ], // prettier-ignore
    { POD_NAME: options.podName, POD_NAMESPACE: 'mooring-system' },
  );
  return { ...agentk, podName: options.podName };
}
