// Reading a kas process's /metrics from a test: the counters that say which replica holds an agent's tunnels and
// which replica routed or served a call.

/** The sum of a metric's samples whose labels include every one of `labels` (0 when none). */
export async function metricSum(
  observabilityUrl: string,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const text = await (await fetch(`${observabilityUrl}/metrics`)).text();
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labelText = line.slice(name.length).split('}')[0] ?? '';
    if (wanted.every((w) => labelText.includes(w))) sum += Number(line.split(' ').at(-1));
  }
  return sum;
}

/** The tunnels of `agentId` a replica holds (idle and busy). */
export const tunnelsOn = (observabilityUrl: string, agentId: number) =>
  metricSum(observabilityUrl, 'mooring_kas_tunnels_by_agent', { agent_id: String(agentId) });

/** Calls a replica routed as a gateway (`side: 'gateway'`) or served for another (`side: 'router'`). */
export const routedCalls = (observabilityUrl: string, side: 'gateway' | 'router', outcome: string) =>
  metricSum(observabilityUrl, 'mooring_kas_routed_calls_total', { side, outcome });
