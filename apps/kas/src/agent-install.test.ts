import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentInstallFacts } from './agent-install';

const base = { kasUrl: undefined, caPem: null, caFile: null, dataDir: '/nonexistent-mooring-data' };

describe('agentInstallFacts', () => {
  it('on loopback only: a local address, no public one, and the settings that change it', () => {
    const facts = agentInstallFacts({
      ...base,
      listenHost: '127.0.0.1',
      listenerUrl: 'grpcs://127.0.0.1:8150',
    });
    expect(facts).toMatchObject({
      localAddress: 'grpcs://127.0.0.1:8150',
      publicAddress: null,
      loopbackOnly: true,
    });
    expect(facts.publicAddressProblem).toMatch(
      /MOORING_LISTEN_HOST=0\.0\.0\.0 and MOORING_KAS_URL=grpcs:\/\/.*:8150/,
    );
  });

  it('MOORING_KAS_URL is the public address, whatever kas binds', () => {
    const facts = agentInstallFacts({
      ...base,
      kasUrl: 'grpcs://kas.example.com:443',
      listenHost: '0.0.0.0',
      listenerUrl: 'grpcs://0.0.0.0:8150',
    });
    expect(facts).toMatchObject({
      localAddress: 'grpcs://127.0.0.1:8150',
      publicAddress: 'grpcs://kas.example.com:443',
      publicAddressProblem: null,
      loopbackOnly: false,
    });
  });

  it('on every address without MOORING_KAS_URL: no public address, and says to set it', () => {
    const facts = agentInstallFacts({ ...base, listenHost: '::', listenerUrl: 'grpc://[::]:8150' });
    expect(facts.localAddress).toBe('grpc://[::1]:8150');
    expect(facts.publicAddress).toBeNull();
    expect(facts.publicAddressProblem).toMatch(/MOORING_KAS_URL=grpc:\/\/<that host name>:8150/);
  });

  it('a listener on a reachable address is the public address', () => {
    const facts = agentInstallFacts({
      ...base,
      listenHost: '10.0.0.5',
      listenerUrl: 'grpcs://10.0.0.5:8150',
    });
    expect(facts.publicAddress).toBe('grpcs://10.0.0.5:8150');
  });

  it("names the demo's agent kubeconfig only when it exists", () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'mooring-install-'));
    const inputs = { ...base, dataDir, listenHost: '127.0.0.1', listenerUrl: 'grpcs://127.0.0.1:8150' };
    expect(agentInstallFacts(inputs).localKubeconfig).toBeNull();
    mkdirSync(path.join(dataDir, 'demo'));
    writeFileSync(path.join(dataDir, 'demo', 'agent.kubeconfig.yaml'), 'apiVersion: v1\n');
    expect(agentInstallFacts(inputs).localKubeconfig).toBe(
      path.join(dataDir, 'demo', 'agent.kubeconfig.yaml'),
    );
  });
});
