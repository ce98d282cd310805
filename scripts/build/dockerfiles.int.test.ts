// deploy/docker/*.Dockerfile without a container engine: each is parsed and held to the rules docs/images.md states
// (pinned Debian-slim Node 20 base, multi-stage, a non-root USER, no secrets, OCI labels, health checks on /livez
// and /readyz, every COPY source in the build context), then its final stage is laid out in a temp dir from the
// built bundles and its ENTRYPOINT started with node — as uid 65532 when the test runs as root, so the process can
// write only where the image lets it (the declared volumes).
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { until } from '@mooring/modules/shared/testing/until';
import { freePort } from '../../apps/console/server/start';
import { consoleServerFile } from './console';
import { builtBundle } from './locate';
import { repoRoot } from './specs';
import {
  copies,
  dockerIgnored,
  execForm,
  layOutImage,
  pairs,
  parseDockerfile,
  readDockerignore,
  type Stage,
} from './testing/dockerfile';

const apps = ['kas', 'agentk', 'console'] as const;
type App = (typeof apps)[number];
const pinnedNode = /^node:20\.\d+\.\d+-bookworm-slim(@sha256:[0-9a-f]{64})?$/;
const ignore = readDockerignore(path.join(repoRoot, '.dockerignore'));
const scratch = mkdtempSync(path.join(os.tmpdir(), 'mooring-images-'));
chmodSync(scratch, 0o755); // the image's user (65532) walks through it to the layouts
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

// The helm branch adds deploy/charts/agentk; until it is merged here a placeholder chart stands in, in a temp dir.
const chartDir = path.join(repoRoot, 'deploy/charts/agentk');
const placeholderChart = path.join(scratch, 'placeholder-chart');
if (!existsSync(chartDir)) {
  console.log('deploy/charts/agentk is not in this checkout: a placeholder Chart.yaml stands in for it');
  mkdirSync(placeholderChart, { recursive: true });
  writeFileSync(path.join(placeholderChart, 'Chart.yaml'), 'apiVersion: v2\nname: agentk\nversion: 0.1.0\n');
}
const inContext = (source: string) =>
  source.replace(/\/$/, '') === 'deploy/charts/agentk' && !existsSync(chartDir)
    ? placeholderChart
    : path.join(repoRoot, source);

function load(app: App) {
  const stages = parseDockerfile(
    readFileSync(path.join(repoRoot, `deploy/docker/${app}.Dockerfile`), 'utf8'),
  );
  const final = stages.at(-1)!;
  const all = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword);
  const last = (stage: Stage, keyword: string) => all(stage, keyword).at(-1);
  return { stages, final, all, last };
}

/** The final image laid out under a fresh root; the build stage's WORKDIR is the repository after `pnpm build`. */
function layOut(app: App): string {
  const { stages, final, last } = load(app);
  const root = mkdtempSync(path.join(scratch, `${app}-`));
  chmodSync(root, 0o755);
  layOutImage(final, root, (copy, source) => {
    if (copy.from === undefined) return inContext(source);
    const stage = stages.find((s) => s.name === copy.from);
    const workdir = stage && last(stage, 'WORKDIR')?.args;
    if (!workdir || !source.startsWith(`${workdir}/`))
      throw new Error(`COPY --from=${copy.from} ${source}: expected a path under that stage's WORKDIR`);
    return path.join(repoRoot, source.slice(workdir.length + 1));
  });
  return root;
}

/** ENTRYPOINT + args, `node` as this node, image paths under `root`; ENV likewise, then `env` on top. */
function run(app: App, root: string, args: string[], env: Record<string, string>) {
  const { final, all, last } = load(app);
  const inRoot = (value: string) =>
    value.startsWith('/') && !value.startsWith('/tmp') ? path.join(root, value) : value;
  const [command, ...rest] = execForm(last(final, 'ENTRYPOINT')!.args);
  const imageEnv = Object.assign({}, ...all(final, 'ENV').map((i) => pairs(i.args))) as Record<
    string,
    string
  >;
  const asImageUser = process.getuid?.() === 0;
  const child = spawn(command === 'node' ? process.execPath : command!, [...rest.map(inRoot), ...args], {
    cwd: inRoot(last(final, 'WORKDIR')!.args),
    env: {
      PATH: process.env.PATH ?? '',
      HOME: '/',
      ...Object.fromEntries(Object.entries(imageEnv).map(([k, v]) => [k, inRoot(v)])),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(asImageUser && { uid: 65532, gid: 65532 }),
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited, asImageUser };
}

/** The image's HEALTHCHECK command, its URLs' ports replaced by where the process really listens. */
async function healthcheck(
  app: App,
  root: string,
  port: number,
): Promise<{ code: number | null; urls: string[] }> {
  const { final, last } = load(app);
  const form = /^(?:--\S+\s+)*CMD\s+(\[.*\])$/.exec(last(final, 'HEALTHCHECK')!.args)![1]!;
  const [, script, ...urls] = execForm(form);
  const real = urls.map((u) => u.replace(/:\d+\//, `:${port}/`));
  const child = spawn(process.execPath, [path.join(root, script!), ...real], { stdio: 'inherit' });
  return { code: await new Promise((resolve) => child.on('exit', resolve)), urls };
}

describe.each(apps)('deploy/docker/%s.Dockerfile', (app) => {
  it('is multi-stage on a pinned Debian-slim Node 20, non-root, labelled, secret-free and health-checked', () => {
    const { stages, final, all, last } = load(app);
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages)
      expect(stage.from, 'every FROM names an exact node:20.x.y-bookworm-slim').toMatch(pinnedNode);
    const build = stages[0]!;
    expect(all(build, 'COPY').map((i) => i.args)).toContain('. .');
    expect(all(build, 'RUN').some((i) => i.args.includes(`pnpm build ${app}`))).toBe(true);

    expect(last(final, 'USER')?.args, 'the image runs as uid/gid 65532').toBe('65532:65532');
    const env = Object.assign({}, ...all(final, 'ENV').map((i) => pairs(i.args))) as Record<string, string>;
    const args = Object.assign({}, ...stages.flatMap((s) => all(s, 'ARG')).map((i) => pairs(i.args)));
    for (const [name, value] of Object.entries({ ...env, ...args })) {
      expect(name, 'no token, secret or password is baked in').not.toMatch(
        /TOKEN|SECRET|PASSWORD|CREDENTIAL|PRIVATE/i,
      );
      expect(value).not.toMatch(/BEGIN [A-Z ]*PRIVATE KEY|^mgt-|^glpat-/);
    }

    const labels = Object.assign({}, ...all(final, 'LABEL').map((i) => pairs(i.args))) as Record<
      string,
      string
    >;
    const version = (
      JSON.parse(readFileSync(path.join(repoRoot, `apps/${app}/package.json`), 'utf8')) as { version: string }
    ).version;
    expect(labels['org.opencontainers.image.version']).toBe(version);
    expect(labels['org.opencontainers.image.title']).toBe(`mooring-${app}`);
    for (const key of ['description', 'revision', 'base.name'])
      expect(labels[`org.opencontainers.image.${key}`], key).toBeTruthy();
    expect(labels['org.opencontainers.image.base.name']).toBe(`docker.io/library/${final.from}`);

    const check = last(final, 'HEALTHCHECK')!.args;
    const urls = execForm(/CMD\s+(\[.*\])$/.exec(check)![1]!).slice(2);
    expect(urls.map((u) => new URL(u).pathname)).toEqual(['/livez', '/readyz']);
    const exposed = all(final, 'EXPOSE').flatMap((i) => i.args.split(/\s+/));
    for (const u of urls) expect(exposed).toContain(new URL(u).port);

    const entrypoint = execForm(last(final, 'ENTRYPOINT')!.args);
    expect(entrypoint[0]).toBe('node');
    const volumes = all(final, 'VOLUME').flatMap((i) => execForm(i.args));
    expect(volumes).toContain('/tmp');
  });

  it('copies only what the build context holds (after .dockerignore) or its build stage built', () => {
    const { final } = load(app);
    for (const copy of copies(final)) {
      for (const source of copy.sources) {
        if (copy.from !== undefined) continue; // layOut (below) checks those against the built repository
        expect(existsSync(inContext(source)), `line ${copy.line}: ${source} exists`).toBe(true);
        expect(dockerIgnored(ignore, source.replace(/\/$/, '')), `line ${copy.line}: ${source} is sent`).toBe(
          false,
        );
      }
    }
    for (const kept of ['.git', 'node_modules', 'apps/kas/node_modules', '.mooring', '.env', 'apps/kas/dist'])
      expect(dockerIgnored(ignore, kept), `${kept} stays out of the context`).toBe(true);
  });
});

describe('the images laid out and started with node', () => {
  it('kas: --help, then a real start on the embedded database with its health check passing', async () => {
    builtBundle('kas'); // fails naming `pnpm build` when the bundle is missing or stale
    const root = layOut('kas');
    expect(existsSync(path.join(root, 'app/charts/agentk/Chart.yaml'))).toBe(true);
    const help = run('kas', root, ['--help'], {});
    expect(await help.exited, help.output()).toBe(0);
    // The HEALTHCHECK port is kas's observability default.
    expect(help.output()).toMatch(/MOORING_OBSERVABILITY_PORT +--observability-port +8151\n/);
    const ports = {
      MOORING_API_PORT: '0',
      MOORING_OBSERVABILITY_PORT: '0',
      MOORING_AGENT_PORT: '0',
      MOORING_PROXY_PORT: '0',
      MOORING_PRIVATE_API_PORT: '0',
    };
    const kas = run('kas', root, [], { ...ports, MOORING_LISTEN_HOST: '127.0.0.1' });
    try {
      const observability = await until(
        () => `kas from the image layout to be ready: ${kas.output().slice(-2000)}`,
        () =>
          /"observability":"http:\/\/127\.0\.0\.1:(\d+)"/.exec(kas.output())?.[1] ??
          (kas.child.exitCode !== null && 'exited'),
        90_000,
      );
      expect(observability, kas.output()).not.toBe('exited');
      console.log(`kas started from the image layout${kas.asImageUser ? ' as uid 65532' : ''}`);
      const { code, urls } = await healthcheck('kas', root, Number(observability));
      expect(urls[0]).toBe('http://127.0.0.1:8151/livez');
      expect(code).toBe(0);
      // Its data went to the declared volume.
      expect(existsSync(path.join(root, 'data/tls/agent-api/ca.crt'))).toBe(true);
      kas.child.kill('SIGTERM');
      expect(await kas.exited).toBe(0);
    } finally {
      if (kas.child.exitCode === null) kas.child.kill('SIGKILL');
    }
  }, 150_000);

  it('agentk: --help, and exit code 2 naming the flag on bad flags', async () => {
    builtBundle('agentk');
    const root = layOut('agentk');
    const help = run('agentk', root, ['--help'], {});
    expect(await help.exited, help.output()).toBe(0);
    expect(help.output()).toContain('--observability-listen-address');
    const bad = run('agentk', root, ['--kas-address', 'http://kas:8150'], {
      POD_NAME: 'p',
      POD_NAMESPACE: 'n',
      MOORING_AGENT_TOKEN: 'x',
    });
    expect(await bad.exited).toBe(2);
    expect(bad.output()).toContain('--kas-address: expected grpc://host:port or grpcs://host:port');
  }, 60_000);

  it('console: its own server from the standalone output, health check passing, pages served', async () => {
    if (!existsSync(consoleServerFile))
      throw new Error(`${path.relative(repoRoot, consoleServerFile)} is missing: run \`pnpm build\``);
    const root = layOut('console');
    const port = await freePort('127.0.0.1');
    const console_ = run('console', root, [], {
      HOSTNAME: '127.0.0.1',
      PORT: String(port),
      MOORING_KAS_URL: 'http://127.0.0.1:9',
    });
    try {
      await until(
        () => `the console from the image layout to listen: ${console_.output().slice(-2000)}`,
        () => console_.output().includes('console ready on') || console_.child.exitCode !== null,
        90_000,
      );
      expect(console_.child.exitCode, console_.output()).toBeNull();
      const { code } = await healthcheck('console', root, port);
      expect(code).toBe(0);
      const login = await fetch(`http://127.0.0.1:${port}/login`);
      expect(login.status).toBe(200);
      console_.child.kill('SIGTERM');
      expect(await console_.exited).toBe(0);
    } finally {
      if (console_.child.exitCode === null) console_.child.kill('SIGKILL');
    }
  }, 150_000);
});
