// What the console's install instructions are built from, over real HTTP against a real kas with its agent listener:
// GET /api/v1/agent-install (addresses, loopback-only, the CA), and what a real agentk with a bad token meets — one
// log line that says the token was rejected, a connect_refused line on its agent's activity for a revoked token of
// that agent, and the refusals counted by reason on /metrics (unknown tokens only there).
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { startAgentk, type Agentk } from '@mooring/agentk';
import { until } from '@mooring/modules/shared/testing/until';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultModules } from '../modules';
import { RestClient } from '../testing/api-client';
import { useTestKas } from '../testing/test-kas';
import { buildHttpWorld } from '../testing/world';

interface AgentInstall {
  localAddress: string;
  publicAddress: string | null;
  publicAddressProblem: string | null;
  loopbackOnly: boolean;
  caPem: string | null;
  caFile: string | null;
  localKubeconfig: string | null;
}

describe('agent install facts and refused agent tokens', () => {
  const testKas = useTestKas('pglite', { modules: defaultModules() });
  const agents: Agentk[] = [];
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop(1_000)));
  });

  /** A real agentk (no cluster behind it) whose log lines the test reads. */
  async function agentkWith(token: string, podName: string) {
    const lines: string[] = [];
    const logger = pino(
      { level: 'debug' },
      new Writable({
        write(chunk: Buffer, _enc, cb) {
          lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
          cb();
        },
      }),
    );
    const kas = testKas().kas;
    const agentk = await startAgentk({
      kasAddress: kas.urls.agent!,
      token,
      caCertPem: readFileSync(kas.urls.agentCaFile!),
      kubeConfig: null,
      podName,
      podNamespace: 'mooring-system',
      logger,
      pool: { backoffInitialMs: 100, backoffMaxMs: 300 },
      registerIntervalMs: 200,
    });
    agents.push(agentk);
    return lines;
  }

  const metric = async (reason: string) => {
    const text = await (await fetch(`${testKas().observabilityUrl}/metrics`)).text();
    const line = text
      .split('\n')
      .find((l) => l.startsWith(`mooring_kas_agent_token_rejected_total{reason="${reason}"}`));
    return line === undefined ? undefined : Number(line.split(' ').at(-1));
  };

  it("says where agentk dials, that kas listens on loopback only and how to change it, and gives kas's CA", async () => {
    const w = await buildHttpWorld(testKas());
    const kas = testKas().kas;
    const answer = await w.as.developer.get<AgentInstall>('/api/v1/agent-install');
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toEqual({
      localAddress: kas.urls.agent,
      publicAddress: null,
      publicAddressProblem: expect.stringMatching(
        /MOORING_LISTEN_HOST=0\.0\.0\.0 and MOORING_KAS_URL=grpcs:\/\//,
      ),
      loopbackOnly: true,
      caPem: readFileSync(kas.urls.agentCaFile!, 'utf8'),
      caFile: kas.urls.agentCaFile,
      localKubeconfig: null,
    });
    expect(answer.body.caPem).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect((await new RestClient(testKas().apiUrl).get('/api/v1/agent-install')).status).toBe(401);
  });

  it('a revoked token: agentk logs that kas rejected it, the agent page shows the attempt, the metric counts it', async () => {
    const w = await buildHttpWorld(testKas());
    const created = await w.as.maintainer.post<{ token: { id: number }; secret: string }>(
      `/api/v1/agents/${w.agentId}/tokens`,
      { name: 'rotated-out' },
    );
    expect(created.status, created.text).toBe(201);
    const revoked = await w.as.maintainer.delete(
      `/api/v1/agents/${w.agentId}/tokens/${created.body.token.id}`,
    );
    expect(revoked.status, revoked.text).toBe(200);
    const before = (await metric('revoked')) ?? 0;

    const lines = await agentkWith(created.body.secret, 'agentk-revoked');
    const warning = await until(
      () => `agentk to log that kas rejected its token (log: ${lines.join('\n')})`,
      () => lines.find((l) => l.includes('"failure":"token_rejected"') && l.includes('"level":40')),
    );
    expect(JSON.parse(warning).msg).toMatch(
      /^cannot connect to kas at grpcs:\/\/.*: kas rejected the token .*unknown or has been revoked.*; give a valid agent token \(--token-file\)/,
    );
    // One warning for the problem, however many modules hit it.
    expect(
      lines.filter((l) => l.includes('"failure":"token_rejected"') && l.includes('"level":40')),
    ).toHaveLength(1);

    const activity = await until('a connect_refused line on the agent activity', async () => {
      const rows = await w.as.developer.get<Array<{ kind: string; details: Record<string, unknown> }>>(
        `/api/v1/agents/${w.agentId}/activity`,
      );
      const refused = rows.body.filter((r) => r.kind === 'connect_refused');
      return refused.length > 0 && refused;
    });
    // Every call agentk makes is refused; one line a minute per token is written.
    expect(activity).toEqual([
      expect.objectContaining({
        details: expect.objectContaining({ reason: 'revoked', token: 'rotated-out' }),
      }),
    ]);
    expect(await metric('revoked')).toBeGreaterThan(before);
  });

  it('an unknown token only counts in the metric', async () => {
    const w = await buildHttpWorld(testKas());
    const before = (await metric('unknown')) ?? 0;
    await agentkWith(`mgt-${'Z'.repeat(50)}`, 'agentk-unknown');
    await until('the unknown token to be counted', async () => ((await metric('unknown')) ?? 0) > before);
    const rows = await w.as.developer.get<Array<{ kind: string }>>(`/api/v1/agents/${w.agentId}/activity`);
    expect(rows.body.filter((r) => r.kind === 'connect_refused')).toEqual([]);
    expect(await metric('malformed')).toBe(0);
  });
});
