// agentk as a real process: flags, token file, TLS CA file, kubeconfig of the real cluster, SIGTERM shutdown.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { until } from '@mooring/modules/shared/testing/until';
import { spawnAgentk } from './testing/agentk-process';
import { startTestKas, type TestKas } from './testing/test-support';

const children: ChildProcess[] = [];
let kas: TestKas | null = null;
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await kas?.server.stop(2_000);
});

function runAgentk(args: string[], env: Record<string, string>) {
  const agentk = spawnAgentk(args, env);
  children.push(agentk.child);
  return { child: agentk.child, output: agentk.output, exited: agentk.exited };
}

describe('agentk process', () => {
  it('connects with --token-file/--ca-cert-file/--kubeconfig, serves /readyz, and exits 0 on SIGTERM', async () => {
    kas = await startTestKas({ 'mgt-process': { agentId: 21, tokenId: 210, projectId: 1 } });
    const dir = mkdtempSync(join(tmpdir(), 'agentk-process-'));
    writeFileSync(join(dir, 'token'), 'mgt-process\n');
    const { child, output, exited } = runAgentk(
      [
        '--kas-address', kas.server.url,
        '--token-file', join(dir, 'token'),
        '--ca-cert-file', kas.server.caFile!,
        '--kubeconfig', inject('kubeCluster').agentKubeconfigPath,
        '--kas-header', 'X-Canary: yes',
        '--observability-listen-address', '127.0.0.1:0',
      ], // prettier-ignore
      { POD_NAME: 'agentk-proc', POD_NAMESPACE: 'mooring-system' },
    );
    await until(
      'pod registered',
      () => kas!.server.connectedAgents.list(21)[0]?.meta?.podName === 'agentk-proc',
      30_000,
    );
    const url = await until(
      'observability url logged',
      () => /observability listening on (http:\/\/\S+?)"/.exec(output())?.[1],
    );
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    expect(kas.server.dialer.streamCounts(21).idle).toBeGreaterThanOrEqual(2);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    await until('tunnels closed', () => kas!.server.dialer.streamCounts(21).idle === 0);
  }, 60_000);

  it('refuses bad flags with exit code 2 and says which flag is wrong', async () => {
    const { exited, output } = runAgentk(['--kas-address', 'http://kas:8150', '--max-streams', '1'], {
      MOORING_AGENT_TOKEN: 'mgt-x',
      POD_NAME: 'p',
      POD_NAMESPACE: 'n',
    });
    expect(await exited).toBe(2);
    expect(output()).toContain('--kas-address: expected grpc://host:port or grpcs://host:port');
    expect(output()).toContain('--max-streams: expected at least 2');
  }, 30_000);
});
