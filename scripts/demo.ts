// `pnpm start`: the whole demo on this machine — a real local Kubernetes cluster (built from Go modules),
// kas on its embedded database, a demo project with a registered agent and two agentk processes connected
// for it, a receptive agent whose agentk kas dials (receptive mode), the console, and kubeconfigs both straight to
// the cluster and through kas. Ctrl-C stops it all. `pnpm start -- --replicas N` runs N kas processes instead, on a
// throwaway PostgreSQL and Redis behind the local load balancer (docs/replicas.md "Running several replicas locally").
import { createWriteStream } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pinnedKubeVersion, startCluster, type KubeCluster, type KubeVersions } from '@mooring/kube-dev';
import { buildProxyKubeconfig } from '@mooring/modules/kubernetes_api/shared/kubeconfig';
import { RECEPTIVE_DIALER, type ReceptiveDialer } from '@mooring/modules/receptive/server/index';
import { freePort, startConsole, type RunningConsole } from '../apps/console/server/start';
import { makePrivateDir } from '@mooring/db';
import { DEMO_AGENT_KUBECONFIG } from '../apps/kas/src/agent-install';
import { loadConfig } from '../apps/kas/src/config';
import { startKas, type RunningKas } from '../apps/kas/src/kas';
import { createLogger } from '../apps/kas/src/logger';
import { parseReplicasArgs, ReplicasArgsError } from '../apps/kas/src/replicas/replicas-args';
import { startLocalReplicas } from '../apps/kas/src/testing/local-replicas';
import type { KasServices } from '../apps/kas/src/api/services-adapter';
import { openReplicaServices } from './demo/replica-services';
import { builtBundle } from './build/locate';
import { startChild, type ChildHandle } from './demo/processes';
import { seedReceptiveDemo, waitForReceptiveLink } from './demo/receptive';
import { DEMO, demoAdminPassword, seedDemo } from './demo/seed';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = path.resolve(process.env.MOORING_DATA_DIR ?? path.join(repoRoot, '.mooring'));
const replicas = replicasArg();
const kubeVersion = kubeVersionSetting();
// The replicas' database is new each run: their demo secrets (tokens, password) are kept apart from the single kas's.
const demoDir = path.join(dataDir, replicas === undefined ? 'demo' : 'demo-replicas');
const logDir = path.join(demoDir, 'logs');
const AGENTK_PODS = ['agentk-0', 'agentk-1'];
const RECEPTIVE_POD = 'agentk-receptive-0';
/** How long the demo waits for kas to dial the receptive agentk before saying why it has not. */
const RECEPTIVE_WAIT_MS = 90_000;

const say = (line: string) => console.log(`[demo] ${line}`);
const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

function replicasArg(): number | undefined {
  try {
    return parseReplicasArgs(process.argv.slice(2)).replicas;
  } catch (error) {
    if (!(error instanceof ReplicasArgsError)) throw error;
    console.error(`[demo] ${error.message}`);
    process.exit(2);
  }
}

/** MOORING_KUBE_VERSION: the cluster's Kubernetes minor, one of packages/kube-dev/versions.json (default its default). */
function kubeVersionSetting(): KubeVersions {
  try {
    return pinnedKubeVersion(process.env.MOORING_KUBE_VERSION || undefined);
  } catch (error) {
    console.error(`[demo] MOORING_KUBE_VERSION: ${(error as Error).message}`);
    process.exit(2);
  }
}

/** What the rest of the demo needs from kas, whether one in this process or several replicas behind the balancer. */
interface DemoKas {
  services: KasServices;
  agentUrl: string;
  proxyUrl: string;
  apiUrl: string;
  caFile: string;
  adminPassword: string;
  /** Only with one kas in this process: with replicas, whichever holds the lease dials. */
  receptiveDialer: ReceptiveDialer | undefined;
}

async function main(): Promise<void> {
  // umask 077 before anything is written: the demo's kubeconfigs, passwords and logs are private.
  const { tightened } = makePrivateDir(demoDir);
  if (tightened > 0) say(`made ${tightened} files in ${demoDir} private (they were open to other users)`);
  await mkdir(logDir, { recursive: true, mode: 0o700 });
  const stack: Array<{ name: string; stop: () => Promise<void> }> = [];
  let stopping = false;
  const stopAll = async (reason: string, code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    say(`${reason}: stopping…`);
    for (const part of stack.reverse()) {
      try {
        await part.stop();
      } catch (error) {
        say(`could not stop ${part.name} cleanly: ${(error as Error).message}`);
      }
    }
    say('stopped.');
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll('Ctrl-C', 0));
  process.on('SIGTERM', () => void stopAll('SIGTERM', 0));

  try {
    let since = Date.now();
    say(
      `starting a local Kubernetes ${kubeVersion.kubernetes} cluster (etcd, kube-apiserver, controller-manager, scheduler, kwok)…`,
    );
    const cluster: KubeCluster = await startCluster({
      nodes: 2,
      name: 'demo',
      version: kubeVersion.minor,
    });
    stack.push({ name: 'cluster', stop: () => cluster.stop() });
    const adminKubeconfig = path.join(demoDir, 'admin.kubeconfig.yaml');
    await copyFile(cluster.kubeconfigPath, adminKubeconfig);
    // The agent's own identity (ServiceAccount mooring-system/mooring-agent): the console's local install command
    // uses it when kas finds it here (apps/kas/src/agent-install.ts).
    if (replicas === undefined)
      await copyFile(cluster.agentKubeconfigPath, path.join(dataDir, DEMO_AGENT_KUBECONFIG));
    say(`cluster ${cluster.version} ready in ${seconds(since)} at ${cluster.server}`);

    since = Date.now();
    let kas: DemoKas;
    if (replicas === undefined) {
      const config = loadConfig({
        ...process.env,
        MOORING_DATA_DIR: dataDir,
        MOORING_ADMIN_PASSWORD: process.env.MOORING_ADMIN_PASSWORD ?? demoAdminPassword(demoDir),
      });
      const kasLog = path.join(logDir, 'kas.log');
      const single: RunningKas = await startKas(config, {
        logger: createLogger({
          level: config.logLevel,
          destination: createWriteStream(kasLog, { flags: 'a', mode: 0o600 }),
        }),
      });
      stack.push({ name: 'kas', stop: () => single.stop() });
      const agentPort = single.ports.agent;
      const proxyUrl = single.urls.proxy;
      if (agentPort === undefined || proxyUrl === undefined)
        throw new Error('kas started without its agent listener or Kubernetes API proxy module');
      say(
        `kas ready in ${seconds(since)}: console API ${single.urls.api}, agents grpcs://127.0.0.1:${agentPort}`,
      );
      kas = {
        services: single.services,
        agentUrl: `grpcs://127.0.0.1:${agentPort}`,
        proxyUrl,
        apiUrl: single.urls.api,
        caFile: path.join(dataDir, 'tls', 'agent-api', 'ca.crt'),
        adminPassword: config.adminPassword ?? '(set by MOORING_ADMIN_PASSWORD)',
        receptiveDialer: single.provided.get<ReceptiveDialer>(RECEPTIVE_DIALER),
      };
    } else {
      say(`starting ${replicas} kas replicas on a throwaway PostgreSQL and Redis, behind a load balancer…`);
      const adminPassword = process.env.MOORING_ADMIN_PASSWORD ?? demoAdminPassword(demoDir);
      const local = await startLocalReplicas(
        { replicas, dataDir, env: { MOORING_ADMIN_PASSWORD: adminPassword } },
        say,
      );
      stack.push({ name: 'kas replicas', stop: () => local.stop() });
      // The console's local install command finds the agent's identity in each replica's data dir (see above).
      for (const r of local.replicas) {
        const file = path.join(r.dataDir, DEMO_AGENT_KUBECONFIG);
        await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
        await copyFile(cluster.agentKubeconfigPath, file);
      }
      const seeding = await openReplicaServices({
        databaseUrl: local.databaseUrl,
        redisUrl: local.redisUrl,
        secret: local.secret,
        logFile: path.join(logDir, 'seed.log'),
      });
      stack.push({ name: 'seeding', stop: () => seeding.close() });
      kas = {
        services: seeding.services,
        agentUrl: local.urls.agent,
        proxyUrl: local.urls.proxy,
        apiUrl: local.urls.api,
        caFile: local.caFile,
        adminPassword,
        receptiveDialer: undefined,
      };
    }

    const seed = await seedDemo(kas.services, demoDir);
    const { caFile, proxyUrl } = kas;
    const startAgentk = (pod: string, flags: string[]) => {
      const out = createWriteStream(path.join(logDir, `${pod}.log`), { flags: 'a', mode: 0o600 });
      const child: ChildHandle = startChild(
        pod,
        process.execPath,
        [
          // The production bundle, as installed (bootstrap.sh builds it before the demo starts).
          builtBundle('agentk'),
          ...flags,
          `--kubeconfig=${cluster.agentKubeconfigPath}`,
          '--observability-listen-address=127.0.0.1:0',
        ],
        {
          cwd: repoRoot,
          env: { POD_NAME: pod, POD_NAMESPACE: cluster.agentNamespace },
          onLine: (line) => out.write(`${line}\n`),
        },
      );
      stack.push({ name: pod, stop: () => child.stop() });
    };
    for (const pod of AGENTK_PODS)
      startAgentk(pod, [
        `--kas-address=${kas.agentUrl}`,
        `--token-file=${seed.agentTokenFile}`,
        `--ca-cert-file=${caFile}`,
      ]);
    say(`agent ${seed.projectPath}/${DEMO.agent} (id ${seed.agentId}): ${AGENTK_PODS.join(' and ')} started`);

    since = Date.now();
    const receptive = await seedReceptiveDemo(kas.services, demoDir, () => freePort('127.0.0.1'));
    startAgentk(RECEPTIVE_POD, [
      `--receptive-listen-address=${receptive.listenAddress}`,
      `--receptive-cert-file=${receptive.certFile}`,
      `--receptive-key-file=${receptive.keyFile}`,
      `--receptive-jwt-public-key-file=${receptive.jwtPublicKeyFile}`,
      `--token-file=${receptive.tokenFile}`,
    ]);
    const receptiveName = `${seed.projectPath}/${DEMO.receptiveAgent} (id ${receptive.agentId})`;
    const link = kas.receptiveDialer
      ? await waitForReceptiveLink(kas.receptiveDialer, receptive.agentId, RECEPTIVE_WAIT_MS)
      : undefined;
    say(
      !kas.receptiveDialer
        ? `receptive agent ${receptiveName}: ${RECEPTIVE_POD} listens on ${receptive.url}; the replica holding its lease dials it`
        : link?.state === 'connected'
          ? `receptive agent ${receptiveName}: ${RECEPTIVE_POD} listens on ${receptive.url}; kas dialed it (JWT) in ${seconds(since)}`
          : `receptive agent ${receptiveName}: kas has not connected to ${receptive.url} within ${RECEPTIVE_WAIT_MS / 1000} s: ` +
            `${link?.state === 'failing' ? link.error : (link?.state ?? 'the receptive module is not running')} ` +
            `(see ${path.join(logDir, `${RECEPTIVE_POD}.log`)})`,
    );

    const caPem = await readFile(caFile, 'utf8');
    const writeProxyKubeconfig = async (file: string, agentId: number, agent: string) => {
      const kubeconfig = path.join(demoDir, file);
      await writeFile(
        kubeconfig,
        buildProxyKubeconfig({
          proxyUrl,
          caPem,
          agentId,
          token: seed.personalAccessToken,
          context: `${seed.projectPath}:${agent}`,
        }),
        { mode: 0o600 },
      );
      return kubeconfig;
    };
    const proxyKubeconfig = await writeProxyKubeconfig('kubeconfig.yaml', seed.agentId, DEMO.agent);
    const receptiveKubeconfig = await writeProxyKubeconfig(
      'receptive.kubeconfig.yaml',
      receptive.agentId,
      DEMO.receptiveAgent,
    );

    since = Date.now();
    say('starting the console (the first start builds it: about a minute)…');
    const web: RunningConsole = await startConsole({
      port: Number(process.env.MOORING_CONSOLE_PORT ?? 3000),
      kasUrl: kas.apiUrl,
    });
    stack.push({ name: 'console', stop: () => web.stop() });
    say(`console ready in ${seconds(since)}`);

    const password = kas.adminPassword;
    console.log(`
  Console          ${web.url}   (log in as ${DEMO.admin} / ${password})
  CLI              pnpm mooring login --kas-url ${kas.apiUrl} --username ${DEMO.admin}   (docs/cli.md)
  Through kas      kubectl --kubeconfig ${proxyKubeconfig} get pods -A
  Receptive agent  kubectl --kubeconfig ${receptiveKubeconfig} get pods -A   (kas dials ${receptive.url})
  Straight         kubectl --kubeconfig ${adminKubeconfig} get nodes
  kubectl binary   ${cluster.kubectlPath}
  Logs             ${logDir}

Running; press Ctrl-C to stop everything.`);
  } catch (error) {
    say(`failed: ${error instanceof Error ? error.message : String(error)}`);
    await stopAll('failure', 1);
  }
}

void main();
