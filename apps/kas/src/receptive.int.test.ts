// Receptive agents end to end (issue 15): a real kas (default modules, PGlite) dials a real in-process agentk that
// never dials out, over TLS with a JWT from the endpoint's key; kubectl through kas's proxy then reaches the run's
// local cluster as for an agent that dialed in. A JWT of another agent's key is refused by agentk; so are an unknown
// client certificate (mTLS) and, on kas's side, an agentk whose token belongs to another agent and a certificate
// that does not name the endpoint's TLS server name — each with its own words in the dial-out state.
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
  const others: Agentk[] = [];
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
    await Promise.all(others.map((a) => a.stop(2_000)));
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

  async function newAgentWithToken(prefix: string) {
    const agent = await w.admin.post<{ id: number }>(`/api/v1/projects/${w.projectId}/agents`, {
      name: uniqueName(prefix),
    });
    expect(agent.status, agent.text).toBe(201);
    const token = await w.admin.post<{ secret: string }>(`/api/v1/agents/${agent.body.id}/tokens`, {
      name: 't',
    });
    expect(token.status, token.text).toBe(201);
    return { agentId: agent.body.id, token: token.body.secret };
  }

  async function startReceptive(
    token: string,
    auth: { jwtPublicKeyPem: string } | { clientCaPem: string },
  ): Promise<Agentk> {
    const cluster = kubeCluster();
    const started = await startAgentk({
      receptive: { listenAddress: '127.0.0.1:0', certPem: tlsFiles.certPem, keyPem: tlsFiles.keyPem, auth },
      token,
      kubeConfig: loadKubeConfig(cluster.agentKubeconfigPath),
      podName: uniqueName('agentk-receptive'),
      podNamespace: cluster.agentNamespace,
      logger: pino({ level: 'warn' }, { write: (line: string) => void logs.push(line) }),
    });
    others.push(started);
    return started;
  }

  const failure = (agentId: number) =>
    until(`agent ${agentId}'s dial-out fails`, () => {
      const s = dialer().states().get(agentId);
      return s?.state === 'failing' && s.error;
    });

  it('refuses an agentk whose token belongs to another agent, naming both', async () => {
    const dialed = await newAgentWithToken('dialed');
    const owner = await newAgentWithToken('owner');
    const key = await save(dialed.agentId, 1);
    expect(key.status, key.text).toBe(200);
    // agentk trusts the dialed agent's key (the JWT passes) but carries the owner agent's token.
    const wrong = await startReceptive(owner.token, { jwtPublicKeyPem: key.body.jwtPublicKey });
    expect((await save(dialed.agentId, wrong.receptivePort!)).status).toBe(200);
    const error = await failure(dialed.agentId);
    expect(error).toContain(`uses a token of agent ${owner.agentId}, not of agent ${dialed.agentId}`);
    expect(error).toContain(`give it a token of agent ${dialed.agentId}`);
  });

  it('dials an agentk in mTLS mode with the endpoint client certificate; an unknown one is refused', async () => {
    const client = generateSelfSignedTls([], { clientAuth: true });
    const stranger = generateSelfSignedTls([], { clientAuth: true });
    const mtls = await newAgentWithToken('mtls');
    const saveMtls = (agentId: number, port: number, cert: { certPem: string; keyPem: string }) =>
      w.admin.put(`/api/v1/agents/${agentId}/receptive_endpoint`, {
        url: `grpcs://127.0.0.1:${port}`,
        auth: {
          type: 'mtls',
          clientCert: cert.certPem,
          clientKey: cert.keyPem,
          caCert: tlsFiles.caPem,
          serverName: SERVER_NAME,
        },
      });
    const agent = await startReceptive(mtls.token, { clientCaPem: client.caPem });
    const saved = await saveMtls(mtls.agentId, agent.receptivePort!, client);
    expect(saved.status, saved.text).toBe(200);
    await agent.registered;
    await until(
      'the mTLS agent is connected',
      () => dialer().states().get(mtls.agentId)?.state === 'connected',
    );

    const unknown = await newAgentWithToken('unknown-cert');
    const refusing = await startReceptive(unknown.token, { clientCaPem: client.caPem });
    expect((await saveMtls(unknown.agentId, refusing.receptivePort!, stranger)).status).toBe(200);
    expect(await failure(unknown.agentId)).toContain("agentk refused kas's client certificate");
    await until('agentk logged why', () => logs.some((l) => l.includes('refused a connection')));
  });

  it("says when agentk's certificate does not name the endpoint's TLS server name", async () => {
    const named = await newAgentWithToken('tls-name');
    const first = await w.admin.put<{ jwtPublicKey: string }>(
      `/api/v1/agents/${named.agentId}/receptive_endpoint`,
      {
        url: 'grpcs://127.0.0.1:1',
        auth: { type: 'jwt', caCert: tlsFiles.caPem, serverName: 'not-this-agent.example' },
      },
    );
    expect(first.status, first.text).toBe(200);
    const agent = await startReceptive(named.token, { jwtPublicKeyPem: first.body.jwtPublicKey });
    const second = await w.admin.put(`/api/v1/agents/${named.agentId}/receptive_endpoint`, {
      url: `grpcs://127.0.0.1:${agent.receptivePort!}`,
      auth: { type: 'jwt', caCert: tlsFiles.caPem, serverName: 'not-this-agent.example' },
    });
    expect(second.status, second.text).toBe(200);
    expect(await failure(named.agentId)).toMatch(/TLS certificate is not valid for the name/);
  });
  it('dials anew when the endpoint is saved again, and closes the link when it is deleted', async () => {
    const before = dialer().states().get(w.agentId) as { state: string; since: Date };
    expect(before).toMatchObject({ state: 'connected' });
    expect((await save(w.agentId, agentk!.receptivePort!)).status).toBe(200);
    const again = await until('connected anew', () => {
      const s = dialer().states().get(w.agentId);
      return s?.state === 'connected' && s.since > before.since && s;
    });
    expect(again.state).toBe('connected');
    // Deleting drops the key pair too: a new endpoint gets a new key, and agentk must be given it.
    const removed = await w.admin.delete(`/api/v1/agents/${w.agentId}/receptive_endpoint`);
    expect(removed.status, removed.text).toBeLessThan(300);
    await until('the dial-out is gone', () => !dialer().states().has(w.agentId));
  });
});
