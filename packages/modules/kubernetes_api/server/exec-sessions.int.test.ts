// Exec sessions through the proxy (issue 14, the browser terminal's kas side), every hop real: the built kubectl and
// a TLS WebSocket with a session cookie, kas's proxy and services over PGlite, a real agentk, the local cluster's
// kwok pod. A revoked credential ends its open sessions at once (the periodic re-check is set to 10 minutes here, so
// only kas's access-changed event can do it), and one person may hold only so many sessions.
import { randomBytes } from 'node:crypto';
import https from 'node:https';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { actorFor } from '../../../../apps/kas/src/services/users';
import { startProxyWorld, type ProxyWorld } from './testing/proxy-world';
import { kubectlLong, kubectlRun, type LongKubectl } from './testing/kubectl-runner';
import { until } from '../../shared/testing/until';

const cluster = inject('kubeCluster');
const NS = `exec-${randomBytes(3).toString('hex')}`;
const LIMIT = 2;
let world: ProxyWorld;

const admin = (args: string[]) =>
  kubectlRun(cluster.kubectlPath, args, { kubeconfig: cluster.kubeconfigPath });

async function ok(args: string[]): Promise<void> {
  const result = await admin(args);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${result.stderr}`);
}

/** A `kubectl exec -i` that stays open (stdin never ends) until its session is ended. */
async function openShell(kubeconfig: string): Promise<LongKubectl> {
  const shell = kubectlLong(
    cluster.kubectlPath,
    ['exec', '-i', 'p1', '-n', NS, '--', 'sh', '-c', 'echo started; sleep 300'],
    { kubeconfig, timeoutMs: 120_000 },
  );
  await until(
    () => `the exec session to start (stderr: ${shell.stderr()})`,
    () => shell.output().includes('started') || shell.stderr().length > 0,
    30_000,
  );
  if (!shell.output().includes('started')) throw new Error(`kubectl exec failed: ${shell.stderr()}`);
  void shell.exited.then(() => exitedShells.add(shell));
  return shell;
}

const exitedShells = new WeakSet<LongKubectl>();
function ended(shell: LongKubectl): boolean {
  return exitedShells.has(shell);
}

/** A plain GET of the exec path: the answer the browser terminal reads when its WebSocket was refused. */
function probe(token: string): Promise<{ status: number; body: string }> {
  const url = new URL(`${world.proxy.url}/api/v1/namespaces/${NS}/pods/p1/exec?command=sh&stdout=true`);
  return new Promise((resolve, reject) => {
    const req = https.get(
      url,
      { ca: world.proxy.caPem!, headers: { authorization: `Bearer pat:${world.agentId}:${token}` } },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
  });
}

/** A browser-style WebSocket exec with a session cookie; resolves once upgraded, `closed` when the socket ends. */
async function sessionWebSocket(sessionId: string, csrfToken: string) {
  const url = new URL(world.proxy.url);
  const socket = tls.connect({
    host: url.hostname,
    port: Number(url.port),
    ca: world.proxy.caPem!,
    ALPNProtocols: ['http/1.1'],
  });
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.on('error', () => undefined);
  let head = '';
  const upgraded = new Promise<string>((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      head += chunk.toString('latin1');
      if (head.includes('\r\n\r\n')) resolve(head.slice(0, head.indexOf('\r\n')));
    });
  });
  await new Promise<void>((resolve) => socket.once('secureConnect', () => resolve()));
  const query = `command=sh&command=-c&command=sleep%20300&stdin=true&stdout=true&mooring-agent-id=${world.agentId}&mooring-csrf-token=${encodeURIComponent(csrfToken)}`;
  socket.write(
    [
      `GET ${url.pathname}/api/v1/namespaces/${NS}/pods/p1/exec?${query} HTTP/1.1`,
      `Host: ${url.host}`,
      `Origin: https://${url.host}`,
      `Cookie: mooring_session=${encodeURIComponent(sessionId)}`,
      'Connection: Upgrade',
      'Upgrade: websocket',
      'Sec-WebSocket-Version: 13',
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
      'Sec-WebSocket-Protocol: v5.channel.k8s.io',
      '',
      '',
    ].join('\r\n'),
  );
  return { statusLine: await upgraded, closed, isClosed: () => socket.destroyed };
}

beforeAll(async () => {
  world = await startProxyWorld(cluster, { credentialRecheckMs: 600_000, execSessionsPerUser: LIMIT });
  await world.startAgentk('agentk-exec');
  await world.setConfig(
    `user_access:\n  access_as:\n    agent: {}\n  projects:\n    - id: ${world.projectPath}\n`,
  );
  await ok(['create', 'namespace', NS]);
  await until(
    `the default service account in ${NS}`,
    async () => (await admin(['get', 'sa', 'default', '-n', NS])).code === 0,
  );
  await ok(['run', 'p1', '-n', NS, '--image=busybox', '--restart=Never']);
  await ok(['wait', '-n', NS, '--for=condition=Ready', 'pod/p1', '--timeout=60s']);
}, 240_000);

afterAll(async () => {
  await admin(['delete', 'namespace', NS, '--wait=false']);
  await world?.dispose();
});

describe('exec sessions through the proxy', () => {
  it(`refuses a user's session past MOORING_PROXY_USER_EXEC_SESSIONS (${LIMIT}), naming the setting; a closed one frees a place`, async () => {
    const kubeconfig = world.kubeconfig(world.alicePat.token);
    const shells = [await openShell(kubeconfig), await openShell(kubeconfig)];
    expect(world.proxy.execSessions(`user:${world.alice.userId}`)).toBe(LIMIT);

    const refused = await kubectlRun(
      cluster.kubectlPath,
      ['exec', 'p1', '-n', NS, '--', 'echo', 'one too many'],
      {
        kubeconfig,
      },
    );
    expect(refused.code).not.toBe(0);
    const answer = await probe(world.alicePat.token);
    expect(answer.status).toBe(429);
    expect(JSON.parse(answer.body).message).toMatch(
      /2 terminal or attach sessions open.*MOORING_PROXY_USER_EXEC_SESSIONS/,
    );

    await shells[0]!.stop();
    await until(
      'the closed session to be counted out',
      () => world.proxy.execSessions(`user:${world.alice.userId}`) < LIMIT,
    );
    const again = await kubectlRun(
      cluster.kubectlPath,
      ['exec', 'p1', '-n', NS, '--', 'echo', 'room again'],
      {
        kubeconfig,
      },
    );
    expect(again.stdout).toBe('room again\n');
    await shells[1]!.stop();
    await until(
      'every session counted out',
      () => world.proxy.execSessions(`user:${world.alice.userId}`) === 0,
    );
  });

  it('revoking the personal access token ends its open exec session at once', async () => {
    const { token, info } = await world.services.personalAccessTokens.create(world.alice, {
      name: `exec-${randomBytes(2).toString('hex')}`,
      scopes: ['k8s_proxy'],
    });
    const shell = await openShell(world.kubeconfig(token));
    await world.services.personalAccessTokens.revoke(world.alice, info.id);
    // The periodic re-check is 10 minutes away: only the access-changed event can end it within this wait.
    await until('kubectl exec to end after the revocation', () => ended(shell), 20_000);
    expect(world.proxy.execSessions(`user:${world.alice.userId}`)).toBe(0);
  });

  it("signing out ends the session's open terminal (a browser WebSocket with the session cookie)", async () => {
    const login = await world.services.sessions.login({
      username: 'alice',
      password: 'alice-password-1',
      address: '127.0.0.1',
    });
    const ws = await sessionWebSocket(login.sessionId, login.csrfToken);
    expect(ws.statusLine).toMatch(/^HTTP\/1\.1 101/);
    await world.services.sessions.logout(login.sessionId);
    await until('the terminal socket to close after sign-out', () => ws.isClosed(), 20_000);
    await ws.closed;
  });

  it('disabling a user ends every exec session of theirs', async () => {
    const user = await world.services.users.create(world.admin, {
      username: `bob-${randomBytes(2).toString('hex')}`,
      password: 'bob-password-12',
    });
    await world.services.memberships.set(
      world.admin,
      { type: 'project', id: world.projectId },
      { userId: user.id, role: 'developer' },
    );
    const { token } = await world.services.personalAccessTokens.create(
      actorFor(user, { address: '127.0.0.1' }),
      {
        name: 'kubectl',
        scopes: ['k8s_proxy'],
      },
    );
    const shell = await openShell(world.kubeconfig(token));
    await world.services.users.update(world.admin, user.id, { disabled: true });
    await until('kubectl exec to end after the user was disabled', () => ended(shell), 20_000);
    expect(world.proxy.execSessions(`user:${user.id}`)).toBe(0);
  });
});
