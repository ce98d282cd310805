// The demo's receptive agent (issue 15; docs/agentk.md, "Receptive mode"): a second agent of the demo project whose
// agentk never dials out. kas dials its listener on a loopback port, checks its certificate with a CA made here
// (the one certificate maker, certificates.ts) and proves itself with a JWT of the agent's Ed25519 key, whose public
// half agentk reads from a file. Idempotent like seed.ts: the next `pnpm start` reuses the token, the certificate,
// the key and the port (a new port only when the old one is taken, and then the endpoint is saved again).
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { ReceptiveDialer, ReceptiveLinkState } from '@mooring/modules/receptive/server/index';
import { ensureSelfSignedCertificate } from '@mooring/modules/shared/certificates';
import type { KasServices } from '../../apps/kas/src/api/services-adapter';
import { DEMO, demoAgent, demoProject, ensureAgentToken } from './seed';

export interface ReceptiveDemoSeed {
  agentId: number;
  /** Where agentk listens and kas dials: 127.0.0.1:<port>. */
  listenAddress: string;
  url: string;
  tokenFile: string;
  certFile: string;
  keyFile: string;
  jwtPublicKeyFile: string;
}

/** Whether nothing listens on 127.0.0.1:`port` (bind it and let go). */
function loopbackPortIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

export async function seedReceptiveDemo(
  services: KasServices,
  demoDir: string,
  freePort: () => Promise<number>,
): Promise<ReceptiveDemoSeed> {
  const { admin, projectId } = await demoProject(services, demoDir);
  const agent = await demoAgent(services, admin, projectId, DEMO.receptiveAgent);
  const tokenFile = path.join(demoDir, 'receptive-agent-token');
  await ensureAgentToken(
    services,
    admin,
    agent.id,
    tokenFile,
    'used by the receptive agentk of `pnpm start` (kas dials it)',
  );

  // agentk's listener certificate: names 127.0.0.1 (what kas dials); files 0600 in a 0700 directory.
  const tlsDir = path.join(demoDir, 'receptive-tls');
  const tls = ensureSelfSignedCertificate(tlsDir, { caName: 'Mooring demo receptive agentk CA' });
  const caCert = tls.caPem!.toString();

  // What kas dials now (the dialer's view: URL and CA); saved again only when either changed.
  const dialed = await services.receptiveEndpoints.credentials(agent.id);
  const savedPort = dialed ? Number(new URL(dialed.url).port) : 0;
  const port = savedPort > 0 && (await loopbackPortIsFree(savedPort)) ? savedPort : await freePort();
  const url = `grpcs://127.0.0.1:${port}`;
  const upToDate = dialed?.url === url && dialed.auth === 'jwt' && dialed.serverCheck.caCert === caCert;
  const endpoint = upToDate
    ? await services.receptiveEndpoints.get(admin, agent.id)
    : await services.receptiveEndpoints.save(admin, agent.id, { url, auth: { type: 'jwt', caCert } });
  if (!endpoint?.jwtPublicKey) throw new Error(`demo: agent ${agent.id}'s receptive endpoint has no JWT key`);
  const jwtPublicKeyFile = path.join(tlsDir, 'kas-jwt.pub');
  writeFileSync(jwtPublicKeyFile, endpoint.jwtPublicKey, { mode: 0o600 });
  return {
    agentId: agent.id,
    listenAddress: `127.0.0.1:${port}`,
    url,
    tokenFile,
    certFile: path.join(tlsDir, 'server.crt'),
    keyFile: path.join(tlsDir, 'server.key'),
    jwtPublicKeyFile,
  };
}

/**
 * The dialer's state for `agentId` once it is connected, or whatever it is after `timeoutMs` (the dialer announces
 * nothing: it is read every 250 ms). Undefined without the receptive module.
 */
export async function waitForReceptiveLink(
  dialer: ReceptiveDialer | undefined,
  agentId: number,
  timeoutMs: number,
): Promise<ReceptiveLinkState | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = dialer?.states().get(agentId);
    if (!dialer || state?.state === 'connected' || Date.now() >= deadline) return state;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
