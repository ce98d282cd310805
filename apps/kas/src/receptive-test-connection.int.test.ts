// Test connection (issue 15): a Maintainer asks kas to dial a receptive endpoint once, before saving, and gets each
// step by name — resolve, connect, TLS, handshake — with the failure in words. Real kas (default modules, PGlite), a
// real in-process agentk listening for kas, real sockets. The probe handshake leaves the link that serves alone;
// Developers are refused; the eleventh test in a minute is rate-limited; every test is in the audit log.
import type { Agentk } from '@mooring/agentk';
import { RECEPTIVE_DIALER, type ReceptiveDialer } from '@mooring/modules/receptive/server/index';
import { closedLoopbackPort } from '@mooring/modules/shared/testing/loopback';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultModules } from './modules';
import { RECEPTIVE_SERVER_NAME, receptiveAgents } from './testing/receptive-agents';
import { startTestKas, type TestKas } from './testing/test-kas';
import { buildHttpWorld, type HttpWorld } from './testing/world';

interface TestAnswer {
  ok: boolean;
  steps: { step: string; status: string }[];
  failure: { kind: string; problem: string; fix: string } | null;
  note: string | null;
}

describe('Test connection on the receptive form', () => {
  let tk: TestKas;
  let w: HttpWorld;
  let agentk: Agentk | undefined;
  const agents = receptiveAgents(() => w);
  const logs = agents.logs;
  const dialer = () => tk.kas.provided.get<ReceptiveDialer>(RECEPTIVE_DIALER)!;
  const draft = (port: number, serverName = RECEPTIVE_SERVER_NAME, extra: { rotateKey?: boolean } = {}) => ({
    url: `grpcs://127.0.0.1:${port}`,
    auth: { type: 'jwt', caCert: agents.tls.caPem, serverName, ...extra },
  });
  const test = (port: number, serverName?: string, as = w.as.maintainer, extra = {}) =>
    as.post<TestAnswer>(
      `/api/v1/agents/${w.agentId}/receptive_endpoint/test`,
      draft(port, serverName, extra),
    );

  beforeAll(async () => {
    tk = await startTestKas('pglite', { modules: defaultModules() });
    w = await buildHttpWorld(tk);
  });

  afterAll(async () => {
    await agents.stop();
    await tk?.dispose();
  });

  it('a port nothing listens on fails at connect: "connection refused", naming agentk\'s default port', async () => {
    const port = await closedLoopbackPort();
    const refused = await test(port);
    expect(refused.status, refused.text).toBe(200);
    expect(refused.body.ok).toBe(false);
    expect(refused.body.steps).toEqual([
      { step: 'resolve', status: 'ok' },
      { step: 'connect', status: 'failed' },
      { step: 'tls', status: 'not_reached' },
      { step: 'handshake', status: 'not_reached' },
    ]);
    expect(refused.body.failure).toMatchObject({ kind: 'refused' });
    expect(refused.body.failure!.problem).toContain('connection refused');
    expect(refused.body.failure!.fix).toContain('default 8082');
    console.log(
      `Test connection, wrong port: ${refused.body.failure!.problem}; ${refused.body.failure!.fix}`,
    );

    // A listener that is agentk's, before the endpoint was ever saved (no key pair yet).
    const saved = await agents.saveJwtEndpoint(w.agentId, port);
    expect(saved.status, saved.text).toBe(200);
    const token = await w.admin.post<{ secret: string }>(`/api/v1/agents/${w.agentId}/tokens`, { name: 'r' });
    agentk = await agents.startAgentk(
      token.body.secret,
      { jwtPublicKeyPem: saved.body.jwtPublicKey },
      { podName: 'agentk-receptive-test-0', logLevel: 'info' },
    );
  });

  it('with the right values every step passes, and the probe leaves the serving link alone', async () => {
    const port = agentk!.receptivePort!;
    const ok = await test(port);
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body).toEqual({
      ok: true,
      steps: ['resolve', 'connect', 'tls', 'handshake'].map((step) => ({ step, status: 'ok' })),
      failure: null,
      note: null,
    });
    expect(logs.some((l) => l.includes('kas tested the connection'))).toBe(true);

    // A draft that makes a new key pair: agentk cannot know it yet, so the handshake is not tried.
    const rotating = await test(port, undefined, w.as.maintainer, { rotateKey: true });
    expect(rotating.body.ok).toBe(true);
    expect(rotating.body.steps.map((s) => s.status)).toEqual(['ok', 'ok', 'ok', 'skipped']);
    expect(rotating.body.note).toContain('public key');

    // Save the working values: the dialer connects; a probe afterwards does not replace that link.
    expect((await w.admin.put(`/api/v1/agents/${w.agentId}/receptive_endpoint`, draft(port))).status).toBe(
      200,
    );
    await agentk!.registered;
    const link = dialer().states().get(w.agentId);
    expect(link, logs.join('')).toMatchObject({ state: 'connected' });
    const probe = await test(port);
    expect(probe.body.ok, JSON.stringify(probe.body)).toBe(true);
    expect(dialer().states().get(w.agentId), logs.join('')).toEqual(link);
    const connectedLogs = logs.filter((l) => l.includes('receptive listener: kas connected')).length;
    expect(connectedLogs, logs.join('')).toBe(1);
  });

  it('a certificate that does not name the server name fails at TLS, in words', async () => {
    const res = await test(agentk!.receptivePort!, 'other.example.test');
    expect(res.body.steps.map((s) => s.status)).toEqual(['ok', 'ok', 'failed', 'not_reached']);
    expect(res.body.failure).toMatchObject({ kind: 'tls_name' });
    expect(res.body.failure!.fix).toContain('the endpoint TLS server name');
  });

  it('refuses a Developer, limits each user to ten tests a minute, and audits every test', async () => {
    const developer = await test(agentk!.receptivePort!, undefined, w.as.developer);
    expect(developer.status).toBe(403);
    // A Developer still sees the dial-out state (the clusters overview reads it); a Guest sees no agent.
    const states = await w.as.developer.get<{ agentId: number; state: string }[]>(
      '/api/v1/receptive_endpoints/states',
    );
    expect(states.status, states.text).toBe(200);
    expect(states.body).toContainEqual(expect.objectContaining({ agentId: w.agentId, state: 'connected' }));
    expect((await w.as.guest.get<unknown[]>('/api/v1/receptive_endpoints/states')).body).toEqual([]);

    // The maintainer has used 5 of 10; the owner has a budget of its own.
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await test(agentk!.receptivePort!)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const limited = await test(agentk!.receptivePort!);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(JSON.stringify(limited.body)).toContain('10 connection tests a minute');
    expect((await test(agentk!.receptivePort!, undefined, w.as.owner)).status).toBe(200);

    const audit = await w.admin.get<{ actorName: string; details: Record<string, unknown> }[]>(
      '/api/v1/audit?action=receptive_endpoint.test&limit=100',
    );
    expect(audit.status).toBe(200);
    // Ten by the maintainer, one by the owner; refused and rate-limited attempts dialed nothing.
    expect(audit.body).toHaveLength(11);
    const failures = audit.body.map((r) => r.details.failure).filter(Boolean);
    expect(failures.sort()).toEqual(['refused', 'tls_name']);
    expect(audit.body.find((r) => r.details.failure === 'refused')?.details.failedStep).toBe('connect');
  });
});
