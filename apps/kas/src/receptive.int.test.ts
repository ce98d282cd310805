// Receptive agents end to end (issue 15): a real kas (default modules, PGlite) dials a real in-process agentk that
// never dials out, over TLS with a JWT from the endpoint's key; kubectl through kas's proxy then reaches the run's
// local cluster as for an agent that dialed in. A JWT of another agent's key is refused by agentk; so are an unknown
// client certificate (mTLS) and, on kas's side, an agentk whose token belongs to another agent and a certificate
// that does not name the endpoint's TLS server name — each with its own words in the dial-out state. agentk refuses
// a JWT expired by its clock and a replayed one over a real socket, logging why (kas only learns it was refused).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import type { Agentk } from '@mooring/agentk';
import { RECEPTIVE_DIALER, type ReceptiveDialer } from '@mooring/modules/receptive/server/index';
import { PREFACE_OK, prefaceLine } from '@mooring/modules/receptive/shared/preface';
import { generateSelfSignedTls } from '@mooring/modules/shared/certificates';
import { until } from '@mooring/modules/shared/testing/until';
import { kubectl } from '@mooring/kube-dev/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultModules } from './modules';
import { RECEPTIVE_SERVER_NAME as SERVER_NAME, receptiveAgents } from './testing/receptive-agents';
import { startTestKas, type TestKas } from './testing/test-kas';
import { buildHttpWorld, uniqueName, type HttpWorld } from './testing/world';

describe('receptive agents: kas dials agentk', () => {
  let tk: TestKas;
  let w: HttpWorld;
  let agentk: Agentk | undefined;
  const agents = receptiveAgents(() => w);
  const { tls: tlsFiles, logs } = agents;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mooring-receptive-'));
  const dialer = () => tk.kas.provided.get<ReceptiveDialer>(RECEPTIVE_DIALER)!;
  const save = (agentId: number, port: number) => agents.saveJwtEndpoint(agentId, port);

  beforeAll(async () => {
    tk = await startTestKas('pglite', { modules: defaultModules() });
    w = await buildHttpWorld(tk);
  });

  afterAll(async () => {
    await agents.stop();
    await tk?.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('kas dials the agent, which never dials out, and kubectl through the proxy reaches its cluster', async () => {
    // The key pair exists once the endpoint is saved; agentk's port once it listens: save twice.
    const first = await save(w.agentId, 1);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    const token = await w.admin.post<{ secret: string }>(`/api/v1/agents/${w.agentId}/tokens`, { name: 'r' });
    expect(token.status, token.text).toBe(201);
    agentk = await agents.startAgentk(
      token.body.secret,
      { jwtPublicKeyPem: first.body.jwtPublicKey },
      { podName: 'agentk-receptive-0' },
    );
    const port = agentk.receptivePort!;
    expect((await save(w.agentId, port)).status).toBe(200);
    await agentk.registered;
    expect(dialer().states().get(w.agentId)).toMatchObject({ state: 'connected' });
    const state = await w.as.developer.get<{ state: string }>(
      `/api/v1/agents/${w.agentId}/receptive_endpoint/state`,
    );
    expect(state.body).toMatchObject({ state: 'connected', error: null });

    const { path: kubeconfig, context } = await agents.kubeconfig(w.as.developer, dir, w.agentId);
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

  const newAgentWithToken = (prefix: string) => agents.newAgentWithToken(prefix);
  const startReceptive = (token: string, auth: { jwtPublicKeyPem: string } | { clientCaPem: string }) =>
    agents.startAgentk(token, auth);

  /**
   * The dial-out error once it says `words`: an endpoint first saved at port 1 (to make its key) may still show that
   * attempt's failure until the dialer reads the second save.
   */
  const failure = (agentId: number, words: string | RegExp) =>
    until(
      () =>
        `agent ${agentId}'s dial-out to fail with ${words} (${JSON.stringify(dialer().states().get(agentId))})`,
      () => {
        const s = dialer().states().get(agentId);
        return (
          s?.state === 'failing' &&
          (typeof words === 'string' ? s.error.includes(words) : words.test(s.error)) &&
          s.error
        );
      },
    );

  it('refuses an agentk whose token belongs to another agent, naming both', async () => {
    const dialed = await newAgentWithToken('dialed');
    const owner = await newAgentWithToken('owner');
    const key = await save(dialed.agentId, 1);
    expect(key.status, key.text).toBe(200);
    // agentk trusts the dialed agent's key (the JWT passes) but carries the owner agent's token.
    const wrong = await startReceptive(owner.token, { jwtPublicKeyPem: key.body.jwtPublicKey });
    expect((await save(dialed.agentId, wrong.receptivePort!)).status).toBe(200);
    const error = await failure(dialed.agentId, 'uses a token of agent');
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
    expect(await failure(unknown.agentId, "agentk refused kas's client certificate")).toContain(
      '--receptive-client-ca-file',
    );
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
    expect(await failure(named.agentId, /TLS certificate is not valid for the name/)).toContain(
      'not-this-agent.example',
    );
  });
  it("refuses a JWT that has expired by agentk's clock: kas says agentk refused its JWT, agentk's log says why", async () => {
    // agentk's clock five minutes ahead of kas's (no NTP): every fresh JWT of kas's has expired by the time it arrives.
    const skewed = await agents.startJwtAgent('skewed-clock', { now: () => Date.now() + 5 * 60_000 });
    const error = await failure(skewed.agentId, "agentk refused kas's JWT");
    expect(error).toContain('--receptive-jwt-public-key-file');
    await until('agentk logged that the JWT expired', () =>
      logs.some((l) => /the JWT expired \d+ s ago \(check both clocks\)/.test(l)),
    );
  });

  it('refuses a replayed JWT over a real socket; kas itself never replays one and stays connected', async () => {
    const { agentId, agentk: target } = await agents.startJwtAgent('replay');
    // Someone who captured one of kas's JWTs (kas signs a fresh jti for every dial) and sends it twice.
    const jwt = (await tk.kas.services.receptiveEndpoints.signJwt(agentId))!;
    const handshake = () =>
      new Promise<string>((resolve) => {
        let answer = '';
        const socket = tls.connect(
          { host: '127.0.0.1', port: target.receptivePort!, ca: tlsFiles.caPem, servername: SERVER_NAME },
          () => socket.write(prefaceLine(jwt)),
        );
        // agentk's HTTP/2 bytes may follow its OK at once: the answer is the first line.
        const done = () =>
          resolve(answer.includes('\n') ? answer.slice(0, answer.indexOf('\n') + 1) : answer);
        socket.on('data', (d: Buffer) => {
          answer += d.toString('latin1');
          if (answer.includes('\n')) socket.destroy();
        });
        socket.on('close', done);
        socket.on('error', () => undefined);
      });
    expect(await handshake()).toBe(PREFACE_OK);
    expect(await handshake()).toBe('');
    await until('agentk logged the replay', () => logs.some((l) => l.includes('a replayed jti')));
    // The accepted handshake displaced kas's link (the newest connection serves); kas dials again with a new jti.
    await until('kas connected to the agent', () => dialer().states().get(agentId)?.state === 'connected');
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
