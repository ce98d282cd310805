// One gRPC channel to kas shared by every agentk module's client, with TLS, keepalive and the per-call metadata.
import { Channel, ChannelCredentials, connectivityState, Metadata } from '@grpc/grpc-js';
import type { KasChannel } from '@mooring/modules/modagent/index';
import { ConnectionFailureLog } from '@mooring/modules/shared/connection-failure';
import { probeConnection } from '@mooring/modules/shared/connection-probe';
import type { Logger } from 'pino';

export interface KasConnectionOptions {
  /** grpc://host:port or grpcs://host:port; in receptive mode only a label for logs. */
  kasAddress: string;
  /**
   * Receptive mode: the private Unix socket (`unix:<path>`) the receptive listener joins to kas's connection. The
   * channel is insecure there because the kas link itself is TLS (the listener's).
   */
  channelTarget?: string;
  token: string;
  caCertPem?: Buffer | null;
  kasTlsServerName?: string | null;
  kasHeaders?: Array<[string, string]>;
  userAgent: string;
  keepaliveTimeMs?: number;
  maxMessageBytes?: number;
  /** Where `failures` logs its one line per connection problem. */
  logger?: Logger;
}

export interface KasConnection extends KasChannel {
  failures: ConnectionFailureLog;
  close(): void;
}

export function connectToKas(options: KasConnectionOptions): KasConnection {
  const url = options.channelTarget ? null : new URL(options.kasAddress);
  const secure = url?.protocol === 'grpcs:';
  const target =
    options.channelTarget ??
    `${url!.hostname.includes(':') && !url!.hostname.startsWith('[') ? `[${url!.hostname}]` : url!.hostname}:${url!.port || (secure ? 443 : 80)}`;
  const credentials = secure
    ? ChannelCredentials.createSsl(options.caCertPem ?? null)
    : ChannelCredentials.createInsecure();
  const maxMessageBytes = options.maxMessageBytes ?? 10 * 1024 * 1024;
  const channelOptions: Record<string, string | number> = {
    'grpc.primary_user_agent': options.userAgent,
    // Client pings every 55 s, even with no call open, so NATs and load balancers keep the connection (docs/decisions.md).
    'grpc.keepalive_time_ms': options.keepaliveTimeMs ?? 55_000,
    'grpc.keepalive_timeout_ms': 20_000,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.max_receive_message_length': maxMessageBytes,
    'grpc.max_send_message_length': maxMessageBytes,
    'grpc.initial_reconnect_backoff_ms': 1_000,
    'grpc.max_reconnect_backoff_ms': 20_000,
    // HTTP/2 receive window (stream and connection): the 64 KiB default stalls a large upload (kubectl cp, a
    // port-forward's client bytes) on a WINDOW_UPDATE round trip every 64 KiB.
    'grpc-node.flow_control_window': 4 * 1024 * 1024,
  };
  // The authority of a unix: target is the socket path; kas would see it as :authority. Name the agent API instead.
  if (options.channelTarget) channelOptions['grpc.default_authority'] = 'mooring-receptive';
  if (options.kasTlsServerName && !options.channelTarget) {
    channelOptions['grpc.ssl_target_name_override'] = options.kasTlsServerName;
    channelOptions['grpc.default_authority'] = options.kasTlsServerName;
  }
  const channel = new Channel(target, credentials, channelOptions);
  const clientOptions = { channelOverride: channel };
  const base = new Metadata();
  base.set('authorization', `Bearer ${options.token}`);
  for (const [name, value] of options.kasHeaders ?? []) base.add(name, value);
  const failures = new ConnectionFailureLog(options.logger ?? silentLog, { address: options.kasAddress });
  // Receptive mode: failures of the kas link are the listener's to log (kas dials; agentk has nothing to probe).
  const stopWatching = options.channelTarget
    ? () => undefined
    : explainChannelFailures(channel, failures, options);
  return {
    target,
    credentials,
    clientOptions,
    metadata: () => base.clone(),
    failures,
    close: () => {
      stopWatching();
      channel.close();
    },
  };
}

const silentLog = { warn: () => undefined, debug: () => undefined, info: () => undefined };

/**
 * Calls wait for the channel (waitForReady), so a kas that cannot be reached fails no call for a long time: when the
 * channel fails to connect, dial once more with the same settings and report why, in one line.
 */
function explainChannelFailures(
  channel: Channel,
  failures: ConnectionFailureLog,
  options: KasConnectionOptions,
): () => void {
  let stopped = false;
  let probing = false;
  const watch = (state: connectivityState) => {
    if (stopped || state === connectivityState.SHUTDOWN) return;
    // A bounded deadline: grpc-js sets a timer for it. Timing out just watches again.
    channel.watchConnectivityState(state, Date.now() + 3600_000, () => {
      if (stopped) return;
      const next = channel.getConnectivityState(false);
      if (next === connectivityState.READY) failures.connected();
      if (next === connectivityState.TRANSIENT_FAILURE && !probing) {
        probing = true;
        void probeConnection({
          address: options.kasAddress,
          caPem: options.caCertPem,
          serverName: options.kasTlsServerName,
        }).then((error) => {
          probing = false;
          if (error && !stopped) failures.report(error, 'channel');
        });
      }
      watch(next);
    });
  };
  watch(channel.getConnectivityState(false));
  return () => {
    stopped = true;
  };
}
