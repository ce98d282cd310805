// The charts as helm sees them: `helm lint`, `helm template` snapshots of several value sets (committed under
// __snapshots__/; `vitest -u` rewrites them after an intended change), bad values refused naming the field, and the
// RBAC the agentk chart renders is the one source's (agent-rbac.ts), as are the console's manifest and the local
// cluster's agent identity.
import { agentClusterRoleRules as kubeDevRules } from '@mooring/kube-dev';
import {
  agentClusterRoleRules,
  namespaceAdminRoleRules,
} from '@mooring/modules/agent_registrar/shared/agent-rbac';
import { createFreshNamespace, deleteNamespace, kubectl } from '@mooring/kube-dev/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { manifest, type AgentInstallFacts } from '../../../apps/console/components/agent/install';
import { agentkChart, kasChart, objectOf, startHelm, type HelmRunner, type K8sObject } from '../testing/helm';

const token = `mgt-${'T'.repeat(50)}`;
// A CA as kas hands it out (any PEM-shaped text will do for rendering).
const caPem = '-----BEGIN CERTIFICATE-----\nMIIBkTCB+wIJAO\nabc=\n-----END CERTIFICATE-----\n';
const agentkBase = {
  image: { repository: 'registry.example.com/mooring/agentk' },
  kas: { address: 'grpcs://kas.example.com:8150' },
  token: { value: `${token}\n` },
};
const kasBase = {
  image: { repository: 'registry.example.com/mooring/kas' },
  console: { image: { repository: 'registry.example.com/mooring/console' } },
  database: { existingSecret: 'mooring-database' },
  redis: { existingSecret: 'mooring-redis' },
  secret: { existingSecret: 'mooring-secret' },
};

/** Deep merge for value sets (objects merge, everything else replaces). */
function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const prior = out[key];
    out[key] =
      value && typeof value === 'object' && !Array.isArray(value) && prior && typeof prior === 'object'
        ? merge(prior as Record<string, unknown>, value as Record<string, unknown>)
        : value;
  }
  return out;
}

let helm: HelmRunner;
const started = Date.now();
beforeAll(async () => {
  helm = await startHelm();
}, 1_800_000); // a cold helm build takes minutes on 2 shared cores
afterAll(() => {
  helm?.dispose();
  process.stderr.write(`charts-template: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
});

describe('helm lint', () => {
  it('passes both charts with the values an install gives', async () => {
    for (const [chart, values] of [
      [agentkChart, agentkBase],
      [kasChart, kasBase],
    ] as const) {
      const result = await helm.run(['lint', '--strict', chart, '-f', helm.valuesFile(values)]);
      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect(result.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
    }
  });
});

describe('the agentk chart', () => {
  const sets: Record<string, Record<string, unknown>> = {
    'default-read-only': agentkBase,
    'kas-ca-and-existing-secret': merge(agentkBase, {
      kas: { caCert: caPem, tlsServerName: 'kas.internal' },
      token: { value: '', existingSecret: 'my-agent-token' },
      replicas: 3,
      podDisruptionBudget: { enabled: false },
    }),
    'namespace-admin-with-impersonation': merge(agentkBase, {
      rbac: { preset: 'namespace-admin', namespaces: ['team-a', 'team-b'], impersonation: true },
    }),
    'cluster-admin': merge(agentkBase, { rbac: { preset: 'cluster-admin' } }),
    receptive: merge(agentkBase, {
      kas: { address: '' },
      receptive: {
        enabled: true,
        tls: { existingSecret: 'agentk-receptive-tls' },
        jwtPublicKey: '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----\n',
        service: { type: 'LoadBalancer' },
      },
    }),
  };

  for (const [name, values] of Object.entries(sets)) {
    it(`renders "${name}" as its snapshot`, async () => {
      const result = await helm.template(agentkChart, 'mooring-agent-prod', 'mooring-system', values);
      expect(result.code, result.stderr).toBe(0);
      await expect(result.stdout).toMatchFileSnapshot(`__snapshots__/agentk-${name}.yaml`);
    });
  }

  it('defaults: 2 replicas, probes on 8080, a PDB, non-root 65532 with a read-only root, read-only RBAC', async () => {
    const { objects } = await helm.template(agentkChart, 'mooring-agent-prod', 'mooring-system', agentkBase);
    const deployment = objectOf(objects, 'Deployment') as K8sObject & { spec: DeploymentSpec };
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0]!;
    expect(deployment.spec.replicas).toBe(2);
    expect(container.image).toBe('registry.example.com/mooring/agentk:0.1.0');
    expect(container.args).toEqual([
      '--kas-address=grpcs://kas.example.com:8150',
      '--token-file=/etc/mooring/token/token',
      '--observability-listen-address=:8080',
      '--log-level=info',
    ]);
    expect(container.livenessProbe).toMatchObject({ httpGet: { path: '/livez', port: 'observability' } });
    expect(container.readinessProbe).toMatchObject({ httpGet: { path: '/readyz', port: 'observability' } });
    expect(container.ports).toContainEqual({ name: 'observability', containerPort: 8080, protocol: 'TCP' });
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532 });
    expect(container.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
    });
    expect(objectOf(objects, 'PodDisruptionBudget').spec).toMatchObject({ minAvailable: 1 });
    expect(objectOf(objects, 'ClusterRole').rules).toEqual(agentClusterRoleRules('read-only', false));
    // The token is in the chart's Secret only, trimmed of the file's newline.
    const secret = objectOf(objects, 'Secret') as K8sObject & { data: { token: string } };
    expect(Buffer.from(secret.data.token, 'base64').toString()).toBe(token);
    expect(JSON.stringify(deployment)).not.toContain(token);
  });

  it('renders each preset from the one RBAC source', async () => {
    const render = async (rbac: Record<string, unknown>) =>
      (await helm.template(agentkChart, 'a', 'mooring-system', merge(agentkBase, { rbac }))).objects;
    const nsAdmin = await render({ preset: 'namespace-admin', namespaces: ['team-a'] });
    expect(objectOf(nsAdmin, 'ClusterRole').rules).toEqual(agentClusterRoleRules('namespace-admin', false));
    const role = objectOf(nsAdmin, 'Role');
    expect(role.metadata.namespace).toBe('team-a');
    expect(role.rules).toEqual(namespaceAdminRoleRules());
    expect(objectOf(nsAdmin, 'RoleBinding').subjects).toEqual([
      { kind: 'ServiceAccount', name: 'a', namespace: 'mooring-system' },
    ]);
    const admin = await render({ preset: 'cluster-admin', impersonation: true });
    expect(objectOf(admin, 'ClusterRole').rules).toEqual(agentClusterRoleRules('cluster-admin', true));
    // The local cluster's agent identity is exactly this preset.
    expect(objectOf(admin, 'ClusterRole').rules).toEqual(kubeDevRules);
    expect(admin.filter((o) => o.kind === 'Role')).toEqual([]);
  });

  it("the console's manifest grants what the chart grants by default", async () => {
    const facts: AgentInstallFacts = {
      localAddress: 'grpcs://127.0.0.1:8150',
      publicAddress: 'grpcs://kas.example.com:8150',
      publicAddressProblem: null,
      loopbackOnly: false,
      caPem,
      caFile: null,
      localKubeconfig: null,
    };
    const fromConsole = parseAllDocuments(manifest('prod', facts)!).map((d) => d.toJS() as K8sObject);
    const { objects } = await helm.template(agentkChart, 'mooring-agent-prod', 'mooring-system', agentkBase);
    expect(objectOf(fromConsole, 'ClusterRole').rules).toEqual(objectOf(objects, 'ClusterRole').rules);
    for (const o of [...fromConsole, ...objects])
      if (o.metadata.namespace !== undefined) expect(o.metadata.namespace).toBe('mooring-system');
  });

  const bad: Array<[string, Record<string, unknown>, RegExp]> = [
    ['no image repository', { image: { repository: undefined } }, /\/image': missing property 'repository'/],
    ['replicas as text', { replicas: 'two' }, /\/replicas': got string, want integer/],
    ['an unknown preset', { rbac: { preset: 'admin' } }, /\/rbac\/preset': value must be one of/],
    ['an http kas address', { kas: { address: 'https://kas.example.com' } }, /\/kas\/address'/],
    ['a misspelt value', { replica: 3 }, /additional properties 'replica' not allowed/],
    ['no kas address', { kas: { address: '' } }, /kas\.address: required/],
    ['no token', { token: { value: '' } }, /token: set token\.value .* or token\.existingSecret/],
    [
      'two tokens',
      { token: { existingSecret: 'x' } },
      /token: set exactly one of token\.value and token\.existingSecret/,
    ],
    ['not a token', { token: { value: 'hunter2-secret' } }, /token\.value: expected an agent token/],
    ['namespace-admin without namespaces', { rbac: { preset: 'namespace-admin' } }, /rbac\.namespaces: /],
    [
      'namespaces without namespace-admin',
      { rbac: { namespaces: ['a'] } },
      /rbac\.namespaces: only the namespace-admin/,
    ],
    ['receptive with a kas address', { receptive: { enabled: true } }, /kas\.address: in receptive mode/],
    [
      'receptive without a certificate',
      { kas: { address: '' }, receptive: { enabled: true } },
      /receptive\.tls: /,
    ],
  ];
  for (const [what, over, field] of bad) {
    it(`refuses ${what}, naming the field`, async () => {
      const values = merge(agentkBase, over);
      if ((over.image as { repository?: unknown } | undefined)?.repository === undefined && 'image' in over)
        values.image = {};
      const result = await helm.template(agentkChart, 'a', 'mooring-system', values);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(field);
      // A token is never echoed back.
      expect(result.stderr).not.toContain('hunter2');
      expect(result.stderr).not.toContain(token);
    });
  }
});

describe('the kas chart', () => {
  const sets: Record<string, Record<string, unknown>> = {
    'two-replicas': kasBase,
    'one-replica-no-console': merge(kasBase, {
      replicas: 1,
      redis: { existingSecret: '' },
      console: { enabled: false },
    }),
    'tls-and-ingresses': merge(kasBase, {
      tls: {
        agent: { existingSecret: 'agents-tls' },
        proxy: { existingSecret: 'proxy-tls', caKey: 'ca.crt' },
      },
      adminPassword: { existingSecret: 'mooring-admin' },
      publicUrls: { agent: 'grpcs://agents.example.com:443', console: 'https://mooring.example.com' },
      agentApi: { service: { type: 'ClusterIP' }, ingress: { enabled: true, host: 'agents.example.com' } },
      proxy: { service: { type: 'ClusterIP' }, ingress: { enabled: true, host: 'k8s.example.com' } },
      console: { ingress: { enabled: true, host: 'mooring.example.com', tlsSecret: 'console-tls' } },
      env: { MOORING_LOG_LEVEL: 'debug' },
    }),
  };
  for (const [name, values] of Object.entries(sets)) {
    it(`renders "${name}" as its snapshot`, async () => {
      const result = await helm.template(kasChart, 'mooring', 'mooring', values);
      expect(result.code, result.stderr).toBe(0);
      await expect(result.stdout).toMatchFileSnapshot(`__snapshots__/kas-${name}.yaml`);
    });
  }

  it('takes PostgreSQL, Redis and MOORING_SECRET from Secrets and serves each listener on its own Service', async () => {
    const { objects } = await helm.template(kasChart, 'mooring', 'mooring', sets['tls-and-ingresses']!);
    const container = (objectOf(objects, 'Deployment', 'mooring') as K8sObject & { spec: DeploymentSpec })
      .spec.template.spec.containers[0]!;
    const env = new Map(container.env.map((e) => [e.name, e]));
    expect(env.get('DATABASE_URL')?.valueFrom).toEqual({
      secretKeyRef: { name: 'mooring-database', key: 'url' },
    });
    expect(env.get('REDIS_URL')?.valueFrom).toEqual({ secretKeyRef: { name: 'mooring-redis', key: 'url' } });
    expect(env.get('MOORING_SECRET')?.valueFrom).toEqual({
      secretKeyRef: { name: 'mooring-secret', key: 'secret' },
    });
    expect(env.get('MOORING_AGENT_TLS_CERT_FILE')?.value).toBe('/etc/mooring/tls/agent/tls.crt');
    expect(env.get('MOORING_PROXY_TLS_CA_FILE')?.value).toBe('/etc/mooring/tls/proxy/ca.crt');
    expect(env.get('MOORING_KAS_URL')?.value).toBe('grpcs://agents.example.com:443');
    expect(env.get('MOORING_LISTEN_HOST')?.value).toBe('0.0.0.0');
    expect(JSON.stringify(container.env)).not.toMatch(/postgres:\/\//);
    const services = objects.filter((o) => o.kind === 'Service').map((o) => o.metadata.name);
    expect(services.sort()).toEqual(['mooring-agent-api', 'mooring-api', 'mooring-console', 'mooring-proxy']);
    const passthrough = objects.filter(
      (o) => o.kind === 'Ingress' && o.metadata.annotations?.['nginx.ingress.kubernetes.io/ssl-passthrough'],
    );
    expect(passthrough.map((o) => o.metadata.name).sort()).toEqual(['mooring-agent-api', 'mooring-proxy']);
  });

  const bad: Array<[string, Record<string, unknown>, RegExp]> = [
    ['no database Secret', { database: { existingSecret: '' } }, /\/database\/existingSecret': minLength/],
    ['no MOORING_SECRET Secret', { secret: { existingSecret: '' } }, /\/secret\/existingSecret': minLength/],
    ['two replicas without Redis', { redis: { existingSecret: '' } }, /redis\.existingSecret: 2 replicas/],
    [
      'a console without an image',
      { console: { image: { repository: '' } } },
      /\/console\/image\/repository'/,
    ],
    ['an Ingress without a host', { agentApi: { ingress: { enabled: true } } }, /agentApi\.ingress\.host: /],
    ['an http agent URL', { publicUrls: { agent: 'https://x' } }, /\/publicUrls\/agent'/],
    ['a lower-case env name', { env: { log_level: 'x' } }, /\/env': additional properties 'log_level'/],
  ];
  for (const [what, over, field] of bad) {
    it(`refuses ${what}, naming the field`, async () => {
      const result = await helm.template(kasChart, 'mooring', 'mooring', merge(kasBase, over));
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(field);
    });
  }
});

describe('what the charts render, offered to a real API server (server-side dry run)', () => {
  // kwok runs no containers, so the kas chart is not installed for real; the API server still checks every object.
  let ns: string;
  beforeAll(async () => {
    ns = await createFreshNamespace();
  });
  afterAll(async () => {
    if (ns) await deleteNamespace(ns);
  });

  const cases: Array<[string, string, Record<string, unknown>]> = [
    [
      'kas with TLS, ingresses and the console',
      kasChart,
      merge(kasBase, {
        tls: { agent: { existingSecret: 'a' } },
        agentApi: { ingress: { enabled: true, host: 'agents.example.com' } },
        console: { ingress: { enabled: true, host: 'mooring.example.com' } },
      }),
    ],
    [
      'agentk in receptive mode',
      agentkChart,
      merge(agentkBase, {
        kas: { address: '' },
        receptive: { enabled: true, tls: { cert: caPem, key: 'k' }, clientCaCert: caPem },
      }),
    ],
  ];
  for (const [what, chart, values] of cases) {
    it(`accepts ${what}`, async () => {
      const rendered = await helm.template(chart, 'dry', ns, values);
      expect(rendered.code, rendered.stderr).toBe(0);
      // Cluster-scoped objects (the ClusterRole) are checked too; nothing is stored.
      const applied = await kubectl(['apply', '--dry-run=server', '-n', ns, '-f', '-'], {
        stdin: rendered.stdout,
      });
      expect(applied.code, applied.stderr).toBe(0);
      expect(applied.stdout).toMatch(/deployment\.apps\/dry.* created \(server dry run\)/);
    });
  }
});

interface DeploymentSpec {
  replicas: number;
  template: {
    spec: {
      securityContext: Record<string, unknown>;
      containers: Array<{
        image: string;
        args: string[];
        env: Array<{ name: string; value?: string; valueFrom?: unknown }>;
        ports: unknown[];
        livenessProbe: unknown;
        readinessProbe: unknown;
        securityContext: Record<string, unknown>;
      }>;
    };
  };
}
