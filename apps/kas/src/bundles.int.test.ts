// What ships: the kas bundle and the agentk bundle (`pnpm build`), each started with plain node, and an agent that
// connects through them to the run's local cluster. A configuration large enough for the validator's worker thread
// checks that the worker's own bundle is found beside kas.mjs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { until } from '@mooring/modules/shared/testing/until';
import { spawnAgentkProcess, type AgentkProcess } from '@mooring/agentk/testing/agentk-process';
import { kasProcessPorts, spawnKas, type KasProcess } from './testing/kas-process';
import { testAdminPassword } from './testing/test-kas';
import { buildHttpWorld } from './testing/world';

describe('the production bundles', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mooring-bundles-'));
  let kas: KasProcess | undefined;
  let agentk: AgentkProcess | undefined;

  afterAll(async () => {
    await agentk?.stop(2_000);
    if (kas && kas.child.exitCode === null) kas.child.kill('SIGKILL');
    await kas?.exited;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('start with node, validate a large configuration in the worker thread, and connect an agent', async () => {
    const started = Date.now();
    kas = spawnKas({
      MOORING_DATA_DIR: path.join(dir, 'kas'),
      MOORING_ADMIN_PASSWORD: testAdminPassword,
      ...kasProcessPorts,
    });
    const urls = await kas.ready();
    console.log(`kas bundle ready in ${Date.now() - started} ms`);
    const w = await buildHttpWorld({
      apiUrl: urls.api,
      adminUsername: 'admin',
      adminPassword: testAdminPassword,
    });

    // Over the inline limit (4 KiB): validated by dist/config-validator-worker.mjs.
    const yaml = `${'# padding the configuration past the inline validation limit\n'.repeat(100)}observability:\n  logging:\n    level: debug\n`;
    expect(yaml.length).toBeGreaterThan(4 * 1024);
    const saved = await w.admin.post(`/api/v1/agents/${w.agentId}/configs`, { yaml });
    expect(saved.status, saved.text).toBe(201);
    const invalid = await w.admin.post<{ code: string }>(`/api/v1/agents/${w.agentId}/configs`, {
      yaml: `${yaml}observability: [twice\n`,
    });
    expect(invalid.status, invalid.text).toBe(400);
    expect(invalid.body.code).toBe('invalid_config');

    const token = await w.admin.post<{ secret: string }>(`/api/v1/agents/${w.agentId}/tokens`, {
      name: 'bundle',
    });
    expect(token.status, token.text).toBe(201);
    const tokenFile = path.join(dir, 'agent-token');
    fs.writeFileSync(tokenFile, token.body.secret, { mode: 0o600 });

    const agentStarted = Date.now();
    agentk = spawnAgentkProcess(
      [
        '--kas-address', urls.agent!,
        '--token-file', tokenFile,
        '--ca-cert-file', urls.agentCaFile!,
        '--kubeconfig', inject('kubeCluster').agentKubeconfigPath,
        '--observability-listen-address', '127.0.0.1:0',
      ], // prettier-ignore
      { POD_NAME: 'agentk-bundle', POD_NAMESPACE: 'mooring-system' },
    );
    const connection = await until(
      () => `the agentk bundle to connect: ${agentk!.output().slice(-2000)}`,
      async () => {
        const rows = await w.admin.get<
          { podName: string; disconnectedAt: string | null; configVersion: number | null }[]
        >(`/api/v1/agents/${w.agentId}/connections`);
        return rows.body.find((r) => r.podName === 'agentk-bundle' && r.disconnectedAt === null);
      },
      60_000,
    );
    console.log(`agentk bundle connected ${Date.now() - agentStarted} ms after it started`);
    expect(connection.podName).toBe('agentk-bundle');
    const readyz = await until('agentk /readyz', () => agentk!.observabilityUrl());
    // Registered comes before the first tunnel stream; /readyz wants both.
    await until(
      'agentk /readyz to answer 200',
      async () => (await fetch(`${readyz}/readyz`)).status === 200,
      30_000,
    );
    // A figure, not an assertion (docs/decisions.md, "agentk's memory"): agentk's RSS at rest, run from its bundle.
    const rss = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${agentk.child.pid}/status`, 'utf8'))?.[1];
    console.log(`agentk bundle RSS once connected: ${rss ? Math.round(Number(rss) / 1024) : '?'} MiB`);

    expect(await agentk.stop()).toBe(0);
    kas.child.kill('SIGTERM');
    expect(await kas.exited).toBe(0);
  }, 120_000);
});
