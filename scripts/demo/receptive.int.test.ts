// The demo's receptive agent against a real kas (embedded database, default modules) and a real in-process agentk
// in receptive mode started from the seeded files, as `pnpm start` starts it: kas dials it and it stays connected;
// the files are private; a second seed reuses the agent, token, key and port, and moves only when the port is taken.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { loadKubeConfig, startAgentk, type Agentk } from '@mooring/agentk';
import { startKas, type RunningKas } from '@mooring/kas';
import { loopbackTestConfig } from '@mooring/kas/testing/loopback-config';
import { kubeCluster } from '@mooring/kube-dev/testing';
import { RECEPTIVE_DIALER, type ReceptiveDialer } from '@mooring/modules/receptive/server/index';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../apps/console/server/start';
import { createLogger } from '../../apps/kas/src/logger';
import { seedReceptiveDemo, waitForReceptiveLink, type ReceptiveDemoSeed } from './receptive';

const mode = (file: string) => (fs.statSync(file).mode & 0o777).toString(8);

describe('pnpm start: the receptive demo agent', () => {
  let kas: RunningKas;
  let dataDir: string;
  let demoDir: string;
  let agentk: Agentk | null = null;
  /** What the first start seeded. */
  let first: ReceptiveDemoSeed;
  const quiet = () =>
    createLogger({ level: 'warn', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
  const seed = () => seedReceptiveDemo(kas.services, demoDir, () => freePort('127.0.0.1'));
  const dialer = () => kas.provided.get<ReceptiveDialer>(RECEPTIVE_DIALER);

  /** agentk as scripts/demo.ts starts it, from the seeded files (in-process here). */
  async function startSeededAgentk(s: ReceptiveDemoSeed): Promise<Agentk> {
    const cluster = kubeCluster();
    return startAgentk({
      receptive: {
        listenAddress: s.listenAddress,
        certPem: fs.readFileSync(s.certFile),
        keyPem: fs.readFileSync(s.keyFile),
        auth: { jwtPublicKeyPem: fs.readFileSync(s.jwtPublicKeyFile) },
      },
      token: fs.readFileSync(s.tokenFile, 'utf8').trim(),
      kubeConfig: loadKubeConfig(cluster.agentKubeconfigPath),
      podName: 'agentk-receptive-demo',
      podNamespace: cluster.agentNamespace,
      observability: null,
      logger: quiet(),
    });
  }

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mooring-demo-receptive-'));
    demoDir = path.join(dataDir, 'demo');
    fs.mkdirSync(demoDir, { mode: 0o700 });
    kas = await startKas(loopbackTestConfig(dataDir, { MOORING_ADMIN_PASSWORD: 'demo-receptive-admin-1' }), {
      logger: quiet(),
    });
  });

  afterAll(async () => {
    await agentk?.stop(2_000);
    await kas?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('seeds an agent whose agentk kas dials over TLS with a JWT, from private files', async () => {
    first = await seed();
    expect(first.url).toBe(`grpcs://${first.listenAddress}`);
    expect(first.listenAddress).toMatch(/^127\.0\.0\.1:\d+$/);
    for (const file of [first.tokenFile, first.certFile, first.keyFile, first.jwtPublicKeyFile])
      expect(mode(file), file).toBe('600');
    expect(mode(path.dirname(first.certFile))).toBe('700');
    agentk = await startSeededAgentk(first);
    const link = await waitForReceptiveLink(dialer(), first.agentId, 60_000);
    expect(link, JSON.stringify(link)).toMatchObject({ state: 'connected' });
    await agentk.registered;
  });

  it('reuses the agent, token, key and port on the next start; a taken port moves, keeping the key', async () => {
    const files = (s: ReceptiveDemoSeed) =>
      [s.tokenFile, s.certFile, s.jwtPublicKeyFile].map((f) => fs.readFileSync(f, 'utf8'));
    // agentk still listens on the port: the seed picks another and saves the endpoint again.
    const moved = await seed();
    expect(moved.agentId).toBe(first.agentId);
    expect(moved.listenAddress).not.toBe(first.listenAddress);
    expect(files(moved)).toEqual(files(first));
    // As after Ctrl-C: agentk gone, its port free again.
    await agentk!.stop(2_000);
    agentk = null;
    const endpoint = await kas.services.receptiveEndpoints.credentials(first.agentId);
    const again = await seed();
    expect(again).toEqual(moved);
    expect((await kas.services.receptiveEndpoints.credentials(first.agentId))?.url).toBe(endpoint?.url);
    agentk = await startSeededAgentk(again);
    const link = await waitForReceptiveLink(dialer(), again.agentId, 60_000);
    expect(link, JSON.stringify(link)).toMatchObject({ state: 'connected' });
  });
});
