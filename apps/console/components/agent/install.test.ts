import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import {
  agentNamespace,
  localCommand,
  manifest,
  objectNames,
  saveTokenCommand,
  secretCommand,
  tokenDialogCommands,
  tokenFile,
  type AgentInstallFacts,
} from './install';

const caPem = '-----BEGIN CERTIFICATE-----\nMIIBkTCB+wIJAO\nabc=\n-----END CERTIFICATE-----\n';
const demo: AgentInstallFacts = {
  localAddress: 'grpcs://127.0.0.1:8150',
  publicAddress: null,
  publicAddressProblem: 'kas listens on 127.0.0.1 (MOORING_LISTEN_HOST) …',
  loopbackOnly: true,
  caPem,
  caFile: '/repo/.mooring/tls/agent-api/ca.crt',
  localKubeconfig: '/repo/.mooring/demo/agent.kubeconfig.yaml',
};
const cluster: AgentInstallFacts = {
  ...demo,
  publicAddress: 'grpcs://kas.example.com:8150',
  publicAddressProblem: null,
  loopbackOnly: false,
};
const token = `mgt-${'A'.repeat(50)}`;

describe('local install commands', () => {
  it("runs pnpm agentk with kas's local address, the token file, kas's CA and the demo's agent kubeconfig", () => {
    expect(localCommand('prod', demo)).toBe(
      'pnpm agentk --kas-address grpcs://127.0.0.1:8150 --token-file .mooring/prod.agent-token ' +
        '--ca-cert-file /repo/.mooring/tls/agent-api/ca.crt --kubeconfig /repo/.mooring/demo/agent.kubeconfig.yaml',
    );
  });

  it('leaves a visible --kubeconfig <path> to fill in without a local agent kubeconfig, and says so', () => {
    const facts = { ...demo, localKubeconfig: null };
    expect(localCommand('prod', facts)).toMatch(/ --kubeconfig <path>$/);
    expect(tokenDialogCommands('prod', facts)).toMatch(/replace <path> with a kubeconfig/);
    expect(tokenDialogCommands('prod', demo)).not.toMatch(/<path>/);
  });

  it('gives no CA for plain h2c or a publicly trusted certificate', () => {
    expect(localCommand('prod', { ...demo, localAddress: 'grpc://127.0.0.1:8150' })).not.toContain(
      '--ca-cert-file',
    );
    expect(localCommand('prod', { ...demo, caPem: null, caFile: null })).not.toContain('--ca-cert-file');
  });

  it('writes the pasted token to a file only its owner can read, and no command carries it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mooring-install-'));
    // What a user does: run the command, paste the token, Enter, Ctrl-D (end of input).
    execFileSync('bash', ['-c', saveTokenCommand('prod')], { cwd: dir, input: `${token}\n` });
    const file = path.join(dir, tokenFile('prod'));
    expect(readFileSync(file, 'utf8')).toBe(`${token}\n`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // The shell's own umask is not changed (a subshell).
    expect(saveTokenCommand('prod')).toMatch(/^\(umask 077 && .*\)$/);
    for (const text of [tokenDialogCommands('prod', demo), manifest('prod', cluster)!])
      expect(text).not.toContain('mgt-');
  });

  it('creates the token Secret from that file in the one namespace', () => {
    expect(secretCommand('prod')).toBe(
      `kubectl -n ${agentNamespace} create secret generic mooring-agent-prod-token --from-file=token=.mooring/prod.agent-token`,
    );
  });
});

describe('in-cluster manifest', () => {
  const docs = (yaml: string) => yaml.split(/^---$/m).map((d) => d.trim());
  const kinds = (yaml: string) => docs(yaml).map((d) => /^kind: (\w+)$/m.exec(d)?.[1]);

  it('is not shown when kas has no address a cluster reaches (never 127.0.0.1)', () => {
    expect(manifest('prod', demo)).toBeNull();
  });

  it('creates the namespace, a ServiceAccount, a least-privilege ClusterRole, the CA and the Deployment', () => {
    const yaml = manifest('prod', cluster)!;
    expect(kinds(yaml)).toEqual([
      'Namespace',
      'ServiceAccount',
      'ClusterRole',
      'ClusterRoleBinding',
      'ConfigMap',
      'Deployment',
    ]);
    // One namespace everywhere: the ServiceAccount, the binding subject, the ConfigMap, the Deployment.
    expect([...yaml.matchAll(/namespace: ([\w-]+)/g)].map((m) => m[1])).toEqual(
      Array(4).fill(agentNamespace),
    );
    expect(yaml).toContain(`name: ${agentNamespace}\n`);
    expect(yaml).not.toMatch(/cluster-admin|127\.0\.0\.1/);
    const role = docs(yaml).find((d) => /^kind: ClusterRole$/m.test(d))!;
    // The chart's default preset (read-only): object_watch's reads (one rule per API group of its default set) and
    // the viewers' reviews; no impersonation.
    expect([...role.matchAll(/verbs: (.*)/g)].map((m) => m[1])).toEqual([
      ...Array(5).fill('["get", "list", "watch"]'),
      '["create"]',
    ]);
    expect(role).not.toContain('impersonate');
    expect(role).not.toMatch(/secrets/);
    expect(role).toMatch(/resources: \["subjectaccessreviews"\]/);
    expect(role).not.toContain('"*"');
    // The CA, indented into the ConfigMap, and mounted where --ca-cert-file points.
    expect(yaml).toContain(
      '  ca.crt: |\n    -----BEGIN CERTIFICATE-----\n    MIIBkTCB+wIJAO\n    abc=\n    -----END CERTIFICATE-----\n',
    );
    expect(yaml).toContain('- --kas-address=grpcs://kas.example.com:8150');
    expect(yaml).toContain('- --ca-cert-file=/etc/mooring/ca/ca.crt');
    expect(yaml).toContain(`secret: { secretName: ${objectNames('prod').tokenSecret} }`);
    expect(yaml).toContain('fieldPath: metadata.name');
    expect(yaml).toContain('fieldPath: metadata.namespace');
  });

  it('has no CA ConfigMap or flag when kas has a publicly trusted certificate', () => {
    const yaml = manifest('prod', { ...cluster, caPem: null, caFile: null })!;
    expect(kinds(yaml)).not.toContain('ConfigMap');
    expect(yaml).not.toContain('--ca-cert-file');
    expect(yaml).not.toContain('kas-ca');
  });
});
