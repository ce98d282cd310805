import { writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';

export interface KubeconfigInput {
  clusterName: string;
  server: string;
  /** base64 of the CA PEM; kubeconfigs always verify the server, never insecure-skip-tls-verify. */
  caData: string;
  userName: string;
  token: string;
  namespace?: string;
}

export function renderKubeconfig(input: KubeconfigInput): string {
  if (!/^https:\/\//.test(input.server))
    throw new Error(`kubeconfig server must be an https URL, got "${input.server}"`);
  if (!input.caData)
    throw new Error('kubeconfig needs certificate-authority-data: the cluster CA is required');
  if (!input.token) throw new Error(`kubeconfig for user "${input.userName}" needs a token`);
  const context = `${input.userName}@${input.clusterName}`;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: input.clusterName,
        cluster: { server: input.server, 'certificate-authority-data': input.caData },
      },
    ],
    users: [{ name: input.userName, user: { token: input.token } }],
    contexts: [
      {
        name: context,
        context: {
          cluster: input.clusterName,
          user: input.userName,
          ...(input.namespace ? { namespace: input.namespace } : {}),
        },
      },
    ],
    'current-context': context,
    preferences: {},
  });
}

export async function writeKubeconfig(path: string, input: KubeconfigInput): Promise<string> {
  await writeFile(path, renderKubeconfig(input), { mode: 0o600 });
  return path;
}
