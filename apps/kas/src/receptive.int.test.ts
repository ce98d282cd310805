// Receptive agents end to end (issue 15): a real kas (default modules, PGlite) dials a real in-process agentk that
// never dials out, over TLS with a JWT from the endpoint's key; kubectl through kas's proxy then reaches the run's
// local cluster as for an agent that dialed in. A JWT of another agent's key is refused by agentk.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadKubeConfig, startAgentk, type Agentk } from '@mooring/agentk';
import { RECEPTIVE_DIALER, type ReceptiveDialer } from '@mooring/modules/receptive/server/index';
import { generateSelfSignedTls } from '@mooring/modules/shared/certificates';
import { until } from '@mooring/modules/shared/testing/until';
import { kubeCluster, kubectl } from '@mooring/kube-dev/testing';
import pino from 'pino';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultModules } from './modules';
import { startTestKas, type TestKas } from './testing/test-kas';
import { buildHttpWorld, uniqueName, type HttpWorld } from './testing/world';

const SERVER_NAME = 'agent.receptive.test';

describe('receptive agents: kas dials agentk', () => {
  let tk: TestKas;
  let w: HttpWorld;
  let agentk: Agentk | undefined;
  const tlsFiles = generateSelfSignedTls([SERVER_NAME]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mooring-receptive-'));
  const logs: string[] = [];
  const dialer = () => tk.kas.provided.get<ReceptiveDialer>(RECEPTIVE_DIALER)!;
  const save = (agentId: number, port: number) =>
    w.admin.put<{ jwtPublicKey: string }>(`/api/v1/agents/${agentId}/receptive_endpoint`, {
      url: `grpcs://127.0.0.1:${port}`,
      auth: { type: 'jwt', caCert: tlsFiles.caPem, serverName: SERVER_NAME },
    });

  beforeAll(async () => {
    tk = await startTestKas('pglite', { modules: defaultModules() });
    w = await buildHttpWorld(tk);
  });

  afterAll(async () => {
    await agentk?.stop(2_000);
    await tk?.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('kas dials the agent, which never dials out, and kubectl through the proxy reaches its cluster', async () => {
    // The key pair exists once the endpoint is saved; agentk's port once it listens: save twice.
    const first = await save(w.agentId, 1);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    const token = await w.admin.post<{ secret: string }>(`/api/v1/agents/${w.agentId}/tokens`, { name: 'r' });
    expect(token.status, token.text).toBe(201);
    const cluster = kubeCluster();
    agentk = await startAgentk({
      receptive: {
        listenAddress: '127.0.0.1:0',
        certPem: tlsFiles.certPem,
        keyPem: tlsFiles.keyPem,
        auth: { jwtPublicKeyPem: first.body.jwtPublicKey },
      },
      token: token.body.secret,
      kubeConfig: loadKubeConfig(cluster.agentKubeconfigPath),
      podName: 'agentk-receptive-0',
      podNamespace: cluster.agentNamespace,
      logger: pino({ level: 'warn' }, { write: (line: string) => void logs.push(line) }),
    });
    const port = agentk.receptivePort!;
    expect((await save(w.agentId, port)).status).toBe(200);
    await agentk.registered;
    expect(dialer().states().get(w.agentId)).toMatchObject({ state: 'connected' });
    const state = await w.as.developer.get<{ state: string }>(
      `/api/v1/agents/${w.agentId}/receptive_endpoint/state`,
    );
    expect(state.body).toMatchObject({ state: 'connected', error: null });

    const made = await w.as.developer.post<{ filename: string; yaml: string }>('/api/v1/kubeconfig', {
      expiresInDays: 1,
    });
    expect(made.status, made.text).toBe(201);
    const kubeconfig = path.join(dir, made.body.filename);
    fs.writeFileSync(kubeconfig, made.body.yaml, { mode: 0o600 });
    const context = (parse(made.body.yaml) as { contexts: { name: string }[] }).contexts[0]!.name;
    const got = await kubectl(['--context', context, 'get', 'ns', '-o', 'name'], { kubeconfig });
    expect(got.stderr).toBe('');
    expect(got.stdout).toContain('namespace/default');
  });

  it("refuses kas with a JWT of another agent's key, and the dialer says so in words", async () => {
    const other = await w.admin.post<{ id: number }>(`/api/v1/projects/${w.projectId}/agents`, {
      name: uniqueName('other'),
    });
    expect(other.status, other.text).toBe(201);
    // The other agent's endpoint names this agentk: its JWT is signed with the other agent's key.
    expect((await save(other.body.id, agentk!.receptivePort!)).status).toBe(200);
    await until('the other agent fails', () => dialer().states().get(other.body.id)?.state === 'failing');
    const state = dialer().states().get(other.body.id) as { error: string };
    expect(state.error).toMatch(/agentk refused kas/);
    // Between attempts the state is failing; an attempt in progress shows dialing.
    const shown = await until('the API shows the failure', async () => {
      const res = await w.as.developer.get<{ state: string; error: string | null }>(
        `/api/v1/agents/${other.body.id}/receptive_endpoint/state`,
      );
      return res.body.state === 'failing' && res.body;
    });
    expect(shown.error).toMatch(/agentk refused kas/);
    await until('agentk logged why', () => logs.some((l) => l.includes('refused a connection')));
    // The agent that owns the listener stays connected.
    expect(dialer().states().get(w.agentId)).toMatchObject({ state: 'connected' });
  });
});
