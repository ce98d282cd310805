// The mooring CLI as a user runs it, against a real kas (default modules, its agent listener with its own CA) and the
// run's local cluster: login with the password on stdin → agent register (token once, helm line) → agents list →
// kubeconfig merged into a file, then the cluster's kubectl reaches the cluster through kas and a real agentk that
// uses the token the CLI printed → token revoke, then the named 401. Every command is a process with real argv.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import type { Agentk } from '@mooring/agentk';
import { defaultModules } from '@mooring/kas';
import { RestClient } from '@mooring/kas/testing/api-client';
import { startClusterAgentk } from '@mooring/kas/testing/cluster-agentk';
import { startTestKas, type TestKas } from '@mooring/kas/testing/test-kas';
import { kubectl } from '@mooring/kube-dev/testing';
import { localChartPath, tokenFile } from '@mooring/modules/agent_registrar/shared/helm-install-command';
import { generateSelfSignedTls } from '@mooring/modules/shared/certificates';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, runCliOnTerminal } from './testing/cli-process';

describe('mooring CLI against a real kas', () => {
  let tk: TestKas;
  let agentk: Agentk | undefined;
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mooring-cli-home-'));
  // A clone's root: the helm line then names the chart in the working tree.
  const clone = fs.mkdtempSync(path.join(os.tmpdir(), 'mooring-cli-clone-'));
  const xdg = path.join(home, 'xdg');
  const env = () => ({ HOME: home, XDG_CONFIG_HOME: xdg });
  const cli = (args: string[], stdin?: string, extraEnv: Record<string, string> = {}) =>
    runCli(args, { env: { ...env(), ...extraEnv }, cwd: clone, ...(stdin !== undefined ? { stdin } : {}) });
  let projectPath: string;
  const started = Date.now();

  beforeAll(async () => {
    tk = await startTestKas('pglite', { modules: defaultModules() });
    fs.mkdirSync(path.join(clone, localChartPath), { recursive: true });
    fs.writeFileSync(path.join(clone, localChartPath, 'Chart.yaml'), 'name: agentk\nversion: 0.1.0\n');
    const admin = new RestClient(tk.apiUrl);
    expect((await admin.login(tk.adminUsername, tk.adminPassword)).status).toBe(200);
    const group = await admin.post<{ id: number }>('/api/v1/groups', { name: 'Platform', path: 'platform' });
    expect(group.status, group.text).toBe(201);
    const project = await admin.post<{ fullPath: string }>('/api/v1/projects', {
      groupId: group.body.id,
      name: 'Prod',
      path: 'prod',
    });
    expect(project.status, project.text).toBe(201);
    projectPath = project.body.fullPath;
  });

  afterAll(async () => {
    await agentk?.stop(2_000);
    await tk?.dispose();
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(clone, { recursive: true, force: true });
    console.log(`cli.int.test: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });

  it('logs in, registers an agent, lists it, writes a kubeconfig kubectl uses, revokes the token', async () => {
    // Login: URL, username and password answered on stdin, one a line (what a script pipes; a terminal hides the password).
    const login = await cli(
      ['login', '--output', 'json'],
      `${tk.apiUrl}\n${tk.adminUsername}\n${tk.adminPassword}\n`,
    );
    expect(login.stderr).toBe('');
    expect(login.code).toBe(0);
    const session = JSON.parse(login.stdout) as {
      token: { id: number; scopes: string[]; expiresAt: string };
    };
    expect(session.token.scopes.sort()).toEqual(['api', 'k8s_proxy']);
    const days = (Date.parse(session.token.expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    const dir = path.join(xdg, 'mooring');
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(dir, 'token')).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(dir, 'config.json')).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(path.join(dir, 'token'), 'utf8')).toMatch(/^mpat-/);
    expect(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')).not.toContain(tk.adminPassword);

    // Register: the image repository is required, named before anything is created.
    const missing = await cli(['agent', 'register', `${projectPath}/edge`]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--image-repository is required');
    const kasAddress = tk.kas.urls.agent!;
    const registered = await cli([
      'agent',
      'register',
      `${projectPath}/edge`,
      '--image-repository',
      'registry.example.com/mooring/agentk',
      '--kas-address',
      kasAddress,
      '--output',
      'json',
    ]);
    expect(registered.stderr).toBe('');
    expect(registered.code).toBe(0);
    const made = JSON.parse(registered.stdout) as {
      agent: { id: number; name: string };
      created: boolean;
      secret: string;
      tokenFile: string;
      caFile: string | null;
      helmInstall: string;
    };
    expect(made.created).toBe(true);
    expect(made.secret).toMatch(/^mgt-/);
    expect(made.tokenFile).toBe(tokenFile('edge'));
    expect(fs.readFileSync(path.join(clone, made.tokenFile), 'utf8').trim()).toBe(made.secret);
    expect(fs.statSync(path.join(clone, made.tokenFile)).mode & 0o777).toBe(0o600);
    expect(made.caFile).toBe('mooring-kas-ca.crt');
    expect(fs.readFileSync(path.join(clone, made.caFile!), 'utf8')).toBe(
      fs.readFileSync(tk.kas.urls.agentCaFile!, 'utf8'),
    );
    expect(made.helmInstall).toBe(
      [
        `helm install mooring-agent-edge ./deploy/charts/agentk --namespace mooring-system --create-namespace`,
        `--set image.repository=registry.example.com/mooring/agentk`,
        `--set kas.address=${kasAddress}`,
        `--set-file kas.caCert=mooring-kas-ca.crt`,
        `--set-file token.value=.mooring/edge.agent-token`,
      ].join(' \\\n  '),
    );
    // Outside a clone the chart is the one kas serves; registering again reuses the agent and makes a second token.
    const again = await runCli(
      [
        'agent',
        'register',
        `${projectPath}/edge`,
        '--image-repository',
        'r/agentk',
        '--kas-address',
        kasAddress,
      ],
      { env: env(), cwd: home },
    );
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`Agent ${projectPath}/edge (id ${made.agent.id}) exists`);
    expect(again.stdout).toContain(
      `helm install mooring-agent-edge ${tk.apiUrl}/api/v1/charts/agentk-0.1.0.tgz`,
    );

    // A real agentk with the token the CLI printed.
    agentk = await startClusterAgentk(tk.kas, made.secret, 'agentk-cli-0');

    const listed = await cli(['agents', 'list', '--output', 'json']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(
      (JSON.parse(listed.stdout) as { id: number; projectPath: string; name: string }[]).map(
        (a) => `${a.projectPath}/${a.name}`,
      ),
    ).toEqual([`${projectPath}/edge`]);
    const table = await cli(['agents', 'list']);
    expect(table.stdout).toMatch(new RegExp(`^${made.agent.id}\\s+platform/prod/edge\\s+no`, 'm'));

    // kubeconfig merged into an existing file (its own context kept, current-context kept).
    const kubeconfigFile = path.join(home, 'kube', 'config');
    fs.mkdirSync(path.dirname(kubeconfigFile), { recursive: true });
    fs.writeFileSync(
      kubeconfigFile,
      'apiVersion: v1\nkind: Config\nclusters: [{name: other, cluster: {server: "https://other.invalid"}}]\nusers: [{name: other, user: {token: x}}]\ncontexts: [{name: other, context: {cluster: other, user: other}}]\ncurrent-context: other\n',
    );
    const kc = await cli(['kubeconfig', '--output', 'json'], undefined, { KUBECONFIG: kubeconfigFile });
    expect(kc.code, kc.stderr).toBe(0);
    expect(
      (JSON.parse(kc.stdout) as { contexts: { context: string }[] }).contexts.map((c) => c.context),
    ).toEqual([`${projectPath}/edge`]);
    expect(fs.statSync(kubeconfigFile).mode & 0o777).toBe(0o600);
    const contexts = await kubectl(['config', 'get-contexts', '-o', 'name'], { kubeconfig: kubeconfigFile });
    expect(contexts.stdout.trim().split('\n').sort()).toEqual(['other', `${projectPath}/edge`].sort());
    const current = await kubectl(['config', 'current-context'], { kubeconfig: kubeconfigFile });
    expect(current.stdout.trim()).toBe('other');
    const got = await kubectl(
      ['--context', `${projectPath}/edge`, 'get', 'namespace', 'default', '-o', 'name'],
      {
        kubeconfig: kubeconfigFile,
      },
    );
    expect(got.stderr).toBe('');
    expect(got.stdout.trim()).toBe('namespace/default');

    // A second token for a script, revoked by id: the script's next command is refused with the fix named.
    const created = await cli([
      'token',
      'create',
      '--name',
      'ci',
      '--scopes',
      'read_api',
      '--output',
      'json',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const script = JSON.parse(created.stdout) as { token: { id: number }; secret: string };
    const scriptToken = path.join(home, 'ci.token');
    fs.writeFileSync(scriptToken, script.secret, { mode: 0o600 });
    const scriptEnv = { MOORING_KAS_URL: tk.apiUrl, MOORING_TOKEN_FILE: scriptToken };
    expect((await runCli(['agents', 'list'], { env: scriptEnv, cwd: home })).code).toBe(0);
    const revoked = await cli(['token', 'revoke', String(script.token.id)]);
    expect(revoked.code, revoked.stderr).toBe(0);
    const refused = await runCli(['agents', 'list'], { env: scriptEnv, cwd: home });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/kas refused the credential .*: run mooring login/);

    // Revoking the login's own token forgets it: the next command says to log in.
    const own = await cli(['token', 'revoke']);
    expect(own.code, own.stderr).toBe(0);
    expect(own.stdout).toContain(`Revoked token ${session.token.id}`);
    expect(fs.existsSync(path.join(dir, 'token'))).toBe(false);
    const after = await cli(['agents', 'list']);
    expect(after.code).toBe(3);
    expect(after.stderr).toContain('run mooring login');
  });

  it('asks on a terminal, the password not echoed, and trusts the CA of a kas behind TLS', async () => {
    // kas's API behind a TLS front with its own CA (as an Ingress with a private CA would be).
    const front = generateSelfSignedTls();
    const server = tls.createServer({ cert: front.certPem, key: front.keyPem }, (socket) => {
      const upstream = net.connect(Number(new URL(tk.apiUrl).port), '127.0.0.1');
      socket.pipe(upstream).pipe(socket);
      const close = () => {
        socket.destroy();
        upstream.destroy();
      };
      socket.on('error', close);
      upstream.on('error', close);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const httpsUrl = `https://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    const terminalHome = fs.mkdtempSync(path.join(os.tmpdir(), 'mooring-cli-tty-'));
    const caFile = path.join(terminalHome, 'kas-ca.crt');
    fs.writeFileSync(caFile, front.caPem);
    const homeEnv = { HOME: terminalHome };
    try {
      const untrusted = await runCli(
        ['login', '--kas-url', httpsUrl, '--username', 'admin', '--password-stdin'],
        {
          env: homeEnv,
          cwd: terminalHome,
          stdin: 'x\n',
        },
      );
      expect(untrusted.code).toBe(4);
      expect(untrusted.stderr).toMatch(
        /presented a certificate this machine does not trust .*pass --ca-file/,
      );

      const typed = await runCliOnTerminal(['login', '--ca-file', caFile], {
        env: homeEnv,
        cwd: terminalHome,
        answers: [
          { after: 'kas URL', type: `${httpsUrl}\r` },
          { after: 'Username', type: `${tk.adminUsername}\r` },
          { after: 'Password: ', type: `${tk.adminPassword}\r` },
        ],
      });
      expect(typed.code, typed.stdout).toBe(0);
      expect(typed.stdout).toContain(`Logged in to ${httpsUrl}`);
      // What was typed is on the screen, except the password.
      expect(typed.stdout).toContain(tk.adminUsername);
      expect(typed.stdout).not.toContain(tk.adminPassword);
      const dir = path.join(terminalHome, '.config', 'mooring');
      expect(fs.statSync(path.join(dir, 'token')).mode & 0o777).toBe(0o600);
      expect(fs.readFileSync(path.join(dir, 'ca.crt'), 'utf8')).toBe(front.caPem);
      // Later commands trust the CA login stored.
      const listed = await runCli(['agents', 'list', '--output', 'json'], {
        env: homeEnv,
        cwd: terminalHome,
      });
      expect(listed.code, listed.stderr).toBe(0);
      expect(Array.isArray(JSON.parse(listed.stdout))).toBe(true);
    } finally {
      server.close();
      fs.rmSync(terminalHome, { recursive: true, force: true });
    }
  });

  it('names the fix for a kas that is not there and a wrong password', async () => {
    const unreachable = await cli(
      ['login', '--kas-url', 'http://127.0.0.1:9', '--username', 'a', '--password-stdin'],
      'x\n',
    );
    expect(unreachable.code).toBe(4);
    expect(unreachable.stderr).toContain('cannot reach kas at http://127.0.0.1:9 (ECONNREFUSED)');
    const bad = await cli(['login', '--kas-url', 'not a url', '--username', 'a', '--password-stdin'], 'x\n');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('is not a URL');
    const wrong = await cli(
      ['login', '--kas-url', tk.apiUrl, '--username', 'admin', '--password-stdin'],
      'wrong\n',
    );
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toContain('kas refused the username or password for admin');
  });
});
