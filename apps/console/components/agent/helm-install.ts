// The helm install lines the "Connect a cluster" page shows, filled in for the agent: kas's agent address and CA
// from meta.agentInstall, the token file the page's save command writes, the chart from a clone or as kas serves it.
// The line itself is built by agent_registrar/shared/helm-install-command.ts, which the `mooring` CLI prints too;
// docs/install.md shows the same lines (helm-install.test.ts compares them).
import {
  caFileName,
  exampleImageRepository,
  helmInstallCommand,
  localChartPath,
  needsKasCa,
  servedChartUrl,
} from '@mooring/modules/agent_registrar/shared/helm-install-command';

import type { AgentInstallFacts } from './install';

export interface HelmInstallLines {
  /** From the root of a clone of the repository (the chart in its working tree). */
  fromClone: string;
  /** Anywhere: the chart kas serves at /api/v1/charts/agentk-<version>.tgz. */
  fromKas: string;
  /** Whether the lines read kas's CA from caFileName (download it first). */
  needsCa: boolean;
}

/**
 * Null when kas knows no address a cluster can dial (facts.publicAddressProblem says why). `kasUrl` is where this
 * browser reaches the API (the console serves /api/v1 too); `version` is kas's (the chart's version is the same).
 */
export function helmInstallLines(
  agentName: string,
  facts: AgentInstallFacts,
  served: { kasUrl: string; version: string },
  imageRepository = exampleImageRepository,
): HelmInstallLines | null {
  const kasAddress = facts.publicAddress;
  if (kasAddress === null) return null;
  const needsCa = needsKasCa(kasAddress, facts.caPem);
  const line = (chart: string) =>
    helmInstallCommand({
      agentName,
      chart,
      imageRepository,
      kasAddress,
      caFile: needsCa ? caFileName : null,
    });
  return {
    fromClone: line(localChartPath),
    fromKas: line(servedChartUrl(served.kasUrl, served.version)),
    needsCa,
  };
}
