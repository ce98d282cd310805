// The kubectl battery: the BUILT kubectl through kas's proxy (real tunnel, two real agentk processes, real services
// over PGlite) against the real local cluster, each result compared with the same command run directly (admin
// kubeconfig with --as/--as-group of the identity the proxy impersonates). It runs once per way kubectl talks to
// the proxy, in one world: HTTP/2 (client-go's default over TLS) and HTTP/1.1, which client-go switches to when
// DISABLE_HTTP2 is set (k8s.io/apimachinery/pkg/util/net SetTransportDefaults, read by kubectl v1.36). Upgrades
// (exec, attach, port-forward, cp) take HTTP/1.1 connections of their own in both.
import { randomBytes } from 'node:crypto';
import https from 'node:https';
import { CoreV1Api, KubeConfig, Watch } from '@kubernetes/client-node';
import { appendPodLog } from '@mooring/kube-dev';
import { afterAll, beforeAll, describe, expect, inject, it, onTestFinished } from 'vitest';
import { AGENT_SA, AGENT_SA_GROUPS, startProxyWorld, type ProxyWorld } from './testing/proxy-world';
import { connectHttp2 } from './testing/http2-client';
import {
  KUBECTL_PROTOCOLS,
  kubectlLong,
  type KubectlProtocol,
  type KubectlRun,
} from './testing/kubectl-runner';
import {
  TRANSPORTS,
  adminKubectl,
  checkApply,
  checkCp,
  checkDiscovery,
  checkExec,
  checkGet,
  checkLogs,
  checkPortForward,
  checkVersion,
  checkWatch,
  kubectlFor,
  ok,
  preparePodNamespace,
  upgradeCount,
  type BatteryTarget,
} from './testing/battery-core';
import { until } from '../../shared/testing/until';

const cluster = inject('kubeCluster');
const NS = `battery-${randomBytes(3).toString('hex')}`;
let world: ProxyWorld;
let viaProxy: string;

type Mode = KubectlProtocol;
const MODES: readonly Mode[] = KUBECTL_PROTOCOLS;
/** The mode whose tests run now (set by each mode's beforeAll; the file's tests run in order). */
let mode = MODES[0]!;
const tagged = (name: string) => `${name}-${mode.tag}`;
/**
 * Upgrades (exec, port-forward) take HTTP/1.1 connections of their own in every mode, and the API server's direct
 * answers do not depend on the mode at all: their direct runs are the reference, taken in the first mode only.
 */
const referenceMode = () => mode === MODES[0];

/** The core checks' view of this file: the shared cluster, its own kubectl, the current mode. */
const target = (): BatteryTarget => ({
  cluster,
  world,
  namespace: NS,
  kubectlPath: cluster.kubectlPath,
  kubectlVersion: cluster.version,
  viaProxy,
  protocol: mode,
  reference: referenceMode(),
  tag: mode.tag,
});
const proxied: ReturnType<typeof kubectlFor>['proxied'] = (args, opts) =>
  kubectlFor(target()).proxied(args, opts);
const proxiedLong: ReturnType<typeof kubectlFor>['proxiedLong'] = (args, opts) =>
  kubectlFor(target()).proxiedLong(args, opts);
const direct: ReturnType<typeof kubectlFor>['direct'] = (args, opts) =>
  kubectlFor(target()).direct(args, opts);
const admin = (args: string[], stdin?: string) => adminKubectl(cluster, args, stdin);
const upgrades = (protocol: string) => upgradeCount(world, protocol);

async function connections(protocol: string): Promise<number> {
  const metric = await world.metrics.getSingleMetric('mooring_kas_k8s_proxy_connections_total')!.get();
  return metric.values.find((v) => v.labels.protocol === protocol)?.value ?? 0;
}

beforeAll(async () => {
  world = await startProxyWorld(cluster);
  // Three pods, started together: the faults kill one per mode and still need two.
  await Promise.all(['agentk-a', 'agentk-b', 'agentk-c'].map((pod) => world.startAgentk(pod)));
  viaProxy = world.kubeconfig(world.alicePat.token);
  await preparePodNamespace(cluster, NS);
}, 240_000);

afterAll(async () => {
  await admin(['delete', 'namespace', NS, '--wait=false']);
  await world?.dispose();
});

for (const each of MODES) {
  describe(`over ${each.name}`, () => {
    const before = { h2: 0, http1: 0 };
    beforeAll(async () => {
      mode = each;
      before.h2 = await connections('h2');
      before.http1 = await connections('http/1.1');
    });

    describe('kubectl through the proxy equals kubectl direct', () => {
      // The core checks (testing/battery-core.ts), shared with the version matrix.
      it('version', () => checkVersion(target()));
      it('api-resources', () => checkDiscovery(target()));
      it('get -A', () => checkGet(target()));
      it('get -w delivers events like a direct watch', () => checkWatch(target()));
      it('apply (client-side) and apply --server-side', () => checkApply(target()));
      it('diff', async () => {
        const changed = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${tagged('applied')}\n  namespace: ${NS}\ndata:\n  key: changed\n`;
        const viaKas = await proxied(['diff', '-f', '-'], { stdin: changed });
        const straight = await direct(['diff', '-f', '-'], { stdin: changed });
        expect(viaKas.code).toBe(1);
        expect(straight.code).toBe(1);
        const body = (r: KubectlRun) =>
          r.stdout.split('\n').filter((l) => /^[-+] /.test(l) && !/generation|resourceVersion/.test(l));
        expect(body(viaKas)).toContain('+  key: changed');
        expect(body(viaKas)).toEqual(body(straight));
      });

      it('patch', async () => {
        expect(
          ok(
            await proxied([
              'patch',
              'cm',
              tagged('applied'),
              '-n',
              NS,
              '--type=merge',
              '-p',
              '{"data":{"key":"patched"}}',
            ]),
          ),
        ).toContain('patched');
        expect(
          ok(await direct(['get', 'cm', tagged('applied'), '-n', NS, '-o', 'jsonpath={.data.key}'])),
        ).toBe('patched');
      });

      it('delete --wait', async () => {
        expect(ok(await proxied(['delete', 'cm', tagged('ssa'), '-n', NS, '--wait=true']))).toContain(
          `configmap "${tagged('ssa')}" deleted`,
        );
        const gone = await direct(['get', 'cm', tagged('ssa'), '-n', NS]);
        expect(gone.code).toBe(1);
        expect(gone.stderr).toContain('NotFound');
      });

      it('rollout status', async () => {
        const web = tagged('web');
        ok(await admin(['create', 'deployment', web, '-n', NS, '--image=nginx', '--replicas=2']));
        const status = ['rollout', 'status', `deployment/${web}`, '-n', NS, '--timeout=90s'];
        const viaKas = ok(await proxied(status));
        expect(viaKas).toContain('successfully rolled out');
        // The proxied run may print progress lines first (it starts while the rollout runs); the end must match.
        const last = (text: string) => text.trim().split('\n').at(-1);
        expect(last(ok(await direct(status)))).toBe(last(viaKas));
      }, 120_000);

      it('wait --for=condition', async () => {
        const viaKas = ok(
          await proxied(['wait', '--for=condition=Ready', 'pod/p1', '-n', NS, '--timeout=30s']),
        );
        expect(viaKas).toContain('pod/p1 condition met');
        expect(ok(await direct(['wait', '--for=condition=Ready', 'pod/p1', '-n', NS, '--timeout=30s']))).toBe(
          viaKas,
        );
      });

      it('logs and logs -f', () => checkLogs(target()));

      for (const transport of TRANSPORTS) {
        it(`exec over ${transport}: echo hi, stdin, tty`, () => checkExec(target(), transport));
        it(`port-forward over ${transport} carries bytes end to end`, () =>
          checkPortForward(target(), transport));
      }

      it('the upgrades metric counts both protocols', async () => {
        expect(await upgrades('websocket')).toBeGreaterThan(0);
        expect(await upgrades('spdy')).toBeGreaterThan(0);
      });

      it('attach', async () => {
        const args = ['attach', 'p1', '-n', NS];
        const viaKas = proxiedLong(args);
        const straight = kubectlLong(
          cluster.kubectlPath,
          [`--as=${AGENT_SA}`, ...AGENT_SA_GROUPS.map((g) => `--as-group=${g}`), ...args],
          {
            kubeconfig: cluster.kubeconfigPath,
          },
        );
        await new Promise((r) => setTimeout(r, 1500));
        const line = tagged('attached line');
        await appendPodLog(cluster, { namespace: NS, pod: 'p1', lines: [line] });
        await until('proxied attach shows the line', () => viaKas.output().includes(line), 15_000);
        await until('direct attach shows the line', () => straight.output().includes(line), 15_000);
        await viaKas.stop();
        await straight.stop();
      });

      it('cp both ways', () => checkCp(target()));
    });

    // Each mode's identity as the API server sees it (`kubectl auth whoami`), compared with docs/kubernetes-api-proxy.md.
    describe('impersonation modes', () => {
      const userInfo = async (r: Promise<KubectlRun>) =>
        JSON.parse(ok(await r)).status.userInfo as {
          username: string;
          groups: string[];
          extra?: Record<string, string[]>;
        };
      const whoami = async (r: Promise<KubectlRun>) => {
        const info = await userInfo(r);
        return { username: info.username, groups: [...info.groups].sort() };
      };
      const canI = (run: (args: string[]) => Promise<KubectlRun>) =>
        Promise.all([
          run(['auth', 'can-i', 'get', 'pods', '-n', NS]),
          run(['auth', 'can-i', 'create', 'secrets', '-n', NS]),
        ]).then((rs) => rs.map((r) => r.stdout.trim()));

      it('agent (default): the agent service account; caller --as passes through', async () => {
        await world.setConfig('observability:\n  logging:\n    level: info\n');
        const viaKas = await whoami(proxied(['auth', 'whoami', '-o', 'json']));
        expect(viaKas.username).toBe(AGENT_SA);
        expect(viaKas).toEqual(await whoami(direct(['auth', 'whoami', '-o', 'json'])));
        expect(await canI((a) => proxied(a))).toEqual(await canI((a) => direct(a)));
        const nested = await whoami(
          proxied(['auth', 'whoami', '-o', 'json', '--as=someone', '--as-group=team']),
        );
        expect(nested).toEqual({ username: 'someone', groups: ['system:authenticated', 'team'] });
      });

      it('user: mooring:user:<name> with role groups; --as answers 400', async () => {
        await world.setConfig(
          `user_access:\n  access_as:\n    user: {}\n  projects:\n    - id: ${world.projectPath}\n`,
        );
        const role = `mooring:project_role:${world.projectId}:developer`;
        ok(
          await admin([
            'create',
            'rolebinding',
            tagged('devs-view'),
            '-n',
            NS,
            '--clusterrole=view',
            `--group=${role}`,
          ]),
        );
        const info = await userInfo(proxied(['auth', 'whoami', '-o', 'json']));
        const viaKas = { username: info.username, groups: [...info.groups].sort() };
        expect(viaKas).toEqual({
          username: 'mooring:user:alice',
          groups: ['mooring:user', role, 'system:authenticated'].sort(),
        });
        // kubectl cannot impersonate extras (no --as-extra), so they are checked against the docs only.
        expect(info.extra).toEqual({
          'agent.mooring.dev/id': [String(world.agentId)],
          username: ['alice'],
          access_type: ['personal_access_token'],
          config_project_id: [String(world.projectId)],
        });
        const as = { as: 'mooring:user:alice', groups: ['mooring:user', role] };
        expect(viaKas).toEqual(await whoami(direct(['auth', 'whoami', '-o', 'json'], as)));
        const proxyCanI = await canI((a) => proxied(a));
        expect(proxyCanI).toEqual(['yes', 'no']);
        expect(proxyCanI).toEqual(await canI((a) => direct(a, as)));
        const refused = await proxied(['get', 'pods', '-n', NS, '--as=root']);
        expect(refused.code).not.toBe(0);
        expect(refused.stderr).toContain('Impersonate-* headers are not allowed');
      });

      for (const mode of ['impersonate', 'ci_job'] as const) {
        it(`CI job with access_as ${mode}`, async () => {
          const accessAs =
            mode === 'impersonate'
              ? 'impersonate:\n          username: deployer\n          groups: [deployers]'
              : 'ci_job: {}';
          await world.setConfig(
            `ci_access:\n  projects:\n    - id: ${world.projectPath}\n      access_as:\n        ${accessAs}\n`,
          );
          const job = await world.services.ciJobTokens.mint(world.admin, {
            projectId: world.projectId,
            jobId: '4242',
            environment: 'prod',
            environmentTier: 'production',
          });
          const ci = world.kubeconfig(job.token, 'ci');
          const info = await userInfo(proxied(['auth', 'whoami', '-o', 'json'], { kubeconfig: ci }));
          const viaKas = { username: info.username, groups: [...info.groups].sort() };
          const groups = viaKas.groups.filter((g) => g !== 'system:authenticated');
          if (mode === 'impersonate') {
            expect(viaKas).toEqual({ username: 'deployer', groups: ['deployers', 'system:authenticated'] });
            expect(info.extra).toBeUndefined();
          } else {
            const { groupId } = await world.services.projects.get(world.admin, world.projectId);
            const p = world.projectId;
            expect(viaKas.username).toBe('mooring:ci_job:4242');
            expect(groups).toEqual(
              [
                'mooring:ci_job',
                `mooring:group:${groupId}`,
                `mooring:group_env_tier:${groupId}:production`,
                `mooring:project:${p}`,
                `mooring:project_env:${p}:prod`,
                `mooring:project_env_tier:${p}:production`,
              ].sort(),
            );
            expect(info.extra).toEqual({
              'agent.mooring.dev/id': [String(world.agentId)],
              config_project_id: [String(p)],
              project_id: [String(p)],
              ci_job_id: ['4242'],
              username: [world.admin.username],
              environment: ['prod'],
              environment_tier: ['production'],
            });
          }
          const as = { as: viaKas.username, groups };
          expect(viaKas).toEqual(await whoami(direct(['auth', 'whoami', '-o', 'json'], as)));
          expect(await canI((a) => proxied(a, { kubeconfig: ci }))).toEqual(await canI((a) => direct(a, as)));
        });
      }
    });

    describe('faults', () => {
      it('agent not connected: 503 naming the agent, without Retry-After', async () => {
        const started = Date.now();
        const authorization = `Bearer pat:${world.idleAgentId}:${world.alicePat.token}`;
        // The bare answer's headers, over this mode's protocol, while kubectl waits for the same 503.
        const headersOf = async (): Promise<Record<string, unknown>> => {
          if (mode.protocol === 'h2') {
            const h2 = await connectHttp2(world.proxy.url, world.proxy.caPem);
            try {
              const answer = await h2.request(`${new URL(world.proxy.url).pathname}/api`, {
                headers: { authorization },
              });
              expect(answer.status).toBe(503);
              return answer.headers;
            } finally {
              await h2.close();
            }
          }
          return new Promise((resolve, reject) => {
            https
              .get(
                `${world.proxy.url}/api`,
                { ca: world.proxy.caPem ?? undefined, headers: { authorization } },
                (res) => {
                  res.resume();
                  expect(res.statusCode).toBe(503);
                  resolve(res.headers);
                },
              )
              .on('error', reject);
          });
        };
        const [result, headers] = await Promise.all([
          proxied(['get', 'pods', '-n', NS], {
            kubeconfig: world.kubeconfig(world.alicePat.token, 'pat', world.idleAgentId),
          }).then((r) => {
            // kubectl retries a 503 a few times; the test's timeout bounds it, the figure is for the log.
            console.log(`[battery] agent not connected: kubectl gave up after ${Date.now() - started} ms`);
            return r;
          }),
          headersOf(),
        ]);
        expect(result.code).not.toBe(0);
        expect(result.stderr).toContain(
          `agent ${world.idleAgentId} has no connection to any kas replica; last seen never`,
        );
        expect(headers['retry-after']).toBeUndefined();
      });

      it('killing the agentk serving logs -f: clear error; the other pod serves the next request', async () => {
        // Each mode kills one pod: at least two must be running (the world starts three; a process killed by a
        // signal keeps exitCode null).
        const running = () =>
          world.agentks.filter((a) => a.child.exitCode === null && a.child.signalCode === null);
        while (running().length < 2) await world.startAgentk(`agentk-${mode.tag}-${world.agentks.length}`);
        const inFlight = async (url: string) => {
          const text = await (await fetch(`${url}/metrics`)).text();
          return Number(/^mooring_agentk_kubernetes_api_requests_in_flight (\d+)/m.exec(text)?.[1] ?? 0);
        };
        const alive = running();
        const countAll = () => Promise.all(alive.map((a) => inFlight(a.observabilityUrl()!)));
        // The pod whose in-flight count rose with logs -f serves it (another may still count an earlier request).
        const before = await countAll();
        const follow = proxiedLong(['logs', '-f', 'p1', '-n', NS]);
        await until('logs -f streaming', () => follow.output().includes('second line'));
        const after = await countAll();
        console.log(`[battery] agentk requests in flight before/after logs -f: ${before} / ${after}`);
        const serving = alive[after.findIndex((c, i) => c > before[i]!)]!;
        expect(serving).toBeDefined();
        serving.child.kill('SIGKILL');
        const code = await follow.exited;
        expect(code).not.toBe(0);
        expect(follow.output()).toContain(`[mooring] agent ${world.agentId} stopped serving this stream`);
        expect(ok(await proxied(['get', 'pod', 'p1', '-n', NS, '-o', 'name']))).toBe('pod/p1\n');
      });

      // "Within 2 s" is kas's design (the credential recheck period); the test waits on the events with a generous
      // bound and prints the figures, so a loaded CI machine cannot fail it on time alone.
      it('a revoked personal access token is cut off, even mid-watch', async () => {
        const { token, info } = await world.services.personalAccessTokens.create(world.alice, {
          name: 'short-lived',
          scopes: ['k8s_proxy'],
        });
        const kubeconfig = world.kubeconfig(token);
        await world.setConfig('observability:\n  logging:\n    level: info\n');
        const watch = proxiedLong(['get', 'configmaps', '-n', NS, '-w', '-o', 'name'], { kubeconfig });
        await until('watch running', () => watch.output().includes('configmap/'));
        await world.services.personalAccessTokens.revoke(world.alice, info.id);
        const revokedAt = Date.now();
        const refused = await until(
          'the proxy to refuse the revoked token',
          async () => {
            const r = await proxied(['get', 'pods', '-n', NS], { kubeconfig });
            return r.code !== 0 && r;
          },
          60_000,
        );
        expect(refused.stderr).toContain('Unauthorized');
        const refusedAfterMs = Date.now() - revokedAt;
        await watch.exited;
        console.log(
          `[battery] revoked token: refused after ${refusedAfterMs} ms, open watch ended after ${Date.now() - revokedAt} ms`,
        );
      });
    });

    it(`kubectl's requests through kas came over ${each.protocol} connections`, async () => {
      const h2 = (await connections('h2')) - before.h2;
      const http1 = (await connections('http/1.1')) - before.http1;
      console.log(`[battery] ${each.name}: ${h2} HTTP/2 and ${http1} HTTP/1.1 connections to the proxy`);
      // Upgrades always take HTTP/1.1 connections; with HTTP/2 disabled nothing else may use HTTP/2.
      expect(http1).toBeGreaterThan(0);
      if (each.protocol === 'h2') expect(h2).toBeGreaterThan(0);
      else expect(h2).toBe(0);
    });
  });
}

describe('browser session credentials (real sessions and CSRF)', () => {
  const http1Get = (path: string, headers: Record<string, string>) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      https
        .get(`${world.proxy.url}${path}`, { ca: world.proxy.caPem ?? undefined, headers }, (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        })
        .on('error', reject);
    });

  for (const protocol of ['http/1.1', 'h2'] as const)
    it(`accepts cookie + agent id + CSRF (header or query) and answers 401 naming the fix otherwise (${protocol})`, async () => {
      // HTTP/2: every request on one connection, as a browser multiplexes them.
      const h2 = protocol === 'h2' ? await connectHttp2(world.proxy.url, world.proxy.caPem) : undefined;
      const prefix = new URL(world.proxy.url).pathname;
      const get = (path: string, headers: Record<string, string>) =>
        h2 ? h2.request(`${prefix}${path}`, { headers }) : http1Get(path, headers);
      onTestFinished(() => h2?.close());
      const login = await world.services.sessions.login({
        username: 'alice',
        password: 'alice-password-1',
        address: '127.0.0.1',
      });
      const cookie = `other=1; mooring_session=${login.sessionId}`;
      const byHeader = await get(`/api/v1/namespaces/${NS}/pods`, {
        cookie,
        'mooring-agent-id': String(world.agentId),
        'x-csrf-token': login.csrfToken,
      });
      expect(byHeader.status).toBe(200);
      expect(
        JSON.parse(byHeader.body).items.map((p: { metadata: { name: string } }) => p.metadata.name),
      ).toContain('p1');
      const byQuery = await get(`/api/v1/namespaces/${NS}/pods?mooring-agent-id=${world.agentId}`, {
        cookie,
        'x-csrf-token': login.csrfToken,
      });
      expect(byQuery.status).toBe(200);
      // The CSRF token in the URL is for WebSocket upgrades only (URLs are logged and leak through Referer).
      const csrfInUrl = await get(
        `/api/v1/namespaces/${NS}/pods?mooring-agent-id=${world.agentId}&mooring-csrf-token=${encodeURIComponent(login.csrfToken)}`,
        { cookie },
      );
      expect(csrfInUrl.status).toBe(401);
      const badCsrf = await get('/api', {
        cookie,
        'mooring-agent-id': String(world.agentId),
        'x-csrf-token': 'forged',
      });
      expect(badCsrf.status).toBe(401);
      expect(JSON.parse(badCsrf.body)).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
      expect(JSON.parse(badCsrf.body).message).toContain('CSRF token does not match');
      const noAgent = await get('/api', { cookie, 'x-csrf-token': login.csrfToken });
      expect(noAgent.status).toBe(401);
      expect(JSON.parse(noAgent.body).message).toContain('Mooring-Agent-Id');
      const otherAgent = await get('/api', {
        cookie,
        'mooring-agent-id': '999999',
        'x-csrf-token': login.csrfToken,
      });
      expect(otherAgent.status).toBe(401);
    });
});

describe('other clients', () => {
  it('@kubernetes/client-node 1.4.0 lists and watches through the proxy', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(viaProxy);
    const pods = await kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: NS });
    expect(pods.items.map((p) => p.metadata?.name)).toContain('p1');
    const seen: string[] = [];
    const request = await new Watch(kc).watch(
      `/api/v1/namespaces/${NS}/configmaps`,
      {},
      (type, obj: { metadata?: { name?: string } }) => {
        seen.push(`${type} ${obj.metadata?.name}`);
      },
      () => undefined,
    );
    ok(await admin(['create', 'configmap', 'from-client-node', '-n', NS]));
    await until('client-node watch event', () => seen.includes('ADDED from-client-node'), 15_000);
    request.abort();
  });
});
