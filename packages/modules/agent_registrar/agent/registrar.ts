// agentk's heartbeat: AgentRegistrar.Register now and every `intervalMs` (default 5 min), with the Kubernetes version
// read from discovery before each call. While kas is unreachable the call waits for it (up to the call timeout),
// so a restarted kas sees the pod at once; on errors it retries with backoff (10 s → 1 min).
import type { Metadata } from '@grpc/grpc-js';
import type {
  AgentRegistrarClient,
  RegisterRequest,
} from '@mooring/proto/gen/mooring/agent_registrar/rpc/rpc';
import type { AgentMeta, KubernetesVersion } from '@mooring/proto/gen/mooring/rpc/rpc';
import type { Logger } from 'pino';
import { Backoff } from '../../shared/backoff';
import type { ConnectionFailureReporter } from '../../shared/connection-failure';

export interface RegistrarOptions {
  client: AgentRegistrarClient;
  metadata: () => Metadata;
  podId: number;
  meta: Omit<AgentMeta, 'kubernetesVersion'>;
  /** Reads the cluster's version (GET /version); null when the API server cannot be reached. */
  kubernetesVersion: () => Promise<KubernetesVersion | null>;
  logger: Logger;
  intervalMs?: number;
  retryMinMs?: number;
  retryMaxMs?: number;
  callTimeoutMs?: number;
  onRegistered?: () => void;
  /** Explains failures in one log line shared with the other clients of the channel. */
  failures?: ConnectionFailureReporter;
}

function waitingMetadata(metadata: Metadata): Metadata {
  metadata.setOptions({ waitForReady: true });
  return metadata;
}

export interface Registrar {
  /** Resolves after the first successful Register (for readiness). */
  readonly firstRegistration: Promise<void>;
  stop(): void;
}

export function startRegistrar(options: RegistrarOptions): Registrar {
  const logger = options.logger.child({ module: 'agent_registrar' });
  const intervalMs = options.intervalMs ?? 5 * 60_000;
  const retryMinMs = options.retryMinMs ?? 10_000;
  const retryMaxMs = options.retryMaxMs ?? 60_000;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  const backoff = new Backoff({
    initialMs: retryMinMs,
    maxMs: retryMaxMs,
    factor: 2,
    resetAfterMs: Infinity,
  });
  let markRegistered!: () => void;
  const firstRegistration = new Promise<void>((resolve) => (markRegistered = resolve));

  const schedule = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(() => void beat(), ms);
    timer.unref();
  };
  const beat = async () => {
    let kubernetesVersion: KubernetesVersion | null = null;
    try {
      kubernetesVersion = await options.kubernetesVersion();
    } catch (error) {
      logger.warn(
        { err: error },
        'could not read the Kubernetes version from the API server; registering without it',
      );
    }
    const request: RegisterRequest = {
      podId: options.podId,
      agentMeta: { ...options.meta, kubernetesVersion: kubernetesVersion ?? undefined },
    };
    try {
      await new Promise<void>((resolve, reject) =>
        options.client.register(
          request,
          waitingMetadata(options.metadata()),
          { deadline: Date.now() + (options.callTimeoutMs ?? 30_000) },
          (error) => (error ? reject(error) : resolve()),
        ),
      );
      backoff.reset();
      options.failures?.connected();
      markRegistered();
      options.onRegistered?.();
      logger.debug('registered with kas');
      schedule(intervalMs);
    } catch (error) {
      const delay = backoff.nextDelayMs();
      if (options.failures) options.failures.report(error, 'agent_registrar', { retry_in_ms: delay });
      else
        logger.warn(
          { err: error, retry_in_ms: delay },
          `could not register with kas: ${(error as { details?: string }).details ?? (error as Error).message}`,
        );
      schedule(delay);
    }
  };
  void beat();
  return {
    firstRegistration,
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
