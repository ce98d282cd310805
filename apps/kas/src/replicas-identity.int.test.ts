// Three kas processes started at the same moment on one empty PostgreSQL database (issue 16, shared identity): they
// make one self-signed CA between them and keep it in the database with its key sealed, every agent listener and
// every proxy serves a certificate from it, and what one replica mints — a session and its CSRF token, an agent
// token, a kubeconfig — works on the others: agentk trusting the CA read from one replica connects to another, and
// kubectl with a kubeconfig from a third reaches the agent through that replica's proxy. Without MOORING_SECRET kas
// refuses PostgreSQL and says what to set.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadKubeConfig, startAgentk, type Agentk } from '@mooring/agentk';
import { openDatabase, tlsCertificates } from '@mooring/db';
import { startTestPostgres, type TestPostgres } from '@mooring/db/testing/postgres';
import { kubeCluster } from '@mooring/kube-dev/testing';
import { kubectlRun } from '@mooring/modules/kubernetes_api/server/testing/kubectl-runner';
import { servedFingerprint } from '@mooring/modules/shared/testing/loopback';
import pino from 'pino';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RestClient } from './testing/api-client';
import { kasProcessPorts, spawnKas, type KasProcess } from './testing/kas-process';
import { sharedReplicaEnv, testAdminPassword } from './testing/test-kas';
import { buildHttpWorld, uniqueName, type HttpWorld } from './testing/world';

interface Replica {
  name: string;
  proc: KasProcess;
  urls: Record<string, string> & { api: string };
  dataDir: string;
}

const portOf = (url: string) => Number(new URL(url).port);

describe('three kas replicas started together on one empty PostgreSQL database', () => {
  let database: TestPostgres | undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mooring-replicas-identity-'));
  const replicas: Replica[] = [];
  const spawned: KasProcess[] = [];
  const agents: Agentk[] = [];
  let env: Record<string, string>;
  let w: HttpWorld;

  beforeAll(async () => {
    database = await startTestPostgres();
    env = {
      ...sharedReplicaEnv(database.url),
      MOORING_LOG_LEVEL: 'info',
    };
    const startedAt = Date.now();
    const started = await Promise.all(
      ['A', 'B', 'C'].map(async (name) => {
        const dataDir = path.join(dir, `kas-${name}`);
        const proc = spawnKas({ ...env, ...kasProcessPorts, MOORING_DATA_DIR: dataDir });
        spawned.push(proc);
        return { name, proc, dataDir, urls: await proc.ready(120_000) };
      }),
    );
    console.log(`three kas replicas ready on an empty database after ${Date.now() - startedAt} ms`);
    replicas.push(...started);
    w = await buildHttpWorld({
      apiUrl: replicas[0]!.urls.api,
      adminUsername: 'admin',
      adminPassword: testAdminPassword,
    });
  }, 300_000);

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop(2_000)));
    await Promise.all(
      spawned.map(async (proc) => {
        if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGTERM');
        await proc.exited;
      }),
    );
    await database?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A client on `replica` carrying `from`'s session cookie and CSRF token, as a load balancer would move it. */
  const sessionOn = (replica: Replica, from: RestClient) => {
    const client = new RestClient(replica.urls.api);
    client.cookie = from.cookie;
    client.csrfToken = from.csrfToken;
    return client;
  };

  it('serves one CA from every agent listener and proxy, kept in the database with its keys sealed', async () => {
    const cas = await Promise.all(
      replicas.map(async (r) => {
        const proxy = await new RestClient(r.urls.api).get<{ caPem: string | null }>(
          '/api/v1/kubernetes-proxy',
        );
        expect(proxy.status, proxy.text).toBe(200);
        return proxy.body.caPem!;
      }),
    );
    expect(new Set(cas).size, 'the CA each replica embeds in kubeconfigs').toBe(1);
    const ca = cas[0]!;
    // Each listener's certificate verifies against that CA (servedFingerprint checks the chain) and is the same one.
    const served: string[] = [];
    for (const r of replicas) {
      served.push(await servedFingerprint(portOf(r.urls.agent!), ca));
      served.push(await servedFingerprint(portOf(r.urls.proxy!), ca));
      // agentk on each replica's machine finds the CA in its data dir (--ca-cert-file).
      expect(fs.readFileSync(r.urls.agentCaFile!, 'utf8')).toBe(ca);
    }
    console.log(`served certificates: ${[...new Set(served)].join(', ')}`);
    expect(new Set(served).size).toBe(1);

    const opened = await openDatabase({ url: database!.url, poolSize: 1 });
    try {
      const rows = await opened.db.select().from(tlsCertificates);
      expect(rows.map((row) => row.name)).toEqual(['agent-api']);
      expect(rows[0]!.caCert).toBe(ca);
      for (const sealed of [rows[0]!.caKeyEncrypted, rows[0]!.keyEncrypted]) {
        expect(sealed).toMatch(/^v1\./);
        expect(sealed).not.toContain('PRIVATE KEY');
      }
    } finally {
      await opened.close();
    }
    // No replica kept a key of its own on disk for the shared CA.
    for (const r of replicas)
      expect(fs.existsSync(path.join(r.dataDir, 'tls', 'agent-api', 'ca.key'))).toBe(false);
  });

  it('accepts on each replica the sessions, CSRF tokens, agent tokens and kubeconfigs the others minted', async () => {
    const [a, b, c] = replicas as [Replica, Replica, Replica];
    // A session made on A, its CSRF token checked on B by a mutation, read back on C.
    const onB = sessionOn(b, w.admin);
    const group = await onB.post<{ id: number }>('/api/v1/groups', {
      name: 'Made on B',
      path: uniqueName('on-b'),
    });
    expect(group.status, group.text).toBe(201);
    const onC = sessionOn(c, w.admin);
    const read = await onC.get<{ id: number }>(`/api/v1/groups/${group.body.id}`);
    expect(read.status, read.text).toBe(200);
    const forged = sessionOn(b, w.admin);
    forged.csrfToken = `${w.admin.csrfToken!.slice(0, -2)}xx`;
    expect((await forged.post('/api/v1/groups', { name: 'Forged', path: uniqueName('forged') })).status).toBe(
      403,
    );

    // An agent token minted on A; agentk trusts the CA it read from A and connects to C.
    const token = await w.admin.post<{ secret: string }>(`/api/v1/agents/${w.agentId}/tokens`, { name: 't' });
    expect(token.status, token.text).toBe(201);
    const ca = (await new RestClient(a.urls.api).get<{ caPem: string }>('/api/v1/kubernetes-proxy')).body
      .caPem;
    const cluster = kubeCluster();
    const agentk = await startAgentk({
      kasAddress: c.urls.agent!,
      token: token.body.secret,
      caCertPem: Buffer.from(ca),
      kubeConfig: loadKubeConfig(cluster.agentKubeconfigPath),
      podName: uniqueName('agentk-replicas'),
      podNamespace: cluster.agentNamespace,
      logger: pino({ level: 'silent' }),
    });
    agents.push(agentk);
    await agentk.registered;

    // A kubeconfig minted on B with the developer's session from A; kubectl takes it to C's proxy, where the agent is.
    const made = await sessionOn(b, w.as.developer).post<{ filename: string; yaml: string }>(
      '/api/v1/kubeconfig',
      { expiresInDays: 1, agentIds: [w.agentId] },
    );
    expect(made.status, made.text).toBe(201);
    const kubeconfig = path.join(dir, made.body.filename);
    fs.writeFileSync(kubeconfig, made.body.yaml, { mode: 0o600 });
    const yaml = parse(made.body.yaml) as {
      clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
      contexts: { name: string }[];
    };
    expect(yaml.clusters[0]!.cluster.server).toBe(b.urls.proxy);
    expect(Buffer.from(yaml.clusters[0]!.cluster['certificate-authority-data'], 'base64').toString()).toBe(
      ca,
    );
    const run = await kubectlRun(
      cluster.kubectlPath,
      ['--context', yaml.contexts[0]!.name, '--server', c.urls.proxy!, 'get', 'ns', 'default', '-o', 'name'],
      { kubeconfig },
    );
    expect(`${run.code} ${run.stdout} ${run.stderr}`).toBe('0 namespace/default\n ');
  });

  it('refuses PostgreSQL without MOORING_SECRET, naming the fix', async () => {
    const { MOORING_SECRET: _unset, ...withoutSecret } = env;
    const proc = spawnKas({
      ...withoutSecret,
      ...kasProcessPorts,
      MOORING_DATA_DIR: path.join(dir, 'no-secret'),
    });
    spawned.push(proc);
    expect(await proc.exited).toBe(2);
    expect(proc.stderr()).toContain(
      'MOORING_SECRET (--secret) is not set, but DATABASE_URL is: kas replicas sharing a PostgreSQL database must use one secret',
    );
    expect(proc.stderr()).toContain('openssl rand -base64 32');
    expect(proc.stderr()).toContain('set the same MOORING_SECRET on every replica');
  });
});
