import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { agentClusterRoleRules, agentIdentityYaml } from './agent-identity';
import { apiserverArgs } from './apiserver';
import { tokenFileCsv } from './cluster';
import { controllerManagerArgs } from './controller-manager';
import { criLogLine } from './cri-log';
import { etcdArgs } from './etcd';
import { kwokArgs, kwokConfigYaml, kwokNodesYaml } from './kwok';
import { clusterLayout, type ClusterPorts } from './layout';
import type { ClusterPki } from './pki';
import { leafExtensions } from './pki';
import { schedulerArgs } from './scheduler';

const layout = clusterLayout('/data');
const ports: ClusterPorts = {
  etcdClient: 1001,
  etcdPeer: 1002,
  apiserver: 1003,
  controllerManager: 1004,
  scheduler: 1005,
  kwok: 1006,
};
const pki = Object.fromEntries(
  [
    'caCert', 'caKey', 'apiserverCert', 'apiserverKey', 'kubeletClientCert', 'kubeletClientKey',
    'componentCert', 'componentKey', 'serviceAccountKey', 'serviceAccountPub',
  ].map((key) => [key, `/pki/${key}`]),
) as unknown as ClusterPki; // prettier-ignore

describe('component flags', () => {
  it('etcd listens on loopback only', () => {
    const args = etcdArgs(layout, ports);
    expect(args).toContain('--listen-client-urls=http://127.0.0.1:1001');
    expect(args).toContain('--listen-peer-urls=http://127.0.0.1:1002');
    expect(args).toContain('--data-dir=/data/etcd');
  });

  it('kube-apiserver has RBAC, token auth, SA keys and reaches kwok by InternalIP with verified TLS', () => {
    const args = apiserverArgs(layout, ports, pki);
    expect(args).toEqual(
      expect.arrayContaining([
        '--etcd-servers=http://127.0.0.1:1001',
        '--secure-port=1003',
        '--bind-address=127.0.0.1',
        '--authorization-mode=Node,RBAC',
        '--token-auth-file=/data/pki/tokens.csv',
        '--service-account-issuer=https://127.0.0.1:1003',
        '--service-account-signing-key-file=/pki/serviceAccountKey',
        '--service-account-key-file=/pki/serviceAccountPub',
        '--kubelet-preferred-address-types=InternalIP',
        '--kubelet-client-certificate=/pki/kubeletClientCert',
        '--kubelet-certificate-authority=/pki/caCert',
      ]),
    );
  });

  it('controller-manager runs every controller with per-controller service accounts', () => {
    const args = controllerManagerArgs(layout, ports, pki);
    expect(args).toEqual(
      expect.arrayContaining([
        '--controllers=*',
        '--use-service-account-credentials=true',
        '--service-account-private-key-file=/pki/serviceAccountKey',
        '--root-ca-file=/pki/caCert',
        '--secure-port=1004',
        `--kubeconfig=${layout.kubeconfigs.controllerManager}`,
      ]),
    );
  });

  it('scheduler and kwok use their own ports; kwok serves the kubelet API on loopback with TLS', () => {
    expect(schedulerArgs(layout, ports, pki)).toContain('--secure-port=1005');
    const kwok = kwokArgs(layout, ports, pki);
    expect(kwok).toEqual(
      expect.arrayContaining([
        '--node-ip=127.0.0.1',
        '--node-port=1006',
        '--server-address=127.0.0.1:1006',
        '--tls-cert-file=/pki/componentCert',
        '--enable-crds=Logs,Attach,Exec,PortForward',
      ]),
    );
  });
});

describe('kwok config', () => {
  it('defines cluster-wide exec (as the given user), logs and attach defaults', () => {
    const docs = parseAllDocuments(kwokConfigYaml(layout, { uid: 65534, gid: 65534 })).map((doc) =>
      doc.toJS(),
    );
    expect(docs.map((doc) => doc.kind)).toEqual(['ClusterExec', 'ClusterLogs', 'ClusterAttach']);
    expect(docs[0].spec.execs[0].local).toMatchObject({
      workDir: '/data/exec',
      securityContext: { runAsUser: 65534, runAsGroup: 65534 },
    });
    expect(docs[1].spec.logs[0].logsFile).toBe('/data/logs/_default.log');
  });

  it('omits the securityContext when the harness cannot switch users', () => {
    const docs = parseAllDocuments(kwokConfigYaml(layout, undefined)).map((doc) => doc.toJS());
    expect(docs[0].spec.execs[0].local.securityContext).toBeUndefined();
  });

  it('creates the requested number of fake nodes', () => {
    const nodes = parseAllDocuments(kwokNodesYaml(3)).map((doc) => doc.toJS());
    expect(nodes.map((node) => node.metadata.name)).toEqual(['kwok-node-0', 'kwok-node-1', 'kwok-node-2']);
    expect(nodes[0].metadata.annotations['kwok.x-k8s.io/node']).toBe('fake');
  });
});

describe('identities', () => {
  it('puts only the admin and kwok in system:masters', () => {
    const lines = tokenFileCsv({ admin: 'a', controllerManager: 'c', scheduler: 's', kwok: 'k' })
      .trim()
      .split('\n');
    expect(lines).toEqual([
      'a,admin,kube-dev-admin,"system:masters"',
      'c,system:kube-controller-manager,kube-dev-controller-manager',
      's,system:kube-scheduler,kube-dev-scheduler',
      'k,kwok-controller,kube-dev-kwok,"system:masters"',
    ]);
  });

  it('the agent role grants impersonation but never escalate, bind or approve', () => {
    const verbs = agentClusterRoleRules.flatMap((rule) => rule.verbs);
    expect(verbs).toContain('impersonate');
    for (const forbidden of ['escalate', 'bind', 'approve', 'sign', '*'])
      expect(verbs).not.toContain(forbidden);
    const kinds = parseAllDocuments(agentIdentityYaml()).map((doc) => doc.toJS().kind);
    expect(kinds).toEqual(['Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Secret']);
  });
});

describe('small formats', () => {
  it('writes CRI log lines with nanosecond timestamps', () => {
    expect(criLogLine('hello', 'stdout', new Date('2026-01-01T00:00:00.123Z'))).toBe(
      '2026-01-01T00:00:00.123000000Z stdout F hello\n',
    );
    expect(() => criLogLine('two\nlines')).toThrow(/one line/);
  });

  it('leaf certificate extensions carry the SANs and usage', () => {
    const ext = leafExtensions({ usage: 'server', sans: ['IP:127.0.0.1', 'DNS:localhost'] });
    expect(ext).toContain('extendedKeyUsage=serverAuth');
    expect(ext).toContain('subjectAltName=IP:127.0.0.1,DNS:localhost');
    expect(leafExtensions({ usage: 'client' })).not.toContain('subjectAltName');
  });
});
