// docs/install.md shows the commands the console's "Connect a cluster" tab prints: its blocks marked
// `install-check=<name>` must be exactly what helm-install.ts and install.ts produce for the page's example agent.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import { helmInstallLines } from './helm-install';
import { saveTokenCommand, type AgentInstallFacts } from './install';

const repoFile = (p: string) => readFileSync(new URL(`../../../../${p}`, import.meta.url), 'utf8');

/** The fenced blocks whose info string carries `install-check=<name>`, by name. */
function checkedBlocks(markdown: string): Map<string, string> {
  const blocks = new Map<string, string>();
  const fence = /^```\S*[ \t]+install-check=([a-z-]+)[ \t]*\n([\s\S]*?)^```[ \t]*$/gm;
  for (const m of markdown.matchAll(fence)) {
    expect(blocks.has(m[1]!), `install-check=${m[1]} appears twice`).toBe(false);
    blocks.set(m[1]!, m[2]!.trimEnd());
  }
  return blocks;
}

const caPem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const example: AgentInstallFacts = {
  localAddress: 'grpcs://127.0.0.1:8150',
  publicAddress: 'grpcs://kas.example.com:8150',
  publicAddressProblem: null,
  loopbackOnly: false,
  caPem,
  caFile: '/var/lib/mooring/tls/agent-api/ca.crt',
  localKubeconfig: null,
};

describe('docs/install.md', () => {
  const blocks = checkedBlocks(repoFile('docs/install.md'));
  const version = (JSON.parse(repoFile('apps/agentk/package.json')) as { version: string }).version;
  const lines = helmInstallLines('my-cluster', example, { kasUrl: 'https://kas.example.com', version })!;

  it('shows the helm install lines the Connect a cluster tab and the CLI print', () => {
    expect([...blocks.keys()].sort()).toEqual(['helm-clone', 'helm-served', 'save-token']);
    expect(blocks.get('helm-clone')).toBe(lines.fromClone);
    expect(blocks.get('helm-served')).toBe(lines.fromKas);
    expect(blocks.get('save-token')).toBe(saveTokenCommand('my-cluster'));
    expect(lines.needsCa).toBe(true);
  });

  it('leaves the CA out for a kas with a public certificate, and shows no line without a public address', () => {
    const publicCert = helmInstallLines(
      'my-cluster',
      { ...example, caPem: null },
      { kasUrl: 'https://k', version },
    )!;
    expect(publicCert.fromClone).not.toContain('kas.caCert');
    expect(publicCert.needsCa).toBe(false);
    expect(
      helmInstallLines('my-cluster', { ...example, publicAddress: null }, { kasUrl: 'https://k', version }),
    ).toBeNull();
  });
});
